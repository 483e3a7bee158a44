package password

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/quangninh/feedback/internal/auth/phone"
)

// Length limits, in characters (Unicode code points). The upper bound only
// keeps hashing cost bounded; it is far above any passphrase people type.
const (
	MinLength = 10
	MaxLength = 256
)

// Errors returned (wrapped, with detail) by CheckPolicy.
var (
	ErrTooShort         = errors.New("password is too short")
	ErrTooLong          = errors.New("password is too long")
	ErrNotUTF8          = errors.New("password is not valid UTF-8")
	ErrContainsUsername = errors.New("password contains the username")
	ErrCommon           = errors.New("password is too common")
)

// CheckPolicy returns nil if pw may be set as username's password, or an
// error wrapping ErrTooShort, ErrTooLong, ErrNotUTF8, ErrContainsUsername or
// ErrCommon that a user can act on. Comparisons ignore case. If username is a
// phone number, its other usual spellings (0912345678, 912345678) count too.
func CheckPolicy(pw, username string) error {
	if !utf8.ValidString(pw) {
		return ErrNotUTF8
	}
	n := utf8.RuneCountInString(pw)
	if n < MinLength {
		return fmt.Errorf("%w: %d characters, need at least %d", ErrTooShort, n, MinLength)
	}
	if n > MaxLength {
		return fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, MaxLength)
	}
	lower := strings.ToLower(pw)
	for _, u := range usernameForms(username) {
		if strings.Contains(lower, u) {
			return fmt.Errorf("%w: choose a password that does not include your username", ErrContainsUsername)
		}
	}
	if _, ok := common[lower]; ok || repeatsOneChar(lower) {
		return fmt.Errorf("%w: it is on the list of passwords attackers try first", ErrCommon)
	}
	return nil
}

// usernameForms returns the lower-cased spellings of username worth looking
// for. Names shorter than 3 characters are skipped: every password would
// "contain" a one-letter name.
func usernameForms(username string) []string {
	u := strings.ToLower(strings.TrimSpace(username))
	if utf8.RuneCountInString(u) < 3 {
		return nil
	}
	forms := []string{u}
	if local, _, ok := strings.Cut(u, "@"); ok && utf8.RuneCountInString(local) >= 3 {
		forms = append(forms, local)
	}
	if n, err := phone.Parse(u); err == nil {
		e := n.String()
		forms = append(forms, e, e[1:], n.National(), e[3:])
	}
	return forms
}

func repeatsOneChar(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.Count(s, string(r)) == utf8.RuneCountInString(s)
}

// common holds passwords of at least MinLength characters from public breach
// top lists, plus local ones; shorter ones already fail the length rule.
var common = func() map[string]struct{} {
	m := make(map[string]struct{})
	for _, pw := range strings.Fields(`
		1234567890 0123456789 12345678910 123456789a 123456789q 1234567890a
		0987654321 9876543210 1122334455 1111122222 1234512345 0000011111
		123123123123 147258369147 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx3edc
		qwertyuiop qwertyuiop123 asdfghjkl1 zxcvbnm123 qwerty1234 qwerty12345
		password12 password123 password1234 passw0rd123 p@ssw0rd123 p@ssword123
		iloveyou12 iloveyou123 abcdefghij abc1234567 abcd123456 abcde12345
		aa12345678 a123456789 123456789abc 1234567890qwerty
		superman123 football123 baseball123 princess123 sunshine123 welcome123
		welcome@123 admin12345 admin123456 administrator changeme123 letmein123
		matkhau123 matkhau1234 matkhaumoi matkhau@123 anhyeuem123 emyeuanh123
		anhyeuem1234 yeuemnhieu iloveyouvn vietnam123 vietnam1234 vietnam@123
		quangninh quangninh1 quangninh123 halong123 halongbay123 hanoi12345
		saigon1234 123456789vn 0912345678 0987654321vn
	`) {
		m[pw] = struct{}{}
	}
	return m
}()
