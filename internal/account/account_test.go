package account

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth/password"
	"github.com/quangninh/feedback/internal/auth/refresh"
	"github.com/quangninh/feedback/internal/fault"
)

// The service itself is tested against the real database in internal/mongostore (account_test.go); these
// are the pure parts.

func TestSMSTextIsOneGSM7Message(t *testing.T) {
	text := smsText("012345", 5*time.Minute)
	if want := "Ma xac thuc Smart Quang Ninh cua ban la 012345. Ma co hieu luc 5 phut."; text != want {
		t.Errorf("smsText = %q, want %q", text, want)
	}
	if len(text) > 160 {
		t.Errorf("%d characters, more than one SMS", len(text))
	}
	for _, r := range text {
		if r > 0x7e || r < 0x20 {
			t.Errorf("character %q leaves plain ASCII (and GSM-7)", r)
		}
	}
}

func TestWireToken(t *testing.T) {
	issued, st := refresh.NewFamily("user-0001", time.Now())
	raw := wireToken(issued)
	family, h, ok := parseWireToken(raw)
	if !ok || family != st.FamilyID || h != st.Hash {
		t.Errorf("parseWireToken(%q) = %q, %x, %v; want %q, %x", raw, family, h, ok, st.FamilyID, st.Hash)
	}
	for _, bad := range []string{"", ".", issued.Token, st.FamilyID + ".", "." + issued.Token,
		st.FamilyID + "." + issued.Token + "x", strings.Repeat("f", 65) + "." + issued.Token} {
		if _, _, ok := parseWireToken(bad); ok {
			t.Errorf("parseWireToken(%q) accepted it", bad)
		}
	}
}

func TestRetryAfterError(t *testing.T) {
	err := error(rateLimited("slow down", 1500*time.Millisecond))
	if !errors.Is(err, fault.ErrRateLimited) || fault.Message(err) != "slow down" {
		t.Errorf("rateLimited = %v", err)
	}
	var ra interface{ RetryAfter() time.Duration }
	if !errors.As(err, &ra) || ra.RetryAfter() != 1500*time.Millisecond {
		t.Errorf("RetryAfter of %v", err)
	}
	if got := rateLimited("x", 0).(*RetryAfterError).After; got != time.Second {
		t.Errorf("a zero wait is sent as %v, want 1s", got)
	}
}

func TestCheckDisplayName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"Nguyễn Thị Hương", true},
		{strings.Repeat("ễ", 80), true},
		{strings.Repeat("ễ", 81), false},
		{"", false},
		{"tab\there", false},
		{"bad \xff utf8", false},
	} {
		inv := &fault.Invalid{}
		checkDisplayName(inv, "body.display_name", tc.name)
		if (inv.Err() == nil) != tc.ok {
			t.Errorf("checkDisplayName(%q) = %v, want ok=%v", tc.name, inv.Err(), tc.ok)
		}
	}
}

func TestUsernames(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"demo.admin", true}, {"  Nguyen.Van.A ", true}, {"a_b-c", true},
		{"ab", false}, {".abc", false}, {"tên", false}, {strings.Repeat("a", 65), false},
	} {
		if got := usernamePattern.MatchString(normalizeUsername(tc.in)); got != tc.want {
			t.Errorf("username %q valid = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestDemoAccountsPassThePolicy(t *testing.T) {
	for _, d := range demoAccounts {
		if !usernamePattern.MatchString(d.Username) {
			t.Errorf("demo username %q is invalid", d.Username)
		}
		if err := password.CheckPolicy(d.Password, d.Username); err != nil {
			t.Errorf("demo %s: %v", d.Username, err)
		}
	}
}
