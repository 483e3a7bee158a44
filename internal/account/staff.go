package account

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/password"
	"github.com/quangninh/feedback/internal/auth/throttle"
	"github.com/quangninh/feedback/internal/fault"
)

var errBadCredentials = unauthenticated("wrong username or password")

// normalizeUsername is how usernames are stored and looked up: trimmed and lower-case.
func normalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// StaffLogin signs a staff member in with username and password, asked for from clientIP ("" when
// unknown).
//
// Nothing in its answers, its timing or its limits tells whether a username exists: an unknown username
// goes through the same steps as a wrong password (the same database reads and writes, one argon2id
// verification against a hash that matches nothing) and gets the same answer, fault.ErrUnauthenticated
// "wrong username or password". Failures are counted per username, existing or not: after repeated ones
// it fails with a *RetryAfterError (fault.ErrRateLimited) until the back-off of the throttle policy has
// passed, without checking the password; and per client address, PerIPLoginFailures an hour. A disabled
// account is told apart only with the right password. fault.ErrUnavailable when the database does not
// answer.
func (s *Service) StaffLogin(ctx context.Context, username, pw, clientIP string) (Tokens, error) {
	name := normalizeUsername(username)
	now := s.now()
	// The address limit counts attempts before they are judged, so a burst cannot pass it; a right
	// password gives its slot back, so only failures use it up.
	var giveBack func()
	if clientIP != "" {
		key, end := fixedWindow("login-ip:"+clientIP, now, limitWindow)
		slot, err := s.store.Take(ctx, key, s.cfg.PerIPLoginFailures, end)
		if err != nil {
			return Tokens{}, err
		}
		if slot == 0 {
			return Tokens{}, rateLimited("too many failed sign-ins from this network; try again later", end.Sub(now))
		}
		giveBack = func() { _ = s.store.GiveBack(context.WithoutCancel(ctx), key, slot) }
	}
	su, err := s.store.StaffByUsername(ctx, name)
	known := err == nil
	if err != nil && !errors.Is(err, fault.ErrNotFound) {
		return Tokens{}, err
	}
	hash := su.PasswordHash
	if !known {
		hash = s.dummy()
	}
	if err := s.checkPassword(ctx, name, hash, pw, now); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return Tokens{}, errBadCredentials
		}
		return Tokens{}, err
	}
	if !known { // the dummy hash matches no password; this is only a guard
		return Tokens{}, errBadCredentials
	}
	if giveBack != nil {
		giveBack()
	}
	if su.Disabled || su.Deleted() {
		return Tokens{}, unauthenticated("this account is disabled")
	}
	if stale, _ := password.NeedsRehash(su.PasswordHash, s.cfg.Password); stale {
		// The cost parameters were raised: store the password under the new ones. Best effort; the next
		// sign-in tries again.
		if h, err := password.Hash(pw, s.cfg.Password); err == nil {
			_, _ = s.store.UpdateUser(ctx, su.ID, UserChange{PasswordHash: &h})
		}
	}
	return s.issueTokens(ctx, su.User, now)
}

// checkPassword applies the back-off of username, verifies pw against hash, and counts the failure or
// clears the count. It returns nil on a match, password.ErrMismatch for a wrong password, a
// *RetryAfterError while throttled, or the store's error. It does the same work whether or not the
// username exists.
func (s *Service) checkPassword(ctx context.Context, username, hash, pw string, now time.Time) error {
	rec, err := s.store.LoginFailures(ctx, username)
	if err != nil {
		return err
	}
	if wait, err := s.cfg.Throttle.Check(rec.Failures, rec.LastFailureAt, now); err != nil {
		if errors.Is(err, throttle.ErrLocked) {
			return rateLimited("too many failed sign-ins; the account is locked for a while", wait)
		}
		return rateLimited("too many failed sign-ins; wait before trying again", wait)
	}
	// The failure count above is read before the password is checked, so guesses sent at once would all
	// pass it: each guess first takes one of LockAfter slots of the username's window, shared by every
	// replica through the database, and a correct password gives its slot back.
	lockFor := s.cfg.Throttle.LockFor
	if lockFor <= 0 {
		lockFor = 15 * time.Minute
	}
	key, windowEnd := fixedWindow("login:"+username, now, lockFor)
	slot, err := s.store.Take(ctx, key, max(s.cfg.Throttle.LockAfter, 1), windowEnd)
	if err != nil {
		return err
	}
	if slot == 0 {
		return rateLimited("too many sign-in attempts on this account; wait before trying again", windowEnd.Sub(now))
	}
	err = password.Verify(hash, pw)
	switch {
	case errors.Is(err, password.ErrMismatch):
		// Kept until the longest back-off after it has passed.
		if err := s.store.RecordLoginFailure(ctx, username, now, now.Add(max(lockFor, s.cfg.Throttle.MaxDelay))); err != nil {
			return err
		}
		return password.ErrMismatch
	case err != nil:
		return internal("verify password of "+username, err)
	}
	// Best effort: the password was right, and a slot not given back only expires with its window.
	_ = s.store.GiveBack(ctx, key, slot)
	if rec.Failures > 0 {
		return s.store.ResetLoginFailures(ctx, username)
	}
	return nil
}

