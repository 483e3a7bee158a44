package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/app"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestProblemsSpeakVietnamese: real bad requests answered under Accept-Language preferring Vietnamese
// carry a Vietnamese title and detail (Content-Language: vi, Vary: Accept-Language); preferring English,
// or saying nothing, keeps English.
func TestProblemsSpeakVietnamese(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"RESIDENT_UPLOAD_SLOTS": "1"})
	ctx := context.Background()
	me := resident(t, a, "resident-vi-0001")
	send := func(lang string, req *http.Request, edit ...api.RequestEditorFn) *http.Response {
		t.Helper()
		for _, e := range edit {
			e(ctx, req)
		}
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	request := func(method, path, ct string, body []byte) *http.Request {
		req, _ := http.NewRequest(method, a.URL+path, bytes.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		return req
	}
	upload := func() *http.Request {
		return request(http.MethodPost, "/v1/uploads", "application/json", []byte(`{"content_type":"image/jpeg","size_bytes":1000}`))
	}
	if r := send("", upload(), me); r.StatusCode != http.StatusCreated { // the one slot
		t.Fatalf("first upload slot: %d", r.StatusCode)
	}
	big := append(testapp.JPEG(t, 64, 64, nil), bytes.Repeat([]byte{0}, 16<<20)...)
	ct, body := multipartBody(t, reportPart(t, pothole(&baiChay)), photoPart(big))
	oversized := request(http.MethodPost, "/v1/reports", ct, body.Bytes())
	oversized.Header.Set("Idempotency-Key", "key-vi-oversized-01")

	for _, tc := range []struct {
		name   string
		req    *http.Request
		as     []api.RequestEditorFn
		status int
		title  string
		detail string
		field  string // a field error's Vietnamese message, when there is one
	}{
		{"bad JSON", request(http.MethodPost, "/v1/auth/otp", "application/json", []byte(`{"phone":`)), nil,
			http.StatusBadRequest, "Yêu cầu không hợp lệ", "Một số trường không hợp lệ; xem errors.", "không phân tích được: "},
		{"a phone number that is no number", request(http.MethodPost, "/v1/auth/otp", "application/json", []byte(`{"phone":"12345"}`)), nil,
			http.StatusBadRequest, "Yêu cầu không hợp lệ", "Một số trường không hợp lệ; xem errors.", "số điện thoại"},
		{"unknown report", request(http.MethodGet, "/v1/reports/no-such-report-0001", "", nil), []api.RequestEditorFn{me},
			http.StatusNotFound, "Không tìm thấy", "không có phản ánh này", ""},
		{"expired token", request(http.MethodGet, "/v1/reports", "", nil), []api.RequestEditorFn{bearer(expiredToken(t, a))},
			http.StatusUnauthorized, "Cần đăng nhập", "Access token không hợp lệ hoặc đã hết hạn; hãy làm mới hoặc đăng nhập lại.", ""},
		{"over the upload quota", upload(), []api.RequestEditorFn{me},
			http.StatusTooManyRequests, "Quá nhiều yêu cầu", "bạn đã giữ số lượt tải lên tối đa của một người dân; hãy dùng chúng trong một phản ánh, hoặc đợi chúng hết hạn", ""},
		{"an oversized photo", oversized, []api.RequestEditorFn{me},
			http.StatusRequestEntityTooLarge, "Quá lớn", "photo 1 lớn hơn 15 MB", ""},
	} {
		resp := send("vi;q=0.9, en;q=0.8", tc.req, tc.as...)
		p := expectProblem(t, resp, tc.status)
		if p.Title != tc.title || deref(p.Detail) != tc.detail {
			t.Errorf("%s: %q / %q, want %q / %q", tc.name, p.Title, deref(p.Detail), tc.title, tc.detail)
		}
		if tc.field != "" && (p.Errors == nil || !strings.Contains((*p.Errors)[0].Message, tc.field)) {
			t.Errorf("%s: field errors %+v, want one saying %q", tc.name, p.Errors, tc.field)
		}
		if resp.Header.Get("Content-Language") != "vi" || !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Language") {
			t.Errorf("%s: Content-Language %q, Vary %q", tc.name, resp.Header.Get("Content-Language"), resp.Header.Values("Vary"))
		}
	}

	// English when preferred, and when nothing is said.
	for _, lang := range []string{"en, vi;q=0.5", ""} {
		resp := send(lang, request(http.MethodGet, "/v1/reports/no-such-report-0001", "", nil), me)
		p := expectProblem(t, resp, http.StatusNotFound)
		if p.Title != "Not found" || deref(p.Detail) != "no such report" || resp.Header.Get("Content-Language") != "en" {
			t.Errorf("Accept-Language %q: %q / %q, Content-Language %q", lang, p.Title, deref(p.Detail), resp.Header.Get("Content-Language"))
		}
	}
}

// expiredToken signs a resident's access token that expired an hour ago, with the instance's own key.
func expiredToken(t *testing.T, a *testapp.App) string {
	t.Helper()
	good := a.Token(t, auth.Principal{UserID: "resident-vi-0002", Role: auth.RoleResident})
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding
	payload, _ := b64.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	claims["exp"] = time.Now().Add(-time.Hour).Unix()
	claims["iat"] = time.Now().Add(-2 * time.Hour).Unix()
	payload, _ = json.Marshal(claims)
	priv, err := token.GenerateKeyFile(filepath.Join(a.Env["DEV_KEY_DIR"], app.DevKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	input := parts[0] + "." + b64.EncodeToString(payload)
	return input + "." + b64.EncodeToString(ed25519.Sign(priv, []byte(input)))
}
