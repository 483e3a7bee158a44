package token

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/auth"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

var testConfig = Config{Issuer: "https://api.test", Audience: "feedback-api", Leeway: 30 * time.Second}

func newKey(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return priv
}

func mustAuthority(tb testing.TB, signing ed25519.PrivateKey, verify ...ed25519.PublicKey) *Authority {
	tb.Helper()
	ks, err := NewKeySet(signing, verify...)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := NewAuthority(ks, testConfig)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func mustSign(tb testing.TB, a *Authority, p auth.Principal, now time.Time) Issued {
	tb.Helper()
	iss, err := a.Sign(p, now)
	if err != nil {
		tb.Fatal(err)
	}
	return iss
}

// forge signs arbitrary header fields and claims with method and key, the
// way an attacker (or a buggy issuer) would.
func forge(tb testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	tb.Helper()
	t := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(t.Header, k)
		} else {
			t.Header[k] = v
		}
	}
	s, err := t.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// validClaims are the claims Sign would produce for a resident at t0.
func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testConfig.Issuer, "aud": testConfig.Audience, "sub": "user-1", "role": "resident",
		"iat": t0.Unix(), "exp": t0.Add(15 * time.Minute).Unix(), "jti": "abc",
	}
}

func with(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for kk, vv := range c {
		out[kk] = vv
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func decodeSegment(tb testing.TB, seg string) map[string]any {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestSignAndVerify(t *testing.T) {
	a := mustAuthority(t, newKey(t))
	for _, p := range []auth.Principal{
		{UserID: "user-1", Role: auth.RoleResident},
		{UserID: "user-2", Role: auth.RoleOfficer, AgencyID: "agency-7"},
		{UserID: "user-3", Role: auth.RoleAdmin},
	} {
		iss := mustSign(t, a, p, t0)
		got, err := a.Verify(iss.Token, t0.Add(time.Minute))
		if err != nil {
			t.Fatalf("Verify(%+v) = %v", p, err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("principal mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestSignedTokenContents(t *testing.T) {
	priv := newKey(t)
	a := mustAuthority(t, priv)
	now := t0.Add(500 * time.Millisecond)
	iss := mustSign(t, a, auth.Principal{UserID: "user-2", Role: auth.RoleOfficer, AgencyID: "agency-7"}, now)

	parts := strings.Split(iss.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	wantHeader := map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": KeyID(priv.Public().(ed25519.PublicKey))}
	if diff := cmp.Diff(wantHeader, decodeSegment(t, parts[0])); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
	payload := decodeSegment(t, parts[1])
	jti, _ := payload["jti"].(string)
	if len(jti) != 22 || jti != iss.ID {
		t.Errorf("jti = %q, Issued.ID = %q; want the same 22-char random ID", jti, iss.ID)
	}
	delete(payload, "jti")
	wantPayload := map[string]any{
		"iss": "https://api.test", "aud": []any{"feedback-api"}, "sub": "user-2", "role": "officer", "agency": "agency-7",
		"iat": float64(t0.Unix()), "exp": float64(t0.Add(15 * time.Minute).Unix()),
	}
	if diff := cmp.Diff(wantPayload, payload); diff != "" {
		t.Errorf("payload mismatch (-want +got):\n%s", diff)
	}
	wantIssued := Issued{Token: iss.Token, ID: iss.ID, IssuedAt: t0, ExpiresAt: t0.Add(DefaultTTL)}
	if diff := cmp.Diff(wantIssued, iss); diff != "" {
		t.Errorf("Issued mismatch (-want +got):\n%s", diff)
	}

	other := mustSign(t, a, auth.Principal{UserID: "user-2", Role: auth.RoleOfficer, AgencyID: "agency-7"}, now)
	if other.ID == iss.ID {
		t.Error("two tokens share a jti")
	}
	resident := mustSign(t, a, auth.Principal{UserID: "u", Role: auth.RoleResident}, now)
	if _, ok := decodeSegment(t, strings.Split(resident.Token, ".")[1])["agency"]; ok {
		t.Error("resident token carries an agency claim")
	}
}

func TestSignRejects(t *testing.T) {
	a := mustAuthority(t, newKey(t))
	if _, err := a.Sign(auth.Principal{UserID: "u", Role: "root"}, t0); !errors.Is(err, auth.ErrInvalidPrincipal) {
		t.Errorf("Sign(bad role) = %v, want ErrInvalidPrincipal", err)
	}
	verifier := mustAuthority(t, nil, newKey(t).Public().(ed25519.PublicKey))
	if _, err := verifier.Sign(auth.Principal{UserID: "u", Role: auth.RoleResident}, t0); !errors.Is(err, ErrNoSigningKey) {
		t.Errorf("Sign with verification-only keys = %v, want ErrNoSigningKey", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	priv := newKey(t)
	pub := priv.Public().(ed25519.PublicKey)
	kid := KeyID(pub)
	a := mustAuthority(t, priv)
	good := mustSign(t, a, auth.Principal{UserID: "user-1", Role: auth.RoleResident}, t0).Token
	hdr := map[string]any{"kid": kid, "typ": Type}
	stranger := newKey(t)

	tamper := func(tok string, edit func(map[string]any)) string {
		parts := strings.Split(tok, ".")
		payload := decodeSegment(t, parts[1])
		edit(payload)
		b, _ := json.Marshal(payload)
		parts[1] = base64.RawURLEncoding.EncodeToString(b)
		return strings.Join(parts, ".")
	}

	tests := []struct {
		name  string
		token string
		at    time.Time
		want  []error
	}{
		{"expired", good, t0.Add(16 * time.Minute), []error{ErrInvalid, ErrExpired}},
		{"expired beyond leeway", good, t0.Add(15*time.Minute + 31*time.Second), []error{ErrInvalid, ErrExpired}},
		{"unknown kid", forge(t, jwt.SigningMethodEdDSA, priv, map[string]any{"kid": "someone-else", "typ": Type}, validClaims()), t0, []error{ErrInvalid, ErrUnknownKey}},
		{"no kid", forge(t, jwt.SigningMethodEdDSA, priv, map[string]any{"kid": nil, "typ": Type}, validClaims()), t0, []error{ErrInvalid, ErrUnknownKey}},
		{"stranger's key under our kid", forge(t, jwt.SigningMethodEdDSA, stranger, hdr, validClaims()), t0, []error{ErrInvalid, jwt.ErrTokenSignatureInvalid}},
		{"alg none", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, hdr, validClaims()), t0, []error{ErrInvalid, jwt.ErrTokenSignatureInvalid}},
		{"HS256 keyed with the public key", forge(t, jwt.SigningMethodHS256, []byte(pub), hdr, validClaims()), t0, []error{ErrInvalid, jwt.ErrTokenSignatureInvalid}},
		{"HS256 keyed with the public key PEM", forge(t, jwt.SigningMethodHS256, mustPublicPEM(t, pub), hdr, validClaims()), t0, []error{ErrInvalid, jwt.ErrTokenSignatureInvalid}},
		{"tampered role", tamper(good, func(p map[string]any) { p["role"] = "admin" }), t0, []error{ErrInvalid, jwt.ErrTokenSignatureInvalid}},
		{"tampered subject", tamper(good, func(p map[string]any) { p["sub"] = "user-2" }), t0, []error{ErrInvalid}},
		{"signature stripped", strings.Join(strings.Split(good, ".")[:2], ".") + ".", t0, []error{ErrInvalid}},
		{"no exp", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "exp", nil)), t0, []error{ErrInvalid}},
		{"no iat", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "iat", nil)), t0, []error{ErrInvalid}},
		{"iat in the future", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "iat", t0.Add(time.Hour).Unix())), t0, []error{ErrInvalid}},
		{"no iss", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "iss", nil)), t0, []error{ErrInvalid}},
		{"wrong iss", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "iss", "https://evil.test")), t0, []error{ErrInvalid}},
		{"no aud", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "aud", nil)), t0, []error{ErrInvalid}},
		{"wrong aud", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "aud", "other-api")), t0, []error{ErrInvalid}},
		{"no sub", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "sub", nil)), t0, []error{ErrInvalid}},
		{"no jti", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "jti", nil)), t0, []error{ErrInvalid}},
		{"unknown role", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "role", "root")), t0, []error{ErrInvalid, auth.ErrUnknownRole}},
		{"officer without agency", forge(t, jwt.SigningMethodEdDSA, priv, hdr, with(validClaims(), "role", "officer")), t0, []error{ErrInvalid, auth.ErrInvalidPrincipal}},
		{"wrong typ", forge(t, jwt.SigningMethodEdDSA, priv, map[string]any{"kid": kid, "typ": "JWT"}, validClaims()), t0, []error{ErrInvalid}},
		{"garbage", "not.a.token", t0, []error{ErrInvalid}},
		{"empty", "", t0, []error{ErrInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Verify(tt.token, tt.at)
			if err == nil {
				t.Fatalf("Verify accepted the token as %+v", p)
			}
			t.Logf("rejected: %v", err)
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("Verify error %q does not wrap %q", err, want)
				}
			}
			if p != (auth.Principal{}) {
				t.Errorf("Verify returned %+v with an error", p)
			}
		})
	}

	// The forging helpers themselves produce acceptable tokens when nothing is wrong.
	if _, err := a.Verify(forge(t, jwt.SigningMethodEdDSA, priv, hdr, validClaims()), t0); err != nil {
		t.Errorf("control token rejected: %v", err)
	}
	if _, err := a.Verify(good, t0.Add(15*time.Minute+29*time.Second)); err != nil {
		t.Errorf("token within leeway rejected: %v", err)
	}
}

