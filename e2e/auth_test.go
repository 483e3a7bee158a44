package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/app"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

func bearer(tok string) api.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
}

// signInResident runs the phone-code flow through the dev SMS sink.
func signInResident(t *testing.T, c *api.ClientWithResponses, rawPhone string) api.TokenPair {
	t.Helper()
	ctx := context.Background()
	ch, err := c.RequestOtpWithResponse(ctx, api.OtpRequest{Phone: rawPhone})
	if err != nil || ch.JSON202 == nil {
		t.Fatalf("request code: %v %s", err, ch.Body)
	}
	inbox, err := c.ListDevSmsWithResponse(ctx, &api.ListDevSmsParams{Phone: rawPhone})
	if err != nil || inbox.JSON200 == nil || len(inbox.JSON200.Items) == 0 {
		t.Fatalf("sms sink: %v %s", err, inbox.Body)
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(inbox.JSON200.Items[0].Text)
	v, err := c.VerifyOtpWithResponse(ctx, api.OtpVerify{ChallengeId: ch.JSON202.ChallengeId, Code: code})
	if err != nil || v.JSON200 == nil {
		t.Fatalf("verify: %v %s", err, v.Body)
	}
	return *v.JSON200
}

func TestResidentSignInRefreshAndErasure(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := context.Background()

	tp := signInResident(t, c, "0912 345 678")
	if tp.User.Role != api.RoleResident || tp.User.Phone == nil || *tp.User.Phone != "+84912345678" || tp.ExpiresIn < 890 || tp.ExpiresIn > 900 {
		t.Errorf("first sign-in: %+v %v, expires in %d", tp.User, tp.User.Phone, tp.ExpiresIn)
	}
	// The same number written another way is the same number: its resend cooldown applies.
	again, _ := c.RequestOtpWithResponse(ctx, api.OtpRequest{Phone: "84912345678"})
	expectProblemBody(t, again.HTTPResponse, again.Body, http.StatusTooManyRequests)
	// A bad number: 400 naming the field.
	bad, _ := c.RequestOtpWithResponse(ctx, api.OtpRequest{Phone: "12345"})
	p := expectProblemBody(t, bad.HTTPResponse, bad.Body, http.StatusBadRequest)
	if p.Errors == nil || (*p.Errors)[0].Field != "body.phone" {
		t.Errorf("bad phone: %+v", p.Errors)
	}

	// Refresh rotates; presenting the old token again revokes the whole session.
	r1, _ := c.RefreshTokensWithResponse(ctx, api.RefreshRequest{RefreshToken: tp.RefreshToken})
	if r1.JSON200 == nil || r1.JSON200.RefreshToken == tp.RefreshToken {
		t.Fatalf("refresh: %s", r1.Body)
	}
	reuse, _ := c.RefreshTokensWithResponse(ctx, api.RefreshRequest{RefreshToken: tp.RefreshToken})
	expectProblemBody(t, reuse.HTTPResponse, reuse.Body, http.StatusUnauthorized)
	r2, _ := c.RefreshTokensWithResponse(ctx, api.RefreshRequest{RefreshToken: r1.JSON200.RefreshToken})
	expectProblemBody(t, r2.HTTPResponse, r2.Body, http.StatusUnauthorized)

	// Profile, export, erasure.
	me := bearer(tp.AccessToken)
	en := api.En
	up, _ := c.UpdateMeWithResponse(ctx, api.ProfileUpdate{Language: &en}, me)
	if up.JSON200 == nil || up.JSON200.Language != api.En {
		t.Errorf("update: %s", up.Body)
	}
	ex, _ := c.ExportMeWithResponse(ctx, me)
	if ex.JSON200 == nil || ex.JSON200.Profile.Phone == nil || !strings.Contains(ex.HTTPResponse.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("export: %s", ex.Body)
	}
	if d, _ := c.DeleteMeWithResponse(ctx, me); d.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %d %s", d.StatusCode(), d.Body)
	}
	if g, _ := c.GetMeWithResponse(ctx, me); g.JSON200 != nil && g.JSON200.Phone != nil {
		t.Errorf("phone survives erasure: %s", g.Body)
	}
}

