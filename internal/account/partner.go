package account

import (
	"context"
	"strings"

	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/fault"
)

// ReporterFor returns the ID of the resident with the phone number a partner's app sent as its reporter's
// contact, creating the account as a first sign-in would (the person signs in later with that number and
// finds the report). displayName, when not empty, becomes the account's name if it has none. From then on
// the report is that resident's like any other: export and erasure of the account cover it.
//
// It fails with *fault.Invalid naming phone or first_name/last_name (Open311's fields) when they are not
// acceptable, fault.ErrUnauthenticated for a disabled account, and fault.ErrUnavailable when the database
// does not answer.
func (s *Service) ReporterFor(ctx context.Context, rawPhone, displayName string) (string, error) {
	inv := &fault.Invalid{}
	number, err := phone.Parse(rawPhone)
	if err != nil {
		inv.Add("phone", "must be a Vietnamese mobile number")
	}
	displayName = strings.TrimSpace(displayName)
	if displayName != "" {
		checkDisplayName(inv, "first_name", displayName)
	}
	if err := inv.Err(); err != nil {
		return "", err
	}
	u, err := s.resident(ctx, number, s.now())
	if err != nil {
		return "", err
	}
	if displayName != "" && u.DisplayName == "" {
		if _, err := s.store.UpdateUser(ctx, u.ID, UserChange{DisplayName: &displayName}); err != nil {
			return "", err
		}
	}
	return u.ID, nil
}
