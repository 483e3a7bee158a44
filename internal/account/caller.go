package account

import (
	"context"
	"errors"

	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/fault"
)

// ResidentForPhone returns the ID of the resident account of a phone number, creating it (as a first
// sign-in would) when the number has none: a call-taker files a report for a resident who phoned, and
// the resident later signs in with the number to find it as their own.
//
// It fails with fault.ErrUnprocessable when the number's account is disabled, and fault.ErrUnavailable
// when the database does not answer.
func (s *Service) ResidentForPhone(ctx context.Context, number phone.Number) (string, error) {
	u, err := s.resident(ctx, number, s.now())
	if errors.Is(err, fault.ErrUnauthenticated) {
		return "", fault.New(fault.ErrUnprocessable, "the resident account of this number is disabled")
	}
	if err != nil {
		return "", err
	}
	return u.ID, nil
}
