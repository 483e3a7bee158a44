package account

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// oneUser is a Store holding one account, counting its reads.
type oneUser struct {
	Store
	u     StoredUser
	reads int
}

func (o *oneUser) User(_ context.Context, id string) (StoredUser, error) {
	o.reads++
	if id != o.u.ID {
		return StoredUser{}, fault.New(fault.ErrNotFound, "no user")
	}
	return o.u, nil
}

// TestCheckAccess: a token is refused once its account is deleted, disabled, moved to another role or
// agency, or its epoch moved on; a replica sees such a change within StateCacheTTL, reading the account
// at most once per TTL, and at once when a token newer than what it read comes.
func TestCheckAccess(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	store := &oneUser{u: StoredUser{User: User{ID: "u1", Role: auth.RoleOfficer, AgencyID: "a1", Epoch: 3}}}
	s := New(store, nil, nil, Config{StateCacheTTL: 2 * time.Second, Now: func() time.Time { return now }})
	ctx := context.Background()
	tok := auth.Principal{UserID: "u1", Role: auth.RoleOfficer, AgencyID: "a1", Epoch: 3}
	refused := func(p auth.Principal) bool {
		err := s.CheckAccess(ctx, p)
		if err != nil && !errors.Is(err, fault.ErrUnauthenticated) {
			t.Fatalf("CheckAccess: %v", err)
		}
		return err != nil
	}
	if refused(tok) || refused(tok) || store.reads != 1 {
		t.Fatalf("a current token: refused, or the account read %d times for two checks within the TTL", store.reads)
	}
	for name, p := range map[string]auth.Principal{
		"older epoch":    {UserID: "u1", Role: auth.RoleOfficer, AgencyID: "a1", Epoch: 2},
		"other role":     {UserID: "u1", Role: auth.RoleAgencyAdmin, AgencyID: "a1", Epoch: 3},
		"other agency":   {UserID: "u1", Role: auth.RoleOfficer, AgencyID: "a2", Epoch: 3},
		"no such person": {UserID: "u2", Role: auth.RoleResident},
	} {
		if !refused(p) {
			t.Errorf("%s: admitted", name)
		}
	}

	// Another replica disables the account: this one sees it once its read is StateCacheTTL old.
	store.u.Disabled, store.u.Epoch = true, 4
	now = now.Add(1900 * time.Millisecond)
	if refused(tok) {
		t.Errorf("refused within the TTL: the cached read was not used")
	}
	now = now.Add(100 * time.Millisecond)
	if !refused(tok) {
		t.Errorf("a disabled account's token admitted %v after the change", 2*time.Second)
	}

	// Enabled again, and signed in elsewhere: the new token (epoch 5) is admitted at once, the old refused.
	store.u.Disabled, store.u.Epoch = false, 5
	reads := store.reads
	if refused(auth.Principal{UserID: "u1", Role: auth.RoleOfficer, AgencyID: "a1", Epoch: 5}) || store.reads != reads+1 {
		t.Errorf("a token newer than the cached account was refused (reads %d → %d)", reads, store.reads)
	}
	if !refused(tok) {
		t.Errorf("an older token admitted")
	}
}
