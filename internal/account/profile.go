package account

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// MaxDisplayName is the longest display name, in characters.
const MaxDisplayName = 80

func checkDisplayName(inv *fault.Invalid, field, name string) {
	n := utf8.RuneCountInString(name)
	switch {
	case !utf8.ValidString(name):
		inv.Add(field, "not valid UTF-8")
	case n == 0:
		inv.Add(field, "must not be empty")
	case n > MaxDisplayName:
		inv.Add(field, "at most 80 characters")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		inv.Add(field, "must not contain control characters")
	}
}

// activeUser returns the signed-in user id, or fault.ErrUnauthenticated when the account is gone,
// deleted or disabled (its access token outlived it).
func (s *Service) activeUser(ctx context.Context, id string) (StoredUser, error) {
	su, err := s.store.User(ctx, id)
	switch {
	case errors.Is(err, fault.ErrNotFound):
		return StoredUser{}, unauthenticated("this account no longer exists")
	case err != nil:
		return StoredUser{}, err
	case su.Deleted():
		return StoredUser{}, unauthenticated("this account no longer exists")
	case su.Disabled:
		return StoredUser{}, unauthenticated("this account is disabled")
	}
	return su, nil
}

// Profile returns the signed-in user's account. fault.ErrUnauthenticated when it was deleted or disabled
// since the access token was issued; fault.ErrUnavailable when the database does not answer.
func (s *Service) Profile(ctx context.Context, p auth.Principal) (User, error) {
	su, err := s.activeUser(ctx, p.UserID)
	return su.User, err
}

// UpdateProfile changes the signed-in user's display name and preferred language; nil ones stay. It fails
// as Profile does, and with a *fault.Invalid for body.display_name (empty after trimming, longer than 80
// characters, control characters) or body.language (not "vi" or "en").
func (s *Service) UpdateProfile(ctx context.Context, p auth.Principal, displayName, language *string) (User, error) {
	inv := &fault.Invalid{}
	var ch UserChange
	if displayName != nil {
		name := strings.TrimSpace(*displayName)
		checkDisplayName(inv, "body.display_name", name)
		ch.DisplayName = &name
	}
	if language != nil {
		if *language != LanguageVietnamese && *language != LanguageEnglish {
			inv.Add("body.language", "must be vi or en")
		}
		ch.Language = language
	}
	if err := inv.Err(); err != nil {
		return User{}, err
	}
	if _, err := s.activeUser(ctx, p.UserID); err != nil {
		return User{}, err
	}
	if ch == (UserChange{}) {
		return s.Profile(ctx, p)
	}
	su, err := s.store.UpdateUser(ctx, p.UserID, ch)
	if errors.Is(err, fault.ErrNotFound) {
		return User{}, unauthenticated("this account no longer exists")
	}
	return su.User, err
}

// DeleteResident deletes the signed-in resident's account: the phone number is released (signing in with
// it again creates a new account), every session is signed out, and the personal data (phone, display
// name, devices, the contacts partners' apps sent with the number) is erased. The user record stays, with its ID and DeletedAt only, so the resident's
// reports stay attributed to an anonymous ID. Calling it again, or after an interrupted call, finishes the
// job and succeeds.
//
// It fails with fault.ErrForbidden for staff (an admin disables them instead) and fault.ErrUnavailable
// when the database does not answer.
func (s *Service) DeleteResident(ctx context.Context, p auth.Principal) error {
	if p.Role != auth.RoleResident {
		return fault.New(fault.ErrForbidden, "staff accounts are disabled by an admin, not deleted")
	}
	su, err := s.store.User(ctx, p.UserID)
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if su.Role != auth.RoleResident {
		return fault.New(fault.ErrForbidden, "staff accounts are disabled by an admin, not deleted")
	}
	// The order makes every step safe to repeat: the number is released while it is still known, and
	// erased last.
	if su.Phone != "" {
		if err := s.store.ReleasePhone(ctx, su.Phone, su.ID); err != nil {
			return err
		}
	}
	if err := s.store.DeleteUserSessions(ctx, su.ID); err != nil {
		return err
	}
	if s.cfg.Devices != nil {
		if err := s.cfg.Devices.ForgetUser(ctx, su.ID); err != nil {
			return err
		}
	}
	if s.cfg.PartnerContacts != nil {
		if err := s.cfg.PartnerContacts.ForgetUser(ctx, su.ID); err != nil {
			return err
		}
	}
	// Erasing moves the token epoch on: the caller's access token stops working on every replica.
	if err := s.store.EraseUser(ctx, su.ID, s.now()); err != nil {
		return err
	}
	s.states.forget(su.ID)
	return nil
}

// SessionInfo describes one signed-in device.
type SessionInfo struct {
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// PurgeExpired deletes rate-limit counters, sign-in challenges and idle sessions that expired; run it now
// and then (every few minutes) from one replica or several. fault.ErrUnavailable when the database does
// not answer.
func (s *Service) PurgeExpired(ctx context.Context) error {
	return s.store.PurgeExpired(ctx, s.now())
}
