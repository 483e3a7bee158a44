package account

import (
	"context"
	"time"

	"github.com/quangninh/feedback/internal/auth/otp"
	"github.com/quangninh/feedback/internal/auth/refresh"
)

// Store keeps accounts, sign-in challenges, sessions and rate-limit counters. Every method returns an error
// wrapping fault.ErrUnavailable when the database does not answer; other failures are listed per method.
type Store interface {
	Limits
	Challenges
	Users
	Sessions
}

// Limits are rate-limit counters and cooldowns shared by every replica. Each record carries an expiry
// after which PurgeExpired may delete it.
type Limits interface {
	// Take counts one more on the fixed-window counter key, whose window ends at windowEnd. It returns the
	// count, 1 to limit, or 0 when limit is reached. Concurrent callers never exceed limit together.
	Take(ctx context.Context, key string, limit int, windowEnd time.Time) (slot int, err error)
	// GiveBack counts one less (after a send that failed).
	GiveBack(ctx context.Context, key string, slot int) error
	// StartCooldown starts a cooldown of length d for key at now, unless one is running. It returns the zero
	// time when it started one, or the end of the running one.
	StartCooldown(ctx context.Context, key string, now time.Time, d time.Duration) (busyUntil time.Time, err error)
	// EndCooldown cancels the cooldown StartCooldown started for key at startedAt.
	EndCooldown(ctx context.Context, key string, startedAt time.Time, d time.Duration) error
	// LoginFailures returns the failed password sign-ins in a row of a username, existing or not.
	LoginFailures(ctx context.Context, username string) (LoginFailures, error)
	// RecordLoginFailure counts one more failed sign-in of username at at; the record may be purged from
	// expiresAt on.
	RecordLoginFailure(ctx context.Context, username string, at, expiresAt time.Time) error
	// ResetLoginFailures clears the count of username (a right password, a new one set by an admin).
	ResetLoginFailures(ctx context.Context, username string) error
	// PurgeExpired deletes the counters, cooldowns, challenges and sessions that expired before now.
	PurgeExpired(ctx context.Context, now time.Time) error
}

// Challenges keep phone sign-in challenges. They hold a hash of the code, never the code.
type Challenges interface {
	// InsertChallenge stores a new challenge; it expires (for PurgeExpired) at c.ExpiresAt.
	InsertChallenge(ctx context.Context, id string, c otp.Challenge) error
	// DeleteChallenge removes a challenge; it is not an error if there is none.
	DeleteChallenge(ctx context.Context, id string) error
	// CountAttempt counts one more attempt on challenge id and returns the challenge with Attempts set to
	// the number of attempts before this one (at most c.Policy.MaxAttempts), so that
	// otp.Challenge.Verify on it judges exactly the attempt counted: concurrent guesses never share an
	// attempt. fault.ErrNotFound if there is no such challenge.
	CountAttempt(ctx context.Context, id string) (otp.Challenge, error)
	// ConsumeChallenge removes a challenge whose code matched, so that it is used once: it fails with
	// fault.ErrNotFound when the challenge is gone, consumed by a concurrent request or purged.
	ConsumeChallenge(ctx context.Context, id string) error
}

// StoredUser is a user with the credentials the store keeps beside it.
type StoredUser struct {
	User
	PasswordHash string // staff: argon2id PHC string
}

// LoginFailures are the failed password sign-ins in a row of one username.
type LoginFailures struct {
	Failures      int
	LastFailureAt time.Time
}

// UserChange lists the fields to change; nil ones stay.
type UserChange struct {
	DisplayName  *string
	Language     *string
	Disabled     *bool
	PasswordHash *string
	RevokeTokens bool // moves the token epoch on: every access token issued before stops working
}

// Users keep accounts and the indexes that find them: phone number → user, username → user.
type Users interface {
	// ClaimPhone maps the E.164 number to userID unless it is mapped already, and returns the user it maps
	// to: userID, or the user of an earlier (or concurrent) claim.
	ClaimPhone(ctx context.Context, e164, userID string, at time.Time) (owner string, err error)
	// ReleasePhone removes the mapping of e164, only if it maps to userID.
	ReleasePhone(ctx context.Context, e164, userID string) error
	// EnsureResident creates the resident u unless a user with u.ID exists; it never changes an existing one.
	EnsureResident(ctx context.Context, u User) error
	// InsertStaff creates the staff account u and claims its username. fault.ErrConflict if the username is
	// taken; nothing is left behind then.
	InsertStaff(ctx context.Context, u StoredUser) error
	// User returns one user. fault.ErrNotFound if there is none.
	User(ctx context.Context, id string) (StoredUser, error)
	// StaffByUsername returns the staff member with that username. fault.ErrNotFound if there is none.
	StaffByUsername(ctx context.Context, username string) (StoredUser, error)
	// ListStaff returns the staff of one agency, or of all agencies when agencyID is "", ordered by username.
	ListStaff(ctx context.Context, agencyID string) ([]StoredUser, error)
	// UpdateUser applies ch and returns the user after it. fault.ErrNotFound if there is no such user.
	UpdateUser(ctx context.Context, id string, ch UserChange) (StoredUser, error)
	// EraseUser removes the personal data of user id (phone, display name, devices) and marks it deleted
	// at at; a user deleted earlier keeps its first DeletedAt. fault.ErrNotFound if there is no such user.
	EraseUser(ctx context.Context, id string, at time.Time) error
}

// Session is one signed-in device: a refresh-token family and its current token's hash.
type Session struct {
	FamilyID   string
	UserID     string
	Hash       refresh.Hash // of the current refresh token
	CreatedAt  time.Time
	LastUsedAt time.Time // when the current token was issued
	ExpiresAt  time.Time // LastUsedAt plus the idle timeout
}

// Sessions keep refresh-token families. A revoked family is deleted: nothing it issued works any more.
type Sessions interface {
	// InsertSession stores a new family.
	InsertSession(ctx context.Context, s Session) error
	// Session returns a family. fault.ErrNotFound if there is none (never issued, revoked or purged).
	Session(ctx context.Context, familyID string) (Session, error)
	// RotateSession replaces the family's current token hash old with next's, only if old is current and
	// no other call rotated it: it fails with fault.ErrConflict if another request rotated it first (even
	// concurrently), and fault.ErrNotFound if the family is gone.
	RotateSession(ctx context.Context, old refresh.Hash, next Session) error
	// DeleteSession revokes a family; it is not an error if there is none.
	DeleteSession(ctx context.Context, familyID string) error
	// DeleteUserSessions revokes every family of a user.
	DeleteUserSessions(ctx context.Context, userID string) error
	// UserSessions returns a user's families, oldest first.
	UserSessions(ctx context.Context, userID string) ([]Session, error)
}
