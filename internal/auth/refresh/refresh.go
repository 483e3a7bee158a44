// Package refresh makes the long-lived refresh tokens that get a client new
// access tokens, and decides what presenting one means.
//
// A refresh token is 32 random bytes, base64url-encoded and opaque. Only its
// SHA-256 hash is stored: the token has full entropy, so a slow hash would
// add nothing. Every use rotates it: the presented token is retired and a new
// one of the same family is issued. Presenting a retired token means two
// parties hold the family (one of them a thief), so the whole family is
// revoked and the user signs in again.
//
// The store does the atomic part (retire the old token only if it is still
// current); this package is pure.
package refresh

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

const tokenBytes = 32

// ErrMalformed is returned (wrapped) by HashToken for a string that cannot be
// a refresh token.
var ErrMalformed = errors.New("malformed refresh token")

// Hash is the SHA-256 of a refresh token, the only form stored.
type Hash [sha256.Size]byte

// Issued is a new refresh token: Token goes to the client once and is never
// stored; Hash and FamilyID go to the store.
type Issued struct {
	Token    string
	Hash     Hash
	FamilyID string
}

// State is the stored record of one refresh token.
type State struct {
	Hash      Hash
	FamilyID  string
	UserID    string
	IssuedAt  time.Time // also the last use of the family, since every use rotates
	RotatedAt time.Time // zero while this token is the family's current one
	RevokedAt time.Time // non-zero once the family was revoked (sign-out or reuse)
}

// Policy bounds how long a family lives without use.
type Policy struct {
	IdleTimeout time.Duration
}

// DefaultPolicy signs a device out after 30 days without a refresh.
func DefaultPolicy() Policy { return Policy{IdleTimeout: 30 * 24 * time.Hour} }

// NewFamily starts a session for userID at now: the first token of a new
// family, and its state to insert.
func NewFamily(userID string, now time.Time) (Issued, State) {
	var id [16]byte
	rand.Read(id[:]) // never fails since Go 1.24
	return issue(userID, base64.RawURLEncoding.EncodeToString(id[:]), now)
}

// Rotate retires s at now and issues its successor in the same family. It
// returns the token to hand out, the successor's state to insert, and s
// marked rotated, which the store must save only if s is still current
// (RotatedAt and RevokedAt zero); if that compare-and-swap fails, another
// request used the same token first and this one is a reuse.
func Rotate(s State, now time.Time) (next Issued, nextState State, retired State) {
	next, nextState = issue(s.UserID, s.FamilyID, now)
	retired = s
	retired.RotatedAt = now
	return next, nextState, retired
}

func issue(userID, familyID string, now time.Time) (Issued, State) {
	var b [tokenBytes]byte
	rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	h := Hash(sha256.Sum256(b[:]))
	return Issued{Token: tok, Hash: h, FamilyID: familyID},
		State{Hash: h, FamilyID: familyID, UserID: userID, IssuedAt: now}
}

// HashToken returns the hash to look a presented token up by. It fails with
// an error wrapping ErrMalformed unless presented is 43 base64url characters
// encoding 32 bytes, so junk never reaches the store.
func HashToken(presented string) (Hash, error) {
	if len(presented) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return Hash{}, fmt.Errorf("%w: %d characters", ErrMalformed, len(presented))
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(presented)
	if err != nil {
		return Hash{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return Hash(sha256.Sum256(b)), nil
}

// Outcome is what to do with a presented refresh token.
type Outcome int

// The outcomes of RotationOutcome.
const (
	// OutcomeUnknown: the stored state is not this token's; reject.
	OutcomeUnknown Outcome = iota
	// OutcomeRotate: valid; call Rotate and hand out the successor.
	OutcomeRotate
	// OutcomeReuseDetected: a retired token came back; revoke the whole
	// family and make the user sign in again.
	OutcomeReuseDetected
	// OutcomeExpired: unused for longer than the idle timeout; reject.
	OutcomeExpired
	// OutcomeRevoked: the family was already revoked; reject.
	OutcomeRevoked
)

func (o Outcome) String() string {
	switch o {
	case OutcomeRotate:
		return "rotate"
	case OutcomeReuseDetected:
		return "reuse-detected-revoke-family"
	case OutcomeExpired:
		return "expired"
	case OutcomeRevoked:
		return "revoked"
	}
	return "unknown"
}

// RotationOutcome decides what presenting the token hashing to presented at
// now means, given the state stored under that hash. Checks run in this
// order: the hash must match (OutcomeUnknown, compared in constant time); a
// revoked family stays revoked (OutcomeRevoked); a retired token is reuse
// even if old (OutcomeReuseDetected), since it proves the family leaked; an
// idle token has expired (OutcomeExpired, at exactly IdleTimeout); otherwise
// OutcomeRotate.
func RotationOutcome(stored State, presented Hash, now time.Time, p Policy) Outcome {
	switch {
	case subtle.ConstantTimeCompare(stored.Hash[:], presented[:]) != 1 || stored.FamilyID == "":
		return OutcomeUnknown
	case !stored.RevokedAt.IsZero():
		return OutcomeRevoked
	case !stored.RotatedAt.IsZero():
		return OutcomeReuseDetected
	case !now.Before(stored.IssuedAt.Add(p.IdleTimeout)):
		return OutcomeExpired
	}
	return OutcomeRotate
}
