package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestConsoleSessionCookie: the console's sign-in puts the refresh token only in an HttpOnly, Secure,
// SameSite=Strict cookie scoped to the session route; requests without X-QN-Console or from another
// origin are refused; the cookie rotates, a used one ends the session and is cleared; sign-out ends it.
func TestConsoleSessionCookie(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	call := func(method, path, cookie string, header map[string]string, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, a.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "qn_console_refresh", Value: cookie})
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res := do(t, req)
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res, out
	}
	console := map[string]string{"X-QN-Console": "1"}
	login := `{"username":"demo.officer","password":"Cam-Pha-Officer-2026"}`

	if res, _ := call("POST", "/v1/auth/console/login", "", nil, login); res.StatusCode != http.StatusBadRequest {
		t.Errorf("sign-in without X-QN-Console: %d, want 400", res.StatusCode)
	}
	if res, _ := call("POST", "/v1/auth/console/login", "", map[string]string{"X-QN-Console": "1", "Origin": "https://evil.example"}, login); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in from another origin: %d, want 403", res.StatusCode)
	}
	res, body := call("POST", "/v1/auth/console/login", "", map[string]string{"X-QN-Console": "1", "Origin": a.URL}, login)
	if res.StatusCode != http.StatusOK || body["access_token"] == nil || body["refresh_token"] != nil {
		t.Fatalf("sign-in: %d %v", res.StatusCode, body)
	}
	cookieOf := func(res *http.Response) *http.Cookie {
		t.Helper()
		for _, c := range res.Cookies() {
			if c.Name == "qn_console_refresh" {
				return c
			}
		}
		t.Fatalf("no qn_console_refresh cookie in %q", res.Header.Values("Set-Cookie"))
		return nil
	}
	first := cookieOf(res)
	if !first.HttpOnly || !first.Secure || first.SameSite != http.SameSiteStrictMode || first.Path != "/v1/auth/console/session" || first.Value == "" {
		t.Errorf("cookie %q", res.Header.Get("Set-Cookie"))
	}

	if res, _ := call("POST", "/v1/auth/console/session", first.Value, nil, ""); res.StatusCode != http.StatusBadRequest {
		t.Errorf("refresh without X-QN-Console: %d, want 400", res.StatusCode)
	}
	if res, _ := call("POST", "/v1/auth/console/session", first.Value, map[string]string{"X-QN-Console": "1", "Origin": "http://evil.example"}, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("refresh from another origin: %d, want 403", res.StatusCode)
	}
	res, body = call("POST", "/v1/auth/console/session", first.Value, console, "")
	if res.StatusCode != http.StatusOK || body["access_token"] == nil {
		t.Fatalf("refresh: %d %v", res.StatusCode, body)
	}
	second := cookieOf(res)
	if second.Value == first.Value {
		t.Error("the refresh cookie did not rotate")
	}

	// A used cookie ends the session (as a reused refresh token does) and the answer clears it.
	res, _ = call("POST", "/v1/auth/console/session", first.Value, console, "")
	if res.StatusCode != http.StatusUnauthorized || cookieOf(res).MaxAge >= 0 {
		t.Errorf("reusing a cookie: %d %q", res.StatusCode, res.Header.Get("Set-Cookie"))
	}
	if res, _ := call("POST", "/v1/auth/console/session", second.Value, console, ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the session outlived a reused cookie: %d", res.StatusCode)
	}

	// Sign-out ends the session and clears the cookie.
	res, body = call("POST", "/v1/auth/console/login", "", console, login)
	third := cookieOf(res)
	access, _ := body["access_token"].(string)
	res, _ = call("DELETE", "/v1/auth/console/session", third.Value, map[string]string{"X-QN-Console": "1", "Authorization": "Bearer " + access}, "")
	if res.StatusCode != http.StatusNoContent || cookieOf(res).MaxAge >= 0 {
		t.Errorf("sign-out: %d %q", res.StatusCode, res.Header.Get("Set-Cookie"))
	}
	if res, _ := call("POST", "/v1/auth/console/session", third.Value, console, ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("refresh after sign-out: %d", res.StatusCode)
	}
}