func TestStaffSignInAndAccounts(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	login := func(u, pw string) *api.StaffLoginResponse {
		r, err := c.StaffLoginWithResponse(ctx, api.StaffLogin{Username: u, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	admin := login("demo.admin", "Quang-Ninh-Admin-2026")
	agencyAdmin := login("demo.agency-admin", "Bai-Chay-Agency-2026")
	if admin.JSON200 == nil || agencyAdmin.JSON200 == nil || *agencyAdmin.JSON200.User.AgencyId != "ubnd-06673" {
		t.Fatalf("demo logins: %s %s", admin.Body, agencyAdmin.Body)
	}
	wrong := login("demo.admin", "not-the-password")
	expectProblemBody(t, wrong.HTTPResponse, wrong.Body, http.StatusUnauthorized)

	// An agency admin creates an officer of their own agency, not of another.
	other := "so-xay-dung"
	r, _ := c.CreateStaffWithResponse(ctx, api.StaffCreate{Username: "officer.baichay", Password: "Ha-Long-Bay-Officer-1", Role: api.StaffCreateRoleOfficer, AgencyId: &other}, bearer(agencyAdmin.JSON200.AccessToken))
	expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusForbidden)
	own := "ubnd-06673"
	r, _ = c.CreateStaffWithResponse(ctx, api.StaffCreate{Username: "officer.baichay", Password: "Ha-Long-Bay-Officer-1", Role: api.StaffCreateRoleOfficer, AgencyId: &own}, bearer(agencyAdmin.JSON200.AccessToken))
	if r.JSON201 == nil {
		t.Fatalf("create officer: %d %s", r.StatusCode(), r.Body)
	}
	// The admin creates an officer elsewhere; the agency admin cannot see them (404, not 403).
	r2, _ := c.CreateStaffWithResponse(ctx, api.StaffCreate{Username: "officer.soxd", Password: "So-Xay-Dung-Officer-1", Role: api.StaffCreateRoleOfficer, AgencyId: &other}, bearer(admin.JSON200.AccessToken))
	if r2.JSON201 == nil {
		t.Fatalf("admin creates: %s", r2.Body)
	}
	g, _ := c.GetStaffWithResponse(ctx, r2.JSON201.Id, bearer(agencyAdmin.JSON200.AccessToken))
	expectProblemBody(t, g.HTTPResponse, g.Body, http.StatusNotFound)
	// A weak password is refused with the field named.
	weak, _ := c.CreateStaffWithResponse(ctx, api.StaffCreate{Username: "weak.one", Password: "password123", Role: api.StaffCreateRoleDispatcher}, bearer(admin.JSON200.AccessToken))
	p := expectProblemBody(t, weak.HTTPResponse, weak.Body, http.StatusBadRequest)
	if p.Errors == nil || (*p.Errors)[0].Field != "body.password" {
		t.Errorf("weak password: %+v", p.Errors)
	}
	officer := login("officer.baichay", "Ha-Long-Bay-Officer-1")
	if officer.JSON200 == nil || officer.JSON200.User.Role != api.RoleOfficer {
		t.Fatalf("officer login: %s", officer.Body)
	}
}

// TestBadRequestsAreProblems covers malformed bodies: each gets the right status and a problem document.
func TestBadRequestsAreProblems(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"HTTP_MAX_BODY_BYTES": "2048"})
	post := func(path, ct string, body []byte) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, a.URL+path, bytes.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		return do(t, req)
	}
	expectProblem(t, post("/v1/auth/otp", "application/json", []byte(`{"phone":`)), http.StatusBadRequest)
	expectProblem(t, post("/v1/auth/otp", "text/plain", []byte(`phone=0912345678`)), http.StatusUnsupportedMediaType)
	p := expectProblem(t, post("/v1/auth/otp", "application/json", []byte(`{"phone":"0912345678","admin":true}`)), http.StatusBadRequest)
	if p.Errors == nil || !strings.Contains((*p.Errors)[0].Message, "admin") {
		t.Errorf("unknown field: %+v", p.Errors)
	}
	p = expectProblem(t, post("/v1/auth/login", "application/json", []byte(`{}`)), http.StatusBadRequest)
	if p.Errors == nil || len(*p.Errors) != 2 {
		t.Errorf("two missing fields should be listed together: %+v", p.Errors)
	}
	expectProblem(t, post("/v1/auth/otp", "application/json", append([]byte(`{"phone":"`), append(bytes.Repeat([]byte("9"), 4096), '"', '}')...)), http.StatusRequestEntityTooLarge)
	expectProblem(t, post("/v1/auth/otp", "application/json", nil), http.StatusBadRequest)

	// Sign-in codes are rate limited per number: 429 with Retry-After.
	c := newClient(t, a)
	first, _ := c.RequestOtpWithResponse(context.Background(), api.OtpRequest{Phone: "0987654321"})
	if first.JSON202 == nil {
		t.Fatalf("first code: %s", first.Body)
	}
	second, _ := c.RequestOtpWithResponse(context.Background(), api.OtpRequest{Phone: "0987654321"})
	expectProblemBody(t, second.HTTPResponse, second.Body, http.StatusTooManyRequests)
	if second.HTTPResponse.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}