// fixedWindow names the fixed window of length that now falls in, for the counter named prefix, and its end.
func fixedWindow(prefix string, now time.Time, length time.Duration) (string, time.Time) {
	start := now.Truncate(length)
	return prefix + ":" + strconv.FormatInt(start.Unix(), 10), start.Add(length)
}

// dummy returns a hash that matches no password, verified for unknown usernames so they cost as much as
// wrong passwords.
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = password.Hash("no account has this password", s.cfg.Password)
	})
	return s.dummyHash
}

// NewStaff is a staff account to create.
type NewStaff struct {
	Username    string
	Password    string
	DisplayName string
	Role        auth.Role
	AgencyID    string // required for officers and agency admins
}

// CreateStaff creates a staff account on behalf of actor. Admins create any staff role; an agency admin
// creates officers of their own agency (AgencyID may then be left empty).
//
// It fails with fault.ErrForbidden when actor may not create this account; a *fault.Invalid listing the
// bad fields among body.username, body.password (too weak), body.display_name, body.role and
// body.agency_id (missing, or no such agency); fault.ErrConflict when the username is taken; and
// fault.ErrUnavailable when the database does not answer.
func (s *Service) CreateStaff(ctx context.Context, actor auth.Principal, in NewStaff) (User, error) {
	switch actor.Role {
	case auth.RoleAdmin:
	case auth.RoleAgencyAdmin:
		if in.Role != auth.RoleOfficer {
			return User{}, fault.New(fault.ErrForbidden, "an agency admin may create officers only")
		}
		if in.AgencyID == "" {
			in.AgencyID = actor.AgencyID
		}
		if in.AgencyID != actor.AgencyID {
			return User{}, fault.New(fault.ErrForbidden, "an agency admin may create officers of their own agency only")
		}
	default:
		return User{}, fault.New(fault.ErrForbidden, "only admins and agency admins create staff accounts")
	}
	return s.createStaff(ctx, in)
}

