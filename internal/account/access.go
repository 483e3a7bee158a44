package account

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// DefaultStateCacheTTL is how long a replica trusts what it read of an account when it checks an access
// token: a change of the account (erased, disabled, a new password, role or agency changed) takes effect on
// every replica within it, and at once on the replica that made it.
const DefaultStateCacheTTL = 2 * time.Second

// stateCacheSweep is the number of cached accounts above which expired entries are dropped.
const stateCacheSweep = 4096

// accountState is what CheckAccess compares a token with.
type accountState struct {
	role      auth.Role
	agencyID  string
	epoch     int64
	gone      bool // deleted, or no such account
	disabled  bool
	fetchedAt time.Time
}

// stateCache keeps accounts' states read by CheckAccess, each for up to the TTL.
type stateCache struct {
	mu      sync.Mutex
	entries map[string]accountState
}

func (c *stateCache) get(id string, now time.Time, ttl time.Duration) (accountState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.entries[id]
	if !ok || now.Sub(st.fetchedAt) >= ttl || now.Before(st.fetchedAt) {
		return accountState{}, false
	}
	return st, true
}

func (c *stateCache) put(id string, st accountState, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]accountState{}
	}
	if len(c.entries) >= stateCacheSweep {
		for k, e := range c.entries {
			if st.fetchedAt.Sub(e.fetchedAt) >= ttl {
				delete(c.entries, k)
			}
		}
	}
	c.entries[id] = st
}

func (c *stateCache) forget(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

// CheckAccess tells whether an access token of p may still be used: its account exists, is neither
// deleted nor disabled, has the role and agency the token names, and has not moved its token epoch on
// since the token was issued. The account is read at most once per StateCacheTTL per replica.
//
// It fails with fault.ErrUnauthenticated when the token outlived its account or its sessions, and
// fault.ErrUnavailable when the database does not answer.
func (s *Service) CheckAccess(ctx context.Context, p auth.Principal) error {
	now := s.now()
	st, ok := s.states.get(p.UserID, now, s.cfg.StateCacheTTL)
	// A token newer than what this replica read (a sign-in elsewhere after a change) reads the account again.
	if !ok || p.Epoch > st.epoch {
		su, err := s.store.User(ctx, p.UserID)
		switch {
		case errors.Is(err, fault.ErrNotFound):
			st = accountState{gone: true}
		case err != nil:
			return err
		default:
			st = accountState{role: su.Role, agencyID: su.AgencyID, epoch: su.Epoch, gone: su.Deleted(), disabled: su.Disabled}
		}
		st.fetchedAt = now
		s.states.put(p.UserID, st, s.cfg.StateCacheTTL)
	}
	switch {
	case st.gone:
		return unauthenticated("this account no longer exists")
	case st.disabled:
		return unauthenticated("this account is disabled")
	case st.epoch != p.Epoch || st.role != p.Role || st.agencyID != p.AgencyID:
		return unauthenticated("this sign-in has ended (signed out everywhere, or the account changed); sign in again")
	}
	return nil
}
