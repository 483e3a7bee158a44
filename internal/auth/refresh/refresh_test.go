package refresh

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func TestNewFamily(t *testing.T) {
	iss, st := NewFamily("user-1", t0)
	if len(iss.Token) != 43 || strings.ContainsAny(iss.Token, "+/=") {
		t.Errorf("token %q is not 43 base64url characters", iss.Token)
	}
	h, err := HashToken(iss.Token)
	if err != nil || h != iss.Hash {
		t.Errorf("HashToken(token) = %x, %v; want the issued hash", h, err)
	}
	want := State{Hash: iss.Hash, FamilyID: iss.FamilyID, UserID: "user-1", IssuedAt: t0}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("state mismatch (-want +got):\n%s", diff)
	}
	other, _ := NewFamily("user-1", t0)
	if other.Token == iss.Token || other.FamilyID == iss.FamilyID || len(iss.FamilyID) != 22 {
		t.Errorf("families not random: %q/%q and %q/%q", iss.Token, iss.FamilyID, other.Token, other.FamilyID)
	}
}

func TestRotate(t *testing.T) {
	_, st := NewFamily("user-1", t0)
	now := t0.Add(time.Hour)
	next, nextState, retired := Rotate(st, now)

	wantRetired := st
	wantRetired.RotatedAt = now
	if diff := cmp.Diff(wantRetired, retired); diff != "" {
		t.Errorf("retired mismatch (-want +got):\n%s", diff)
	}
	wantNext := State{Hash: next.Hash, FamilyID: st.FamilyID, UserID: "user-1", IssuedAt: now}
	if diff := cmp.Diff(wantNext, nextState); diff != "" {
		t.Errorf("successor mismatch (-want +got):\n%s", diff)
	}
	if next.FamilyID != st.FamilyID || next.Hash == st.Hash {
		t.Errorf("successor %+v should share the family but not the hash", next)
	}
	if !st.RotatedAt.IsZero() {
		t.Error("Rotate mutated its argument")
	}
}

func TestHashTokenRejects(t *testing.T) {
	iss, _ := NewFamily("u", t0)
	for _, s := range []string{
		"",
		iss.Token[:42],
		iss.Token + "A",
		iss.Token[:42] + "+",          // std alphabet
		iss.Token[:42] + "=",          // padding
		iss.Token[:41] + "\n ",        // whitespace
		strings.Repeat("A", 42) + "B", // non-zero trailing bits
	} {
		if _, err := HashToken(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("HashToken(%q) = %v, want ErrMalformed", s, err)
		}
	}
}

func TestRotationOutcome(t *testing.T) {
	iss, current := NewFamily("user-1", t0)
	_, _, retired := Rotate(current, t0.Add(time.Minute))
	revoked := current
	revoked.RevokedAt = t0.Add(time.Minute)
	revokedRetired := retired
	revokedRetired.RevokedAt = t0.Add(2 * time.Minute)
	other, _ := NewFamily("user-1", t0)
	p := DefaultPolicy()
	day := 24 * time.Hour

	tests := []struct {
		name      string
		stored    State
		presented Hash
		after     time.Duration
		want      Outcome
	}{
		{"fresh", current, iss.Hash, time.Minute, OutcomeRotate},
		{"29 days idle", current, iss.Hash, 29 * day, OutcomeRotate},
		{"just under 30 days", current, iss.Hash, 30*day - time.Second, OutcomeRotate},
		{"30 days idle", current, iss.Hash, 30 * day, OutcomeExpired},
		{"retired token again", retired, iss.Hash, 2 * time.Minute, OutcomeReuseDetected},
		{"retired token long after", retired, iss.Hash, 90 * day, OutcomeReuseDetected},
		{"family revoked", revoked, iss.Hash, 2 * time.Minute, OutcomeRevoked},
		{"revoked beats reuse", revokedRetired, iss.Hash, 3 * time.Minute, OutcomeRevoked},
		{"hash mismatch", current, other.Hash, time.Minute, OutcomeUnknown},
		{"zero state", State{}, Hash{}, 0, OutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RotationOutcome(tt.stored, tt.presented, t0.Add(tt.after), p)
			if got != tt.want {
				t.Errorf("RotationOutcome = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOutcomeString(t *testing.T) {
	got := []string{OutcomeUnknown.String(), OutcomeRotate.String(), OutcomeReuseDetected.String(), OutcomeExpired.String(), OutcomeRevoked.String()}
	want := []string{"unknown", "rotate", "reuse-detected-revoke-family", "expired", "revoked"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String mismatch (-want +got):\n%s", diff)
	}
}