func (s *Service) createStaff(ctx context.Context, in NewStaff) (User, error) {
	in.Username = normalizeUsername(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	inv := &fault.Invalid{}
	if !usernamePattern.MatchString(in.Username) {
		inv.Add("body.username", "3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if in.DisplayName != "" {
		checkDisplayName(inv, "body.display_name", in.DisplayName)
	}
	switch in.Role {
	case auth.RoleOfficer, auth.RoleAgencyAdmin, auth.RoleDispatcher, auth.RoleAdmin, auth.RoleCallTaker:
	default:
		inv.Add("body.role", "must be officer, agency_admin, dispatcher, admin or call_taker")
	}
	if in.Role.BelongsToAgency() && in.AgencyID == "" {
		inv.Add("body.agency_id", "required for "+string(in.Role))
	}
	if err := password.CheckPolicy(in.Password, in.Username); err != nil {
		inv.Add("body.password", err.Error())
	}
	if in.AgencyID != "" {
		ok, err := s.agencyExists(ctx, in.AgencyID)
		if err != nil {
			return User{}, err
		}
		if !ok {
			inv.Add("body.agency_id", "no such agency")
		}
	}
	if err := inv.Err(); err != nil {
		return User{}, err
	}
	h, err := password.Hash(in.Password, s.cfg.Password)
	if err != nil {
		return User{}, internal("hash password", err)
	}
	u := User{ID: newID(), Role: in.Role, AgencyID: in.AgencyID, Username: in.Username,
		DisplayName: in.DisplayName, Language: LanguageVietnamese, CreatedAt: s.now()}
	if err := s.store.InsertStaff(ctx, StoredUser{User: u, PasswordHash: h}); err != nil {
		if errors.Is(err, fault.ErrConflict) {
			return User{}, fault.Wrap(fault.ErrConflict, "username "+in.Username+" is taken", err)
		}
		return User{}, err
	}
	return u, nil
}

func (s *Service) agencyExists(ctx context.Context, id string) (bool, error) {
	if s.cfg.Agencies == nil {
		return false, internal("check agency", errors.New("no Agencies configured"))
	}
	return s.cfg.Agencies.AgencyExists(ctx, id)
}

// ListStaff returns the staff accounts actor may see, ordered by username: every one for an admin, their
// agency's for an agency admin or an officer (whom to assign a ticket to). fault.ErrForbidden for other
// roles, fault.ErrUnavailable when the database does not answer.
func (s *Service) ListStaff(ctx context.Context, actor auth.Principal) ([]User, error) {
	var agency string
	switch actor.Role {
	case auth.RoleAdmin:
	case auth.RoleAgencyAdmin, auth.RoleOfficer:
		agency = actor.AgencyID
	default:
		return nil, fault.New(fault.ErrForbidden, "only admins, agency admins and officers list staff accounts")
	}
	list, err := s.store.ListStaff(ctx, agency)
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(list))
	for _, su := range list {
		if su.IsStaff() && !su.Deleted() {
			out = append(out, su.User)
		}
	}
	return out, nil
}

// GetStaff returns one staff account. fault.ErrForbidden for roles other than admin and agency admin;
// fault.ErrNotFound when there is no such staff account or it belongs to another agency than an agency
// admin's; fault.ErrUnavailable when the database does not answer.
func (s *Service) GetStaff(ctx context.Context, actor auth.Principal, id string) (User, error) {
	su, err := s.visibleStaff(ctx, actor, id)
	return su.User, err
}

func (s *Service) visibleStaff(ctx context.Context, actor auth.Principal, id string) (StoredUser, error) {
	if actor.Role != auth.RoleAdmin && actor.Role != auth.RoleAgencyAdmin {
		return StoredUser{}, fault.New(fault.ErrForbidden, "only admins and agency admins manage staff accounts")
	}
	notFound := fault.New(fault.ErrNotFound, "no such staff account")
	su, err := s.store.User(ctx, id)
	switch {
	case errors.Is(err, fault.ErrNotFound):
		return StoredUser{}, notFound
	case err != nil:
		return StoredUser{}, err
	case !su.IsStaff() || su.Deleted():
		return StoredUser{}, notFound
	case actor.Role == auth.RoleAgencyAdmin && su.AgencyID != actor.AgencyID:
		return StoredUser{}, notFound
	}
	return su, nil
}

// StaffUpdate lists what to change in a staff account; nil fields stay.
type StaffUpdate struct {
	Disabled    *bool
	Password    *string // a new password, set by an admin (the username's failed sign-ins are cleared)
	DisplayName *string
}

// UpdateStaff changes a staff account on behalf of actor. Disabling it or setting its password signs all
// its sessions out. An admin may change any staff account, an agency admin the officers of their agency;
// nobody may disable their own account.
//
// It fails as GetStaff does, and with fault.ErrForbidden for a change actor may not make, a *fault.Invalid
// for body.password (too weak) or body.display_name, and fault.ErrUnavailable when the database does not
// answer.
func (s *Service) UpdateStaff(ctx context.Context, actor auth.Principal, id string, upd StaffUpdate) (User, error) {
	su, err := s.visibleStaff(ctx, actor, id)
	if err != nil {
		return User{}, err
	}
	if actor.Role == auth.RoleAgencyAdmin && su.Role != auth.RoleOfficer {
		return User{}, fault.New(fault.ErrForbidden, "an agency admin may change officers only")
	}
	if upd.Disabled != nil && *upd.Disabled && id == actor.UserID {
		return User{}, fault.New(fault.ErrForbidden, "you cannot disable your own account")
	}
	inv := &fault.Invalid{}
	// Disabling (or enabling) and a new password end every sign-in: sessions and access tokens alike.
	ch := UserChange{Disabled: upd.Disabled, RevokeTokens: upd.Disabled != nil || upd.Password != nil}
	if upd.DisplayName != nil {
		name := strings.TrimSpace(*upd.DisplayName)
		checkDisplayName(inv, "body.display_name", name)
		ch.DisplayName = &name
	}
	if upd.Password != nil {
		if err := password.CheckPolicy(*upd.Password, su.Username); err != nil {
			inv.Add("body.password", err.Error())
		}
	}
	if err := inv.Err(); err != nil {
		return User{}, err
	}
	if upd.Password != nil {
		h, err := password.Hash(*upd.Password, s.cfg.Password)
		if err != nil {
			return User{}, internal("hash password", err)
		}
		ch.PasswordHash = &h
	}
	after, err := s.store.UpdateUser(ctx, id, ch)
	if err != nil {
		return User{}, err
	}
	s.states.forget(id)
	if upd.Password != nil {
		if err := s.store.ResetLoginFailures(ctx, su.Username); err != nil {
			return User{}, err
		}
	}
	if (upd.Disabled != nil && *upd.Disabled) || upd.Password != nil {
		if err := s.store.DeleteUserSessions(ctx, id); err != nil {
			return User{}, err
		}
	}
	return after.User, nil
}

// ChangePassword sets a staff member's own password, after checking the current one, and signs all their
// sessions out: every refresh and access token stops working, those of the device used too (the service
// cannot tell it from the others), so the member signs in again with the new password.
//
// It fails with fault.ErrForbidden for residents (they have no password); fault.ErrUnauthenticated when
// the account is gone or disabled; a *RetryAfterError (fault.ErrRateLimited) after repeated wrong current
// passwords, which count as failed sign-ins; a *fault.Invalid for body.current_password (wrong) or
// body.new_password (too weak); and fault.ErrUnavailable when the database does not answer.
func (s *Service) ChangePassword(ctx context.Context, p auth.Principal, current, next string) error {
	if p.Role == auth.RoleResident {
		return fault.New(fault.ErrForbidden, "residents sign in with a code and have no password")
	}
	su, err := s.activeUser(ctx, p.UserID)
	if err != nil {
		return err
	}
	if err := s.checkPassword(ctx, su.Username, su.PasswordHash, current, s.now()); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			inv := &fault.Invalid{}
			inv.Add("body.current_password", "wrong password")
			return inv
		}
		return err
	}
	if err := password.CheckPolicy(next, su.Username); err != nil {
		inv := &fault.Invalid{}
		inv.Add("body.new_password", err.Error())
		return inv
	}
	h, err := password.Hash(next, s.cfg.Password)
	if err != nil {
		return internal("hash password", err)
	}
	if _, err := s.store.UpdateUser(ctx, p.UserID, UserChange{PasswordHash: &h, RevokeTokens: true}); err != nil {
		return err
	}
	s.states.forget(p.UserID)
	return s.store.DeleteUserSessions(ctx, p.UserID)
}

