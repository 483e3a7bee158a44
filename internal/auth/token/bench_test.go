package token

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
)

func BenchmarkSignAccessToken(b *testing.B) {
	a := mustAuthority(b, newKey(b))
	p := auth.Principal{UserID: "665f1c2e9b1d4a0012345678", Role: auth.RoleOfficer, AgencyID: "agency-7"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Sign(p, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAccessToken(b *testing.B) {
	a := mustAuthority(b, newKey(b), newKey(b).Public().(ed25519.PublicKey)) // two keys, as during rotation
	p := auth.Principal{UserID: "665f1c2e9b1d4a0012345678", Role: auth.RoleOfficer, AgencyID: "agency-7"}
	tok := mustSign(b, a, p, t0).Token
	now := t0.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Verify(tok, now); err != nil {
			b.Fatal(err)
		}
	}
}
