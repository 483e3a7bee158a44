// Package token issues and verifies the short-lived access tokens that carry
// a signed-in user's identity: JWTs signed with Ed25519 (alg EdDSA), each
// naming its key in the kid header so keys can rotate (see KeySet).
//
// Verification trusts nothing in the token before checking it: the algorithm
// is pinned to EdDSA, the key comes from the KeySet by kid, and exp, iat,
// iss, aud, sub, jti and role are all required.
package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/quangninh/feedback/internal/auth"
)

// DefaultTTL is the lifetime of an access token when Config.TTL is zero.
const DefaultTTL = 15 * time.Minute

// Type is the typ header of access tokens (RFC 9068), so that another kind
// of JWT signed with the same key cannot pass as an access token.
const Type = "at+jwt"

// Errors returned by Authority.Verify. Every failure wraps ErrInvalid; some
// also wrap a more specific sentinel.
var (
	ErrInvalid    = errors.New("invalid access token")
	ErrExpired    = errors.New("access token has expired")
	ErrUnknownKey = errors.New("access token signed with an unknown key")
	ErrConfig     = errors.New("invalid token configuration")
)

// Config says who issues tokens, for whom, and for how long.
type Config struct {
	Issuer   string        // iss, e.g. "https://api.feedback.quangninh.gov.vn"
	Audience string        // aud, e.g. "feedback-api"
	TTL      time.Duration // 0 means DefaultTTL
	Leeway   time.Duration // clock skew tolerated on exp and iat
}

// Authority signs access tokens with a KeySet's signing key and verifies
// them against all of its keys. It is safe for concurrent use.
type Authority struct {
	keys *KeySet
	cfg  Config

	// verified remembers tokens that passed Verify, by the SHA-256 of their bytes, until they expire: a
	// phone sends the same token with every request for its lifetime, and hashing it is much cheaper
	// than checking its Ed25519 signature again.
	mu       sync.Mutex
	verified map[[sha256.Size]byte]verifiedToken
}

// verifiedToken is what Verify found in a token it accepted.
type verifiedToken struct {
	principal         auth.Principal
	issuedAt, expires time.Time
}

// maxVerified bounds the tokens remembered (about 100 bytes each); when full, they are all forgotten.
const maxVerified = 1 << 16