// DemoAccount is a staff account made for demonstrations, with its password in clear.
type DemoAccount struct {
	Username string
	Password string
	Role     auth.Role
}

// demoAccounts pass the password policy; their passwords are public, so SeedDemo is for dev stacks only.
var demoAccounts = []DemoAccount{
	{"demo.admin", "Quang-Ninh-Admin-2026", auth.RoleAdmin},
	{"demo.dispatcher", "Ha-Long-Dispatch-2026", auth.RoleDispatcher},
	{"demo.agency-admin", "Bai-Chay-Agency-2026", auth.RoleAgencyAdmin},
	{"demo.officer", "Cam-Pha-Officer-2026", auth.RoleOfficer},
	{"demo.call-taker", "Uong-Bi-Hotline-2026", auth.RoleCallTaker},
}

// SeedDemo creates one demo account per staff role, the agency admin and the officer in agencyID, and
// returns their usernames and passwords. Usernames that exist are left as they are (so an account whose
// password was changed keeps it), which makes it idempotent. It fails with a *fault.Invalid when agencyID
// is not an agency, and fault.ErrUnavailable when the database does not answer.
func (s *Service) SeedDemo(ctx context.Context, agencyID string) ([]DemoAccount, error) {
	out := make([]DemoAccount, 0, len(demoAccounts))
	for _, d := range demoAccounts {
		in := NewStaff{Username: d.Username, Password: d.Password, Role: d.Role, DisplayName: "Demo " + string(d.Role)}
		if d.Role.BelongsToAgency() {
			in.AgencyID = agencyID
		}
		if _, err := s.createStaff(ctx, in); err != nil && !errors.Is(err, fault.ErrConflict) {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
