// Package account signs people in and keeps their accounts: residents with a phone number and a one-time SMS
// code, staff with a username and a password. It issues access and refresh tokens, rotates refresh tokens,
// and lets residents read, export and delete what the service keeps about them, and admins manage staff.
//
// It holds the rules; the building blocks (codes, hashes, tokens, back-off) come from internal/auth, storage
// from a Store and SMS delivery from an SMS sender, both declared here and implemented by adapters. Several
// API replicas share one database, so every limit (code requests per number and per address, sign-in
// failures) is counted there, and every race (two guesses, two refreshes, two first sign-ins) is settled
// there by one write that only one request can win: a conditional update of the document that arbitrates
// (a counter under its limit, a session's current token), an insert under a unique key, or a delete.
package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/otp"
	"github.com/quangninh/feedback/internal/auth/password"
	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/auth/refresh"
	"github.com/quangninh/feedback/internal/auth/throttle"
	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/open311"
)

// SMS delivers a text message. Send returns nil once the gateway accepted the message, and an error
// wrapping fault.ErrUnavailable when it could not be handed over (the caller may retry).
type SMS interface {
	Send(ctx context.Context, to phone.Number, text string) error
}

// Agencies tells whether an agency exists, so staff are only attached to real ones.
type Agencies interface {
	AgencyExists(ctx context.Context, id string) (bool, error)
}

// Devices are users' push devices (internal/notify): listed in their export, forgotten when they sign out
// or delete their account.
type Devices interface {
	// UserDevices returns every device of userID.
	UserDevices(ctx context.Context, userID string) ([]notify.Device, error)
	// ForgetDevice forgets the device token of userID; an unknown token is not an error.
	ForgetDevice(ctx context.Context, userID, token string) error
	// ForgetUser forgets every device of userID.
	ForgetUser(ctx context.Context, userID string) error
}

// PartnerContacts are what partners' apps sent about a resident with their phone (internal/open311): listed
// in the account's export, erased with the account.
type PartnerContacts interface {
	OfReporter(ctx context.Context, userID string) ([]open311.Contact, error)
	ForgetUser(ctx context.Context, userID string) error
}

// Config tunes the Service. Zero fields take the defaults noted.
type Config struct {
	OTP           otp.Policy      // zero: otp.DefaultPolicy()
	Pepper        otp.Pepper      // required: keys the stored code hashes
	Password      password.Params // zero: password.DefaultParams()
	Throttle      throttle.Policy // zero: throttle.DefaultPolicy()
	Refresh       refresh.Policy  // zero: refresh.DefaultPolicy()
	PerPhoneSends int             // codes sent to one number per hour; zero: 5
	PerIPSends    int             // codes requested from one client address per hour; zero: 20
	// PerIPLoginFailures is how many failed staff sign-ins one client address may make per hour; zero: 20.
	PerIPLoginFailures int
	Agencies           Agencies        // required for staff of an agency
	Devices            Devices         // nil: no push devices to list or forget
	Reports            ExportReports   // nil: exports list no reports
	PartnerContacts    PartnerContacts // nil: no partners' contacts to list or erase
	// PrecisionM is a category's public location precision in metres: an export shows a followed report
	// as its follower sees it (report.FollowerView). Nil: report.FollowerPrecisionM.
	PrecisionM    func(category string) int
	StateCacheTTL time.Duration // how long CheckAccess trusts an account it read; zero: DefaultStateCacheTTL
	Now           func() time.Time
}

// limitWindow is the fixed window of the per-number and per-address send limits.
const limitWindow = time.Hour

// Service is the account domain service. It is safe for concurrent use.
type Service struct {
	store     Store
	sms       SMS
	authority *token.Authority
	cfg       Config
	issuer    otp.Issuer
	states    stateCache // accounts read by CheckAccess

	dummyOnce sync.Once
	dummyHash string // matches no password: verified for unknown usernames (see dummy)
}

// New returns a Service storing in store, sending codes through sms and signing access tokens with
// authority.
func New(store Store, sms SMS, authority *token.Authority, cfg Config) *Service {
	if cfg.OTP == (otp.Policy{}) {
		cfg.OTP = otp.DefaultPolicy()
	}
	if cfg.Password == (password.Params{}) {
		cfg.Password = password.DefaultParams()
	}
	if cfg.Throttle == (throttle.Policy{}) {
		cfg.Throttle = throttle.DefaultPolicy()
	}
	if cfg.Refresh == (refresh.Policy{}) {
		cfg.Refresh = refresh.DefaultPolicy()
	}
	if cfg.PerPhoneSends == 0 {
		cfg.PerPhoneSends = 5
	}
	if cfg.PerIPSends == 0 {
		cfg.PerIPSends = 20
	}
	if cfg.PerIPLoginFailures == 0 {
		cfg.PerIPLoginFailures = 20
	}
	if cfg.StateCacheTTL <= 0 {
		cfg.StateCacheTTL = DefaultStateCacheTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: store, sms: sms, authority: authority, cfg: cfg,
		issuer: otp.Issuer{Pepper: cfg.Pepper, Policy: cfg.OTP}}
}

// now is UTC to the millisecond, as MongoDB stores times: an answer made from memory and a later read of
// the same record show the same time.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// User is an account as the service shows it: a resident (Phone set) or a staff member (Username set).
// A deleted resident keeps ID, Role, CreatedAt and DeletedAt only.
type User struct {
	ID          string
	Role        auth.Role
	AgencyID    string // officers and agency admins
	Phone       string // residents, E.164; "" once deleted
	Username    string // staff
	DisplayName string
	Language    string // "vi" (default) or "en"
	Disabled    bool
	CreatedAt   time.Time
	DeletedAt   time.Time // zero unless deleted
	Epoch       int64     // token epoch: tokens carrying an older one are refused (auth.Principal.Epoch)
}

// Deleted reports whether the account was deleted.
func (u User) Deleted() bool { return !u.DeletedAt.IsZero() }

// IsStaff reports whether the account belongs to a staff member.
func (u User) IsStaff() bool { return u.Role != auth.RoleResident && u.Role != "" }

func (u User) principal() auth.Principal {
	return auth.Principal{UserID: u.ID, Role: u.Role, AgencyID: u.AgencyID, Epoch: u.Epoch}
}

// Languages a profile may choose.
const (
	LanguageVietnamese = "vi"
	LanguageEnglish    = "en"
)

// Tokens is what a successful sign-in or refresh hands to the client.
type Tokens struct {
	AccessToken  string
	ExpiresIn    time.Duration // until the access token expires
	RefreshToken string
	User         User
}

// RetryAfterError is a rate-limit refusal that says how long to wait. errors.Is(err, fault.ErrRateLimited)
// holds for it; the HTTP layer sends After as Retry-After.
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying fault.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter is how long the caller should wait before trying again.
func (e *RetryAfterError) RetryAfter() time.Duration { return e.After }

func rateLimited(msg string, after time.Duration) error {
	return &RetryAfterError{Err: fault.New(fault.ErrRateLimited, msg), After: max(after, time.Second)}
}

// unauthenticated is the refusal of a credential; msg is shown to the caller.
func unauthenticated(msg string) error { return fault.New(fault.ErrUnauthenticated, msg) }

// newID returns 16 random bytes, base64url-encoded (22 characters): user, challenge and session IDs.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// internal wraps an unexpected error (a bug or a misconfiguration) for the log; the HTTP layer answers 500.
func internal(what string, err error) error { return fmt.Errorf("account: %s: %w", what, err) }
