package otp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/auth/phone"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func mustPepper(tb testing.TB, seed byte) Pepper {
	tb.Helper()
	p, err := NewPepper(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func mustPhone(tb testing.TB, s string) phone.Number {
	tb.Helper()
	n, err := phone.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// wrong returns a valid code different from c.
func wrong(c Code) Code {
	var n int
	fmt.Sscanf(string(c), "%d", &n)
	return Code(fmt.Sprintf("%06d", (n+1)%1_000_000))
}

func TestNewCodeRejectsBiasedValues(t *testing.T) {
	// 0xffffffff and 4294000000 are at or above the rejection limit and must be skipped, not folded
	// onto a low code; 7 must then come out with its leading zeros.
	r := bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xf1, 0x3d, 0x80, 0, 0, 0, 7})
	got, err := NewCode(r)
	if err != nil {
		t.Fatal(err)
	}
	if got != "000007" {
		t.Errorf("NewCode = %q, want 000007", got)
	}
	// 4293999999 is the last accepted value.
	got, err = NewCode(bytes.NewReader([]byte{0xff, 0xf1, 0x3d, 0x7f}))
	if err != nil || got != "999999" {
		t.Errorf("NewCode(4293999999) = %q, %v; want 999999", got, err)
	}
}

func TestNewCodeReaderError(t *testing.T) {
	boom := errors.New("boom")
	if _, err := NewCode(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("NewCode error = %v, want %v", err, boom)
	}
}

