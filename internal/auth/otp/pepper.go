package otp

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/quangninh/feedback/internal/auth/phone"
)

// MinPepperLen is the shortest pepper NewPepper accepts, in bytes.
const MinPepperLen = 32

// ErrShortPepper is returned (wrapped) by NewPepper.
var ErrShortPepper = errors.New("otp pepper is too short")

// Pepper is the server-side secret that keys code hashes, so that a leaked
// challenge table cannot be brute-forced over the million possible codes.
// It prints as "[redacted]".
type Pepper struct {
	key []byte
}

// NewPepper returns a Pepper holding a copy of key. If key is shorter than
// MinPepperLen bytes it returns the zero Pepper and an error wrapping ErrShortPepper.
func NewPepper(key []byte) (Pepper, error) {
	if len(key) < MinPepperLen {
		return Pepper{}, fmt.Errorf("%w: %d bytes, need at least %d", ErrShortPepper, len(key), MinPepperLen)
	}
	return Pepper{key: append([]byte(nil), key...)}, nil
}

// String hides the key from logs.
func (Pepper) String() string { return "[redacted]" }

// GoString hides the key from %#v.
func (Pepper) GoString() string { return "otp.Pepper{[redacted]}" }

// hash returns HMAC-SHA256(pepper, domain || phone || salt || code). The
// domain label and the fixed-length fields keep the encoding unambiguous.
func (p Pepper) hash(code Code, to phone.Number, salt []byte) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte("quangninh-feedback otp v1\x00"))
	m.Write([]byte(to.String())) // always 12 bytes
	m.Write([]byte{0, byte(len(salt))})
	m.Write(salt)
	m.Write([]byte(code))
	return m.Sum(nil)
}
