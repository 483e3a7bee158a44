package mongostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
)

var _ report.StaffDirectory = (*Store)(nil)

// AssignableAgency returns the agency of an enabled officer or agency admin (read by _id), or "" for an
// unknown user, a disabled or deleted one, or another role.
func (s *Store) AssignableAgency(ctx context.Context, userID string) (string, error) {
	u, err := s.User(ctx, userID)
	if errors.Is(err, fault.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load assignee %s: %w", userID, err)
	}
	if u.Disabled || u.Deleted() || !u.Role.BelongsToAgency() || u.Role != auth.RoleOfficer && u.Role != auth.RoleAgencyAdmin {
		return "", nil
	}
	return u.AgencyID, nil
}
