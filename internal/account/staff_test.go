package account

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/password"
	"github.com/quangninh/feedback/internal/fault"
)

// callLog is a Store with one staff member that records the calls a sign-in makes.
type callLog struct {
	Store
	staff StoredUser
	calls []string
}

func (c *callLog) StaffByUsername(_ context.Context, name string) (StoredUser, error) {
	c.calls = append(c.calls, "StaffByUsername")
	if name != c.staff.Username {
		return StoredUser{}, fault.New(fault.ErrNotFound, "no user")
	}
	return c.staff, nil
}

func (c *callLog) LoginFailures(context.Context, string) (LoginFailures, error) {
	c.calls = append(c.calls, "LoginFailures")
	return LoginFailures{}, nil
}

func (c *callLog) Take(_ context.Context, key string, _ int, _ time.Time) (int, error) {
	c.calls = append(c.calls, "Take")
	return 1, nil
}

func (c *callLog) RecordLoginFailure(context.Context, string, time.Time, time.Time) error {
	c.calls = append(c.calls, "RecordLoginFailure")
	return nil
}

// TestStaffLoginDoesTheSameWorkForUnknownNames: a wrong password for an existing username and any
// password for an unknown one make the same store calls in the same order (so take the same time) and
// get the same answer.
func TestStaffLoginDoesTheSameWorkForUnknownNames(t *testing.T) {
	params := password.Params{Memory: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	h, err := password.Hash("Right-Password-2026", params)
	if err != nil {
		t.Fatal(err)
	}
	store := &callLog{staff: StoredUser{User: User{ID: "u1", Role: auth.RoleOfficer, AgencyID: "a1", Username: "officer.one"}, PasswordHash: h}}
	s := New(store, nil, nil, Config{Password: params})
	_, wrong := s.StaffLogin(context.Background(), "officer.one", "Wrong-Password-2026", "203.0.113.1")
	known := store.calls
	store.calls = nil
	_, unknown := s.StaffLogin(context.Background(), "no.such.person", "Wrong-Password-2026", "203.0.113.1")
	if !slices.Equal(known, store.calls) {
		t.Errorf("store calls:\nexisting name %v\nunknown name  %v", known, store.calls)
	}
	if wrong == nil || unknown == nil || wrong.Error() != unknown.Error() {
		t.Errorf("answers: existing name %v, unknown name %v", wrong, unknown)
	}
}
