// Package password hashes staff passwords with argon2id, stores them as PHC
// strings, and holds the rules a new password must meet.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Errors returned by Verify and NeedsRehash.
var (
	ErrMismatch      = errors.New("password does not match")
	ErrMalformedHash = errors.New("malformed password hash")
	ErrInvalidParams = errors.New("invalid argon2id parameters")
)

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams returns OWASP's second recommended argon2id configuration
// (m=19456 KiB, t=2, p=1): about 19 MiB and a few tens of milliseconds per
// hash, which a 2-core box can afford at login rates.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters read back from a stored hash, so that a corrupted or
// planted hash cannot make Verify allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxTime    = 64
	maxKeyLen  = 128
	minKeyLen  = 16
	minSaltLen = 8
	maxSaltLen = 64
)

// Validate returns nil, or an error wrapping ErrInvalidParams.
func (p Params) Validate() error {
	switch {
	case p.Threads == 0:
		return fmt.Errorf("%w: p=0", ErrInvalidParams)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("%w: m=%d", ErrInvalidParams, p.Memory)
	case p.Time == 0 || p.Time > maxTime:
		return fmt.Errorf("%w: t=%d", ErrInvalidParams, p.Time)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("%w: salt of %d bytes", ErrInvalidParams, p.SaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("%w: key of %d bytes", ErrInvalidParams, p.KeyLen)
	}
	return nil
}

// Hash returns password hashed with argon2id under p, as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, base64 without padding.
// It fails only if p is invalid (ErrInvalidParams).
func Hash(password string, p Params) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails since Go 1.24
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encode(p, salt, key), nil
}

// Verify reports whether password matches the PHC string encoded. It returns
// nil on a match, ErrMismatch if the password is wrong, or an error wrapping
// ErrMalformedHash or ErrInvalidParams if encoded cannot be used. The final
// comparison takes constant time.
func Verify(encoded, password string) error {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return ErrMismatch
	}
	return nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// want, so the caller should re-hash the password (just verified) and store
// the result. It returns true and the decoding error if encoded is unusable.
func NeedsRehash(encoded string, want Params) (bool, error) {
	p, salt, _, err := decode(encoded)
	if err != nil {
		return true, err
	}
	p.SaltLen = uint32(len(salt))
	return p != want, nil
}

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: want 5 $-separated fields", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q, want argon2id", ErrMalformedHash, parts[1])
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || parts[2] != fmt.Sprintf("v=%d", version) {
		return p, nil, nil, fmt.Errorf("%w: version field %q", ErrMalformedHash, parts[2])
	}
	if version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %d, want %d", ErrMalformedHash, version, argon2.Version)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads) {
		return p, nil, nil, fmt.Errorf("%w: parameter field %q", ErrMalformedHash, parts[3])
	}
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %v", ErrMalformedHash, err)
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash: %v", ErrMalformedHash, err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.Validate(); err != nil {
		return p, nil, nil, err
	}
	return p, salt, key, nil
}