func mustPublicPEM(tb testing.TB, pub ed25519.PublicKey) []byte {
	tb.Helper()
	b, err := MarshalPublicKeyPEM(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestRotation(t *testing.T) {
	oldKey, newKey := newKey(t), newKey(t)
	before := mustAuthority(t, oldKey)
	oldToken := mustSign(t, before, auth.Principal{UserID: "u", Role: auth.RoleResident}, t0).Token

	// Step 2: the new key signs, the old one still verifies.
	during := mustAuthority(t, newKey, oldKey.Public().(ed25519.PublicKey))
	if _, err := during.Verify(oldToken, t0.Add(time.Minute)); err != nil {
		t.Errorf("old token after rotation: %v", err)
	}
	newToken := mustSign(t, during, auth.Principal{UserID: "u", Role: auth.RoleResident}, t0).Token
	if kid := decodeSegment(t, strings.Split(newToken, ".")[0])["kid"]; kid != KeyID(newKey.Public().(ed25519.PublicKey)) {
		t.Errorf("new token kid = %v, want the new key's", kid)
	}

	// Step 1 elsewhere: instances that only learned the new key as a verification key.
	verifier := mustAuthority(t, oldKey, newKey.Public().(ed25519.PublicKey))
	if _, err := verifier.Verify(newToken, t0.Add(time.Minute)); err != nil {
		t.Errorf("new token on a not-yet-switched instance: %v", err)
	}

	// Step 3: the old key is dropped.
	after := mustAuthority(t, newKey)
	if _, err := after.Verify(oldToken, t0.Add(time.Minute)); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old token after the old key is dropped: %v, want ErrUnknownKey", err)
	}
}

func TestNewAuthority(t *testing.T) {
	ks, err := NewKeySet(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		ks   *KeySet
		cfg  Config
	}{
		{"nil keys", nil, testConfig},
		{"no issuer", ks, Config{Audience: "a"}},
		{"no audience", ks, Config{Issuer: "i"}},
		{"negative TTL", ks, Config{Issuer: "i", Audience: "a", TTL: -time.Second}},
	} {
		if _, err := NewAuthority(tt.ks, tt.cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: NewAuthority = %v, want ErrConfig", tt.name, err)
		}
	}
	a, err := NewAuthority(ks, Config{Issuer: "i", Audience: "a", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	iss := mustSign(t, a, auth.Principal{UserID: "u", Role: auth.RoleResident}, t0)
	if !iss.ExpiresAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("ExpiresAt = %v with a 1m TTL", iss.ExpiresAt)
	}
	if _, err := a.Verify(iss.Token, t0.Add(time.Minute)); !errors.Is(err, ErrExpired) {
		t.Errorf("Verify at exp with no leeway = %v, want ErrExpired", err)
	}
}

// TestRememberedTokenStillChecked: a token accepted once is accepted again from memory with the same
// principal, but not after it expires, not before its iat, and a token differing in one byte of its
// payload or signature is checked in full (and refused).
func TestRememberedTokenStillChecked(t *testing.T) {
	a := mustAuthority(t, newKey(t))
	p := auth.Principal{UserID: "user-1", Role: auth.RoleOfficer, AgencyID: "agency-7", Epoch: 3}
	iss := mustSign(t, a, p, t0)
	for range 2 {
		got, err := a.Verify(iss.Token, t0.Add(time.Minute))
		if err != nil || got != p {
			t.Fatalf("Verify = %+v, %v; want %+v", got, err, p)
		}
	}
	if _, err := a.Verify(iss.Token, iss.ExpiresAt.Add(testConfig.Leeway+time.Second)); !errors.Is(err, ErrExpired) {
		t.Errorf("remembered token after expiry: %v, want ErrExpired", err)
	}
	if _, err := a.Verify(iss.Token, t0.Add(-testConfig.Leeway-time.Second)); !errors.Is(err, ErrInvalid) {
		t.Errorf("remembered token before its iat: %v, want ErrInvalid", err)
	}
	parts := strings.Split(iss.Token, ".")
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	admin := strings.Replace(string(claims), `"officer"`, `"admin__"`, 1)
	for name, tampered := range map[string]string{
		"payload":   parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(admin)) + "." + parts[2],
		"signature": parts[0] + "." + parts[1] + "." + flipFirst(parts[2]),
	} {
		if got, err := a.Verify(tampered, t0.Add(time.Minute)); !errors.Is(err, ErrInvalid) {
			t.Errorf("token with its %s changed: %+v, %v; want ErrInvalid", name, got, err)
		}
	}
}

// flipFirst changes the first base64url character of s (six bits of the first byte) to another one.
func flipFirst(s string) string {
	c := "A"
	if s[0] == 'A' {
		c = "B"
	}
	return c + s[1:]
}
