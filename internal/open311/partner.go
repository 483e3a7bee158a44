package open311

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quangninh/feedback/internal/fault"
)

// Partner is an organisation allowed to file requests with an API key.
type Partner struct {
	ID        string
	Name      string
	Contact   string
	RateLimit int // requests per minute, counted across replicas
	KeyHash   string
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key is valid
}

// PartnerStore keeps partners and counts their calls.
type PartnerStore interface {
	InsertPartner(ctx context.Context, p Partner) error
	// Partner returns a partner; fault.ErrNotFound when there is none.
	Partner(ctx context.Context, id string) (Partner, error)
	// Partners returns every partner, newest first.
	Partners(ctx context.Context) ([]Partner, error)
	// RevokePartner sets RevokedAt unless already set; fault.ErrNotFound when there is no such partner.
	RevokePartner(ctx context.Context, id string, at time.Time) error
	// CountCall adds one to the counter named key (kept until expires) and returns its new value.
	CountCall(ctx context.Context, key string, expires time.Time) (int64, error)
}

// Partners issues, lists, revokes and checks partners' keys.
type Partners struct {
	Store PartnerStore
	Now   func() time.Time
}

func (ps *Partners) now() time.Time {
	if ps.Now != nil {
		return ps.Now()
	}
	return time.Now()
}

// A key is "<partner ID>.<secret>": the ID finds the partner by _id, the secret is compared with the
// stored SHA-256 (the secret is 256 random bits, so a fast hash is enough).
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte("qn-open311-key\x00" + secret))
	return hex.EncodeToString(h[:])
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Issue creates a partner and returns it with its key, which is not kept. *fault.Invalid names bad fields
// (body.name, body.contact, body.rate_limit_per_minute).
func (ps *Partners) Issue(ctx context.Context, name, contact string, rateLimit int) (Partner, string, error) {
	inv := &fault.Invalid{}
	name, contact = strings.TrimSpace(name), strings.TrimSpace(contact)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		inv.Add("body.name", "must be 1 to 200 characters")
	}
	if contact == "" || utf8.RuneCountInString(contact) > 300 {
		inv.Add("body.contact", "must be 1 to 300 characters")
	}
	if rateLimit < 1 || rateLimit > 6000 {
		inv.Add("body.rate_limit_per_minute", "must be 1 to 6000")
	}
	if err := inv.Err(); err != nil {
		return Partner{}, "", err
	}
	secret := randomToken(32)
	p := Partner{ID: randomToken(9), Name: name, Contact: contact, RateLimit: rateLimit, KeyHash: hashSecret(secret),
		CreatedAt: ps.now().UTC()}
	if err := ps.Store.InsertPartner(ctx, p); err != nil {
		return Partner{}, "", fmt.Errorf("insert partner %s: %w", p.ID, err)
	}
	return p, p.ID + "." + secret, nil
}

// List returns every partner, newest first.
func (ps *Partners) List(ctx context.Context) ([]Partner, error) { return ps.Store.Partners(ctx) }

// Revoke ends a partner's key at once; fault.ErrNotFound for an unknown partner.
func (ps *Partners) Revoke(ctx context.Context, id string) error {
	return ps.Store.RevokePartner(ctx, id, ps.now().UTC())
}

// ErrBadKey is the refusal of a missing, unknown or revoked key.
var ErrBadKey = fault.New(fault.ErrForbidden, "Invalid api_key: ask the province for one, or check it was not revoked.")

// Authenticate returns the partner holding key and counts the call against its rate limit. It fails with
// ErrBadKey (forbidden), a fault.ErrRateLimited error carrying RetryAfter, or fault.ErrUnavailable.
func (ps *Partners) Authenticate(ctx context.Context, key string) (Partner, error) {
	id, secret, ok := strings.Cut(key, ".")
	if !ok || id == "" || secret == "" || len(key) > 100 {
		return Partner{}, ErrBadKey
	}
	p, err := ps.Store.Partner(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		return Partner{}, ErrBadKey
	}
	if err != nil {
		return Partner{}, fmt.Errorf("load partner %s: %w", id, err)
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(p.KeyHash)) != 1 || !p.RevokedAt.IsZero() {
		return Partner{}, ErrBadKey
	}
	now := ps.now()
	window := now.Truncate(time.Minute)
	n, err := ps.Store.CountCall(ctx, fmt.Sprintf("open311:%s:%d", p.ID, window.Unix()), window.Add(2*time.Minute))
	if err != nil {
		return Partner{}, fmt.Errorf("count call of partner %s: %w", p.ID, err)
	}
	if n > int64(p.RateLimit) {
		return Partner{}, &RateLimited{After: window.Add(time.Minute).Sub(now)}
	}
	return p, nil
}

// RateLimited refuses a call beyond the partner's rate limit: a fault.ErrRateLimited with RetryAfter.
type RateLimited struct{ After time.Duration }

var errOverLimit = fault.New(fault.ErrRateLimited, "Over this api_key's rate limit; try again after Retry-After seconds.")

func (e *RateLimited) Error() string { return errOverLimit.Error() }

// Unwrap makes it a fault.ErrRateLimited with the message for the caller.
func (e *RateLimited) Unwrap() error { return errOverLimit }

// RetryAfter is how long to wait.
func (e *RateLimited) RetryAfter() time.Duration { return e.After }
