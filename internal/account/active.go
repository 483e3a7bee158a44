package account

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// StaffCheckTTL is how long a staff member's account, once read enabled, is taken to stay enabled: an
// account disabled through another replica stops being served this much later (at once through this one).
const StaffCheckTTL = 2 * time.Second

// enabledStaff remembers when each staff account was last read enabled.
type enabledStaff struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (e *enabledStaff) fresh(id string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	at, ok := e.seen[id]
	return ok && now.Sub(at) < StaffCheckTTL
}

func (e *enabledStaff) note(id string, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.seen == nil {
		e.seen = map[string]time.Time{}
	}
	e.seen[id] = now
}

func (e *enabledStaff) forget(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.seen, id)
}

// StaffActive checks, for a request signed with p's access token, that p's staff account was not disabled
// since: a disabled officer is signed out at their next request, not when their token expires. Residents
// pass, and so does an ID no account has (staff accounts are never deleted, so only a token minted
// outside sign-in names one). It returns fault.ErrUnauthenticated for a disabled account, and
// fault.ErrUnavailable when the database does not answer.
func (s *Service) StaffActive(ctx context.Context, p auth.Principal) error {
	if p.Role == auth.RoleResident {
		return nil
	}
	now := time.Now()
	if s.enabled.fresh(p.UserID, now) {
		return nil
	}
	su, err := s.store.User(ctx, p.UserID)
	switch {
	case errors.Is(err, fault.ErrNotFound):
	case err != nil:
		return err
	case su.Disabled || su.Deleted():
		return unauthenticated("this account is disabled")
	}
	s.enabled.note(p.UserID, now)
	return nil
}
