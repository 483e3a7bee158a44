package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// StaffActive checks, for a request signed with p's access token, that p's staff account was not disabled
// since: a disabled officer is signed out at their next request, not when their token expires. Residents
// pass, and so does an ID no account has (staff accounts are never deleted, so only a token minted
// outside sign-in names one). It returns fault.ErrUnauthenticated for a disabled account, and
// fault.ErrUnavailable when the database does not answer.
func (s *Service) StaffActive(ctx context.Context, p auth.Principal) error {
	if p.Role == auth.RoleResident {
		return nil
	}
	su, err := s.store.User(ctx, p.UserID)
	switch {
	case errors.Is(err, fault.ErrNotFound):
	case err != nil:
		return fmt.Errorf("check staff account %s: %w", p.UserID, err)
	case su.Disabled || su.Deleted():
		return unauthenticated("this account is disabled")
	}
	return nil
}