// TestForgedTokensAreRefused: every kind of bad token is a 401.
func TestForgedTokensAreRefused(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	good := a.Token(t, auth.Principal{UserID: "resident-x", Role: auth.RoleResident})
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	priv, _ := token.GenerateKeyFile(filepath.Join(a.Env["DEV_KEY_DIR"], app.DevKeyFile))
	pub := priv.Public().(ed25519.PublicKey)

	header := func(alg, kid string) string {
		h, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "at+jwt"})
		return b64(h)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	claims["role"] = "admin"
	adminPayload, _ := json.Marshal(claims)
	claims["role"] = "resident"
	claims["exp"] = time.Now().Add(-time.Hour).Unix()
	claims["iat"] = time.Now().Add(-2 * time.Hour).Unix()
	expiredPayload, _ := json.Marshal(claims)
	hs := func(signingInput string, key []byte) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(signingInput))
		return b64(m.Sum(nil))
	}
	hsInput := header("HS256", token.KeyID(pub)) + "." + parts[1]
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	otherInput := header("EdDSA", "unknown-kid") + "." + parts[1]
	expiredInput := parts[0] + "." + b64(expiredPayload)

	for name, tok := range map[string]string{
		"missing":               "",
		"garbage":               "not.a.token",
		"tampered role":         parts[0] + "." + b64(adminPayload) + "." + parts[2],
		"alg none":              header("none", token.KeyID(pub)) + "." + parts[1] + ".",
		"HS256 with public key": hsInput + "." + hs(hsInput, pub),
		"unknown kid":           otherInput + "." + b64(ed25519.Sign(otherPriv, []byte(otherInput))),
		"expired":               expiredInput + "." + b64(ed25519.Sign(priv, []byte(expiredInput))),
	} {
		req, _ := http.NewRequest(http.MethodGet, a.URL+"/v1/reports", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp := do(t, req)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/v1/reports", nil)
	req.Header.Set("Authorization", "Bearer "+good)
	if resp := do(t, req); resp.StatusCode != http.StatusOK {
		t.Errorf("the good token: %d", resp.StatusCode)
	}
}

// TestConcurrentPasswordGuessesAreBounded: wrong passwords sent all at once (the failure count is read
// before each check, so it cannot stop them) are still held to the lock threshold: each guess takes one of
// ten slots of the account's window in the database, and the right password is refused after them.
func TestConcurrentPasswordGuessesAreBounded(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	const guesses = 30
	codes := make(chan int, guesses)
	var wg sync.WaitGroup
	for i := range guesses {
		wg.Go(func() {
			r, err := c.StaffLoginWithResponse(ctx, api.StaffLogin{Username: "demo.dispatcher", Password: fmt.Sprintf("guess-number-%02d", i)})
			if err != nil {
				t.Error(err)
				return
			}
			if r.StatusCode() == http.StatusTooManyRequests && r.HTTPResponse.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			codes <- r.StatusCode()
		})
	}
	wg.Wait()
	close(codes)
	checked := 0
	for code := range codes {
		switch code {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("guess answered %d", code)
		}
	}
	if checked > 10 {
		t.Errorf("%d of %d simultaneous guesses were checked against the password; at most 10 may be", checked, guesses)
	}
	r, err := c.StaffLoginWithResponse(ctx, api.StaffLogin{Username: "demo.dispatcher", Password: "Ha-Long-Dispatch-2026"})
	if err != nil {
		t.Fatal(err)
	}
	expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusTooManyRequests)
}
