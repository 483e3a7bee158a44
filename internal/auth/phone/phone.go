// Package phone parses Vietnamese mobile phone numbers, the identity residents
// sign in with, into one canonical E.164 form.
package phone

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned (wrapped, with detail) by Parse.
var (
	ErrEmpty         = errors.New("phone number is empty")
	ErrInvalidChar   = errors.New("phone number contains an invalid character")
	ErrNotVietnamese = errors.New("phone number is not a Vietnamese number")
	ErrLength        = errors.New("phone number has the wrong number of digits")
	ErrLandline      = errors.New("phone number is a landline, which cannot receive SMS")
	ErrNotMobile     = errors.New("phone number does not start with a Vietnamese mobile prefix")
	ErrMissingTrunk0 = errors.New("phone number must start with 0, 84 or +84")
)

// Number is a Vietnamese mobile number. The zero value is not a valid number;
// every other Number came out of Parse and is in E.164 form.
type Number struct {
	e164 string // "+84" followed by 9 digits
}

// Parse normalises s to a Number. It accepts the usual ways people write a
// Vietnamese mobile number: "0912 345 678", "0912.345.678", "0912-345-678",
// "+84912345678", "84912345678", "0084912345678", "+84 (0)912 345 678" and
// the 9 digits without the leading 0.
//
// The number must be a mobile number: 9 digits after the trunk 0, the first of
// which is 3, 5, 7, 8 or 9 (03x, 05x, 07x, 08x, 09x). Finer allocation checks
// are left to the SMS gateway: rejecting a newly allocated prefix would lock
// people out, while accepting an unallocated one only costs an undelivered SMS.
//
// On failure it returns the zero Number and an error wrapping one of ErrEmpty,
// ErrInvalidChar, ErrNotVietnamese, ErrMissingTrunk0, ErrLength, ErrLandline
// or ErrNotMobile, saying why.
func Parse(s string) (Number, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Number{}, ErrEmpty
	}
	plus := false
	digits := make([]byte, 0, len(s))
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '+' && i == 0:
			plus = true
		case r == '+' && len(digits) == 0 && strings.TrimLeft(s[:i], "( ") == "":
			plus = true // "(+84) 912 ..."
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '\u00a0' || r == '\t':
		default:
			return Number{}, fmt.Errorf("%w: %q in %q", ErrInvalidChar, r, s)
		}
	}
	d := string(digits)
	if d == "" {
		return Number{}, fmt.Errorf("%w: %q has no digits", ErrEmpty, s)
	}

	var national string
	switch {
	case plus:
		if !strings.HasPrefix(d, "84") {
			return Number{}, fmt.Errorf("%w: %q has a foreign country code", ErrNotVietnamese, s)
		}
		national = strings.TrimPrefix(d[2:], "0") // "+84 (0)912..."
	case strings.HasPrefix(d, "00"):
		if !strings.HasPrefix(d, "0084") {
			return Number{}, fmt.Errorf("%w: %q has a foreign country code", ErrNotVietnamese, s)
		}
		national = strings.TrimPrefix(d[4:], "0")
	case strings.HasPrefix(d, "0"):
		national = d[1:]
	case strings.HasPrefix(d, "84") && (len(d) == 11 || len(d) == 12 && d[2] == '0'):
		national = strings.TrimPrefix(d[2:], "0")
	case len(d) == 9:
		national = d // the 0 was left off
	default:
		return Number{}, fmt.Errorf("%w: %q", ErrMissingTrunk0, s)
	}

	if strings.HasPrefix(national, "2") {
		return Number{}, fmt.Errorf("%w: %q", ErrLandline, s)
	}
	if len(national) != 9 {
		return Number{}, fmt.Errorf("%w: %q has %d digits after the leading 0, want 9", ErrLength, s, len(national))
	}
	switch national[0] {
	case '3', '5', '7', '8', '9':
	default:
		return Number{}, fmt.Errorf("%w: %q starts with 0%c; mobile numbers start with 03, 05, 07, 08 or 09", ErrNotMobile, s, national[0])
	}
	return Number{e164: "+84" + national}, nil
}

// String returns the number in E.164 form, "+84912345678", or "" for the zero Number.
func (n Number) String() string { return n.e164 }

// IsZero reports whether n is the zero Number.
func (n Number) IsZero() bool { return n.e164 == "" }

// National returns the number as written in Vietnam, "0912345678", or "" for the zero Number.
func (n Number) National() string {
	if n.IsZero() {
		return ""
	}
	return "0" + n.e164[3:]
}

// Redacted returns the number with its middle digits hidden, "+84912***678",
// for logs and for telling a user where a code was sent.
func (n Number) Redacted() string {
	if n.IsZero() {
		return ""
	}
	return n.e164[:6] + "***" + n.e164[9:]
}
