// Package otp issues and checks the one-time codes sent by SMS to sign a
// resident in with their phone number.
//
// A Challenge is the stored state of one sign-in attempt. Its methods are pure:
// each takes the current time and returns the next state, which the store
// saves with a compare-and-swap so that concurrent guesses cannot share one
// attempt. Codes are never stored, only an HMAC-SHA256 of the code keyed with
// a server-side Pepper and bound to the challenge's salt and phone number.
package otp

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CodeLength is the number of digits in a code.
const CodeLength = 6

// Code is a one-time code: exactly CodeLength ASCII digits, leading zeros allowed.
type Code string

// ErrMalformedCode is returned (wrapped) by ParseCode.
var ErrMalformedCode = errors.New("code must be 6 digits")

// NewCode returns a uniformly random code read from r, or from crypto/rand if
// r is nil. It returns an error only if r does.
func NewCode(r io.Reader) (Code, error) {
	if r == nil {
		r = rand.Reader
	}
	// Rejection sampling: 4294000000 is the largest multiple of 10^6 that fits
	// in a uint32, so values below it map onto 000000..999999 evenly.
	const limit = 4_294_000_000
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("read random code: %w", err)
		}
		if v := binary.BigEndian.Uint32(b[:]); v < limit {
			return Code(fmt.Sprintf("%06d", v%1_000_000)), nil
		}
	}
}

// ParseCode returns the code a user typed, ignoring spaces and dashes
// ("123 456", "123-456"). For anything but 6 digits it returns "" and an
// error wrapping ErrMalformedCode.
func ParseCode(s string) (Code, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if len(s) != CodeLength {
		return "", fmt.Errorf("%w: got %d characters", ErrMalformedCode, len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", fmt.Errorf("%w: got %q", ErrMalformedCode, s[i])
		}
	}
	return Code(s), nil
}