// NewAuthority returns an Authority for keys and cfg, or an error wrapping
// ErrConfig if keys is nil, Issuer or Audience is empty, or a duration is negative.
func NewAuthority(keys *KeySet, cfg Config) (*Authority, error) {
	switch {
	case keys == nil:
		return nil, fmt.Errorf("%w: no keys", ErrConfig)
	case cfg.Issuer == "" || cfg.Audience == "":
		return nil, fmt.Errorf("%w: issuer and audience are required", ErrConfig)
	case cfg.TTL < 0 || cfg.Leeway < 0:
		return nil, fmt.Errorf("%w: negative duration", ErrConfig)
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	return &Authority{keys: keys, cfg: cfg}, nil
}

// Issued is a freshly signed access token.
type Issued struct {
	Token     string
	ID        string // jti
	IssuedAt  time.Time
	ExpiresAt time.Time
}

type claims struct {
	Role   string `json:"role"`
	Agency string `json:"agency,omitempty"`
	Epoch  int64  `json:"ep,omitempty"` // auth.Principal.Epoch
	jwt.RegisteredClaims
}

// Sign returns an access token for p issued at now (truncated to the
// second, as JWT times are). It fails with an error wrapping
// auth.ErrInvalidPrincipal if p is inconsistent, or ErrNoSigningKey if the
// key set only verifies.
func (a *Authority) Sign(p auth.Principal, now time.Time) (Issued, error) {
	if err := p.Validate(); err != nil {
		return Issued{}, err
	}
	if a.keys.signing == nil {
		return Issued{}, ErrNoSigningKey
	}
	var id [16]byte
	rand.Read(id[:]) // never fails since Go 1.24
	iat := now.Truncate(time.Second)
	c := claims{
		Role:   string(p.Role),
		Agency: p.AgencyID,
		Epoch:  p.Epoch,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    a.cfg.Issuer,
			Subject:   p.UserID,
			Audience:  jwt.ClaimStrings{a.cfg.Audience},
			ExpiresAt: jwt.NewNumericDate(iat.Add(a.cfg.TTL)),
			IssuedAt:  jwt.NewNumericDate(iat),
			ID:        base64.RawURLEncoding.EncodeToString(id[:]),
		},
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = a.keys.signingID
	t.Header["typ"] = Type
	s, err := t.SignedString(a.keys.signing)
	if err != nil {
		return Issued{}, fmt.Errorf("sign access token: %w", err)
	}
	return Issued{Token: s, ID: c.ID, IssuedAt: iat, ExpiresAt: c.ExpiresAt.Time}, nil
}

// Verify checks raw at time now and returns who it was issued to. On any
// failure it returns the zero Principal and an error wrapping ErrInvalid;
// the error also wraps ErrExpired for an expired token (the client should
// refresh) and ErrUnknownKey for a kid not in the key set. Error text is for
// logs, not for clients.
func (a *Authority) Verify(raw string, now time.Time) (auth.Principal, error) {
	sum := sha256.Sum256([]byte(raw))
	a.mu.Lock()
	v, ok := a.verified[sum]
	a.mu.Unlock()
	// The same bytes under the same (fixed) key set pass again while their time checks do.
	if ok && !now.Before(v.issuedAt.Add(-a.cfg.Leeway)) && now.Before(v.expires.Add(a.cfg.Leeway)) {
		return v.principal, nil
	}
	p, v, err := a.verify(raw, now)
	if err != nil {
		return auth.Principal{}, err
	}
	a.mu.Lock()
	if a.verified == nil || len(a.verified) >= maxVerified {
		a.verified = map[[sha256.Size]byte]verifiedToken{}
	}
	a.verified[sum] = v
	a.mu.Unlock()
	return p, nil
}

// verify checks raw's signature and claims at time now (Verify).
func (a *Authority) verify(raw string, now time.Time) (auth.Principal, verifiedToken, error) {
	var c claims
	t, err := jwt.ParseWithClaims(raw, &c, a.key,
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(a.cfg.Issuer),
		jwt.WithAudience(a.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(a.cfg.Leeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithStrictDecoding(),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return auth.Principal{}, verifiedToken{}, fmt.Errorf("%w: %w: %w", ErrInvalid, ErrExpired, err)
	case err != nil:
		return auth.Principal{}, verifiedToken{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	case t.Header["typ"] != Type:
		return auth.Principal{}, verifiedToken{}, fmt.Errorf("%w: typ %v, want %s", ErrInvalid, t.Header["typ"], Type)
	case c.IssuedAt == nil:
		return auth.Principal{}, verifiedToken{}, fmt.Errorf("%w: no iat", ErrInvalid)
	case c.ID == "":
		return auth.Principal{}, verifiedToken{}, fmt.Errorf("%w: no jti", ErrInvalid)
	}
	role, err := auth.ParseRole(c.Role)
	if err != nil {
		return auth.Principal{}, verifiedToken{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	p := auth.Principal{UserID: c.Subject, Role: role, AgencyID: c.Agency, Epoch: c.Epoch}
	if err := p.Validate(); err != nil {
		return auth.Principal{}, verifiedToken{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return p, verifiedToken{principal: p, issuedAt: c.IssuedAt.Time, expires: c.ExpiresAt.Time}, nil
}

// key is the jwt.Keyfunc: the kid header picks the key, and only a key of
// ours. The algorithm was already pinned by WithValidMethods.
func (a *Authority) key(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	pub, ok := a.keys.PublicKey(kid)
	if !ok {
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
	}
	return ed25519.PublicKey(pub), nil
}