func TestNewCodeIsUniform(t *testing.T) {
	const n = 100_000
	var counts [CodeLength][10]int
	for range n {
		c, err := NewCode(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseCode(string(c)); err != nil {
			t.Fatalf("NewCode gave %q: %v", c, err)
		}
		for i := range CodeLength {
			counts[i][c[i]-'0']++
		}
	}
	// Chi-squared with 9 degrees of freedom; 27.88 is the p=0.001 critical
	// value, so a fair generator fails this about once in a thousand runs per
	// position.
	for i, row := range counts {
		chi := 0.0
		for _, got := range row {
			d := float64(got) - n/10.0
			chi += d * d / (n / 10.0)
		}
		if chi > 27.88 {
			t.Errorf("digit %d distribution %v: chi² = %.1f, looks biased", i, row, chi)
		}
	}
}

func TestParseCode(t *testing.T) {
	tests := []struct {
		in   string
		want Code
		ok   bool
	}{
		{"123456", "123456", true},
		{"000000", "000000", true},
		{"123 456", "123456", true},
		{"123-456", "123456", true},
		{" 012345 ", "012345", true},
		{"", "", false},
		{"12345", "", false},
		{"1234567", "", false},
		{"12345a", "", false},
		{"١٢٣٤٥٦", "", false}, // Arabic-Indic digits
		{"+12345", "", false},
	}
	for _, tt := range tests {
		got, err := ParseCode(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseCode(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if !tt.ok && !errors.Is(err, ErrMalformedCode) {
			t.Errorf("ParseCode(%q) error = %v, want ErrMalformedCode", tt.in, err)
		}
	}
}

func TestPepper(t *testing.T) {
	if _, err := NewPepper(make([]byte, 31)); !errors.Is(err, ErrShortPepper) {
		t.Errorf("NewPepper(31 bytes) error = %v, want ErrShortPepper", err)
	}
	key := bytes.Repeat([]byte("s3cr3t!!"), 4)
	p, err := NewPepper(key)
	if err != nil {
		t.Fatal(err)
	}
	key[0] = 'X' // the pepper must hold its own copy
	if p.key[0] != 's' {
		t.Error("NewPepper did not copy the key")
	}
	is := Issuer{Pepper: p, Policy: DefaultPolicy()}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(format, is); strings.Contains(out, "s3cr3t") || strings.Contains(out, "115") {
			t.Errorf("Sprintf(%q, issuer) leaks the pepper: %s", format, out)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatalf("DefaultPolicy().Validate() = %v", err)
	}
	bad := []func(*Policy){
		func(p *Policy) { p.TTL = 0 },
		func(p *Policy) { p.MaxAttempts = 0 },
		func(p *Policy) { p.ResendCooldown = -time.Second },
		func(p *Policy) { p.MaxSends = 0 },
	}
	for i, mutate := range bad {
		p := DefaultPolicy()
		mutate(&p)
		if err := p.Validate(); !errors.Is(err, ErrInvalidPolicy) {
			t.Errorf("case %d: Validate() = %v, want ErrInvalidPolicy", i, err)
		}
	}
}

func TestIssue(t *testing.T) {
	to := mustPhone(t, "0912345678")
	is := Issuer{Pepper: mustPepper(t, 1), Policy: DefaultPolicy()}
	c, code, err := is.Issue(to, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCode(string(code)); err != nil {
		t.Errorf("issued code %q: %v", code, err)
	}
	if bytes.Contains(c.CodeHash, []byte(code)) || len(c.CodeHash) != 32 || len(c.Salt) != 16 {
		t.Errorf("challenge stores hash %x salt %x", c.CodeHash, c.Salt)
	}
	want := Challenge{Phone: to, SentAt: t0, ExpiresAt: t0.Add(5 * time.Minute), Sends: 1, Policy: DefaultPolicy()}
	got := c
	got.Salt, got.CodeHash = nil, nil
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(phone.Number{})); diff != "" {
		t.Errorf("Issue mismatch (-want +got):\n%s", diff)
	}

	// The same code for another challenge hashes differently (per-challenge salt).
	c2, _, err := Issuer{Pepper: is.Pepper, Policy: is.Policy, Rand: bytes.NewReader(append([]byte{0, 0, 0, 0}, bytes.Repeat([]byte{9}, 16)...))}.Issue(to, t0)
	if err != nil {
		t.Fatal(err)
	}
	c3, _, err := Issuer{Pepper: is.Pepper, Policy: is.Policy, Rand: bytes.NewReader(append([]byte{0, 0, 0, 0}, bytes.Repeat([]byte{8}, 16)...))}.Issue(to, t0)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(c2.CodeHash, c3.CodeHash) {
		t.Error("same code with different salts gave the same hash")
	}
}

func TestIssueErrors(t *testing.T) {
	to := mustPhone(t, "0912345678")
	tests := []struct {
		name string
		is   Issuer
		to   phone.Number
		want error
	}{
		{"no phone", Issuer{Pepper: mustPepper(t, 1), Policy: DefaultPolicy()}, phone.Number{}, ErrInvalidRecipient},
		{"zero policy", Issuer{Pepper: mustPepper(t, 1)}, to, ErrInvalidPolicy},
		{"zero pepper", Issuer{Policy: DefaultPolicy()}, to, ErrShortPepper},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, code, err := tt.is.Issue(tt.to, t0)
			if !errors.Is(err, tt.want) || code != "" || c.CodeHash != nil {
				t.Errorf("Issue = %v, %q, %v; want %v", c, code, err, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	pepper := mustPepper(t, 1)
	to := mustPhone(t, "0912345678")
	is := Issuer{Pepper: pepper, Policy: DefaultPolicy()}
	fresh, code, err := is.Issue(to, t0)
	if err != nil {
		t.Fatal(err)
	}
	type attempt struct {
		after time.Duration
		code  Code
	}
	tests := []struct {
		name         string
		attempts     []attempt
		wantErrs     []error
		wantAttempts int
		wantVerified bool
	}{
		{"right code", []attempt{{time.Minute, code}}, []error{nil}, 0, true},
		{"right code just before expiry", []attempt{{5*time.Minute - time.Nanosecond, code}}, []error{nil}, 0, true},
		{"right code at expiry", []attempt{{5 * time.Minute, code}}, []error{ErrCodeExpired}, 0, false},
		{"wrong then right", []attempt{{0, wrong(code)}, {time.Second, code}}, []error{ErrCodeMismatch, nil}, 1, true},
		{"code is single use", []attempt{{0, code}, {time.Second, code}}, []error{nil, ErrChallengeUsed}, 0, true},
		{
			"five wrong codes lock the right one out",
			[]attempt{{0, wrong(code)}, {0, wrong(code)}, {0, wrong(code)}, {0, wrong(code)}, {0, wrong(code)}, {0, code}},
			[]error{ErrCodeMismatch, ErrCodeMismatch, ErrCodeMismatch, ErrCodeMismatch, ErrCodeMismatch, ErrTooManyAttempts},
			5, false,
		},
		{"four wrong then right", []attempt{{0, wrong(code)}, {0, wrong(code)}, {0, wrong(code)}, {0, wrong(code)}, {0, code}},
			[]error{ErrCodeMismatch, ErrCodeMismatch, ErrCodeMismatch, ErrCodeMismatch, nil}, 4, true},
		{"expired wrong code does not count", []attempt{{6 * time.Minute, wrong(code)}}, []error{ErrCodeExpired}, 0, false},
		{"malformed code counts as wrong", []attempt{{0, "abc"}}, []error{ErrCodeMismatch}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fresh
			var errs []error
			for _, a := range tt.attempts {
				next, err := c.Verify(t0.Add(a.after), a.code, pepper)
				if err != nil && !errors.Is(err, ErrCodeMismatch) {
					if diff := cmp.Diff(c, next, cmp.AllowUnexported(phone.Number{})); diff != "" {
						t.Errorf("Verify changed state on %v:\n%s", err, diff)
					}
				}
				c = next
				errs = append(errs, err)
			}
			if diff := cmp.Diff(tt.wantErrs, errs, cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) })); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
			if c.Attempts != tt.wantAttempts || c.Verified() != tt.wantVerified {
				t.Errorf("state: attempts %d verified %v; want %d, %v", c.Attempts, c.Verified(), tt.wantAttempts, tt.wantVerified)
			}
			if fresh.Attempts != 0 {
				t.Error("Verify mutated its receiver")
			}
		})
	}
}

func TestVerifyIsBoundToPepperAndPhone(t *testing.T) {
	pepper := mustPepper(t, 1)
	c, code, err := Issuer{Pepper: pepper, Policy: DefaultPolicy()}.Issue(mustPhone(t, "0912345678"), t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Verify(t0, code, mustPepper(t, 2)); !errors.Is(err, ErrCodeMismatch) {
		t.Errorf("other pepper: Verify = %v, want ErrCodeMismatch", err)
	}
	moved := c
	moved.Phone = mustPhone(t, "0987654321") // a row copied onto another user
	if _, err := moved.Verify(t0, code, pepper); !errors.Is(err, ErrCodeMismatch) {
		t.Errorf("other phone: Verify = %v, want ErrCodeMismatch", err)
	}
	if _, err := (Challenge{}).Verify(t0, code, pepper); err == nil {
		t.Error("zero Challenge verified a code")
	}
}

func TestCanResend(t *testing.T) {
	c, _, err := Issuer{Pepper: mustPepper(t, 1), Policy: DefaultPolicy()}.Issue(mustPhone(t, "0912345678"), t0)
	if err != nil {
		t.Fatal(err)
	}
	verified := c
	verified.VerifiedAt = t0
	spent := c
	spent.Sends = 5
	type result struct {
		OK         bool
		RetryAfter time.Duration
	}
	tests := []struct {
		name  string
		c     Challenge
		after time.Duration
		want  result
	}{
		{"right after sending", c, 0, result{false, 60 * time.Second}},
		{"after 45s", c, 45 * time.Second, result{false, 15 * time.Second}},
		{"at cooldown", c, 60 * time.Second, result{true, 0}},
		{"after expiry", c, 10 * time.Minute, result{true, 0}},
		{"verified", verified, time.Hour, result{false, 0}},
		{"out of sends", spent, time.Hour, result{false, 0}},
	}
	for _, tt := range tests {
		ok, wait := tt.c.CanResend(t0.Add(tt.after))
		if diff := cmp.Diff(tt.want, result{ok, wait}); diff != "" {
			t.Errorf("%s: CanResend mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestReissue(t *testing.T) {
	pepper := mustPepper(t, 1)
	is := Issuer{Pepper: pepper, Policy: DefaultPolicy()}
	c, first, err := is.Issue(mustPhone(t, "0912345678"), t0)
	if err != nil {
		t.Fatal(err)
	}
	c, _ = c.Verify(t0, wrong(first), pepper)

	if _, _, err := is.Reissue(c, t0.Add(30*time.Second)); !errors.Is(err, ErrResendTooSoon) {
		t.Fatalf("Reissue after 30s = %v, want ErrResendTooSoon", err)
	}
	now := t0.Add(61 * time.Second)
	c2, second, err := is.Reissue(c, now)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Sends != 2 || c2.Attempts != 0 || !c2.SentAt.Equal(now) || !c2.ExpiresAt.Equal(now.Add(5*time.Minute)) {
		t.Errorf("after Reissue: sends %d attempts %d sent %v expires %v", c2.Sends, c2.Attempts, c2.SentAt, c2.ExpiresAt)
	}
	if first != second {
		if _, err := c2.Verify(now, first, pepper); !errors.Is(err, ErrCodeMismatch) {
			t.Errorf("old code after Reissue: %v, want ErrCodeMismatch", err)
		}
	}
	if _, err := c2.Verify(now, second, pepper); err != nil {
		t.Errorf("new code after Reissue: %v", err)
	}

	// Sends run out after MaxSends.
	last := second
	for c2.Sends < c2.Policy.MaxSends {
		now = now.Add(time.Minute)
		if c2, last, err = is.Reissue(c2, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := is.Reissue(c2, now.Add(time.Hour)); !errors.Is(err, ErrTooManySends) {
		t.Errorf("Reissue past MaxSends = %v, want ErrTooManySends", err)
	}

	verified, err := c2.Verify(now, last, pepper)
	if err != nil {
		t.Fatalf("last code: %v", err)
	}
	if _, _, err := is.Reissue(verified, now.Add(time.Hour)); !errors.Is(err, ErrChallengeUsed) {
		t.Errorf("Reissue after verify = %v, want ErrChallengeUsed", err)
	}
}
