package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

func TestHealthReadinessAndSpec(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := testenv.Context(t)

	h, err := c.GetHealthWithResponse(ctx)
	if err != nil || h.JSON200 == nil || h.JSON200.Status != api.Ok {
		t.Fatalf("healthz: %v %+v", err, h)
	}
	r, err := c.GetReadinessWithResponse(ctx)
	if err != nil || r.JSON200 == nil || r.JSON200.Status != api.ReadinessStatusReady || len(r.JSON200.Checks) != 2 {
		t.Fatalf("readyz: %v %s", err, r.Body)
	}
	if id := r.HTTPResponse.Header.Get("X-Request-ID"); len(id) < 8 {
		t.Errorf("X-Request-ID = %q, want a generated ID", id)
	}

	body, ct := get(t, a.URL+"/openapi.yaml")
	if !strings.HasPrefix(body, "openapi: 3.0") || !strings.HasPrefix(ct, "application/yaml") {
		t.Errorf("/openapi.yaml: %q %q", ct, body[:min(40, len(body))])
	}
	body, _ = get(t, a.URL+"/docs")
	for _, want := range []string{"getReadiness", "/v1/categories/{code}", "Problem"} {
		if !strings.Contains(body, want) {
			t.Errorf("/docs lacks %q", want)
		}
	}
	// The metrics are served apart from the API (METRICS_ADDR), never on its public address.
	pub, _ := http.NewRequest(http.MethodGet, a.URL+"/metrics", nil)
	expectProblem(t, do(t, pub), http.StatusNotFound)
	body, _ = get(t, a.MetricsURL)
	for _, want := range []string{`http_requests_total{method="GET",route="/readyz",status="200"} 1`, "go_goroutines", "http_request_duration_seconds_bucket"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestRequestIDIsKeptWhenSafe(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/healthz", nil)
	req.Header.Set("X-Request-ID", "phone-abc.123")
	resp := do(t, req)
	if got := resp.Header.Get("X-Request-ID"); got != "phone-abc.123" {
		t.Errorf("kept ID = %q", got)
	}
	req.Header.Set("X-Request-ID", "bad id\" with quotes")
	resp = do(t, req)
	if got := resp.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
		t.Errorf("unsafe ID echoed: %q", got)
	}
	// The access-log line is written just after the response; give it a moment.
	for i := 0; !strings.Contains(a.Logs(), `"request_id":"phone-abc.123"`); i++ {
		if i == 50 {
			t.Fatalf("logs lack the request ID")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUnknownRouteAndMethodAreProblems(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/nope", http.StatusNotFound},
		{http.MethodGet, "/v1/categories/no_such_category", http.StatusNotFound},
		{http.MethodDelete, "/healthz", http.StatusMethodNotAllowed},
		{http.MethodPost, "/v1/categories", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v1/categories/BAD-code", http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(tc.method, a.URL+tc.path, nil)
		p := expectProblem(t, do(t, req), tc.status)
		if tc.status == http.StatusBadRequest && (p.Errors == nil || (*p.Errors)[0].Field != "path.code") {
			t.Errorf("%s %s: errors = %+v, want path.code", tc.method, tc.path, p.Errors)
		}
	}
}

// TestOutageAndRecovery stops MongoDB and S3 under a running service, then starts them again.
func TestOutageAndRecovery(t *testing.T) {
	t.Parallel()
	srv := testenv.Owned(t)
	a := testapp.Start(t, srv, nil)
	c := newClient(t, a)
	ctx := testenv.Context(t)
	if r, err := c.ListCategoriesWithResponse(ctx); err != nil || r.JSON200 == nil {
		t.Fatalf("before the outage: %v %s", err, r.Body)
	}

	srv.Stop()
	r, err := c.GetReadinessWithResponse(ctx)
	if err != nil || r.StatusCode() != http.StatusServiceUnavailable || r.JSON503 == nil {
		t.Fatalf("readyz during outage: %v %d %s", err, r.StatusCode(), r.Body)
	}
	if r.HTTPResponse.Header.Get("Retry-After") == "" {
		t.Errorf("readyz 503 without Retry-After")
	}
	for _, ch := range r.JSON503.Checks {
		if ch.Ok {
			t.Errorf("check %s ok during outage", ch.Name)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/v1/categories/road_damage", nil) // read from the database
	resp := do(t, req)
	p := expectProblem(t, resp, http.StatusServiceUnavailable)
	if resp.Header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After = %q, want 2", resp.Header.Get("Retry-After"))
	}
	if p.Detail == nil || strings.Contains(*p.Detail, "127.0.0.1") || strings.Contains(*p.Detail, "mongo") {
		t.Errorf("503 detail leaks internals or is empty: %v", p.Detail)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := c.GetReadinessWithResponse(ctx)
		if err == nil && r.StatusCode() == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready 30s after the servers came back: %v %s", err, r.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r, err := c.GetCategoryWithResponse(ctx, "road_damage"); err != nil || r.JSON200 == nil {
		t.Fatalf("after recovery: %v %s", err, r.Body)
	}
}

// eventually checks ok every 50 ms until it holds or within passes, and reports whether it held. For what
// follows a change asynchronously (pushes, derivatives, gauges).
func eventually(within time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func get(t *testing.T, url string) (body, contentType string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp := do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.Header.Get("Content-Type")
}

func do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// expectProblem checks that resp is an RFC 9457 problem with the status and returns it.
func expectProblem(t *testing.T, resp *http.Response, status int) api.Problem {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	return expectProblemBody(t, resp, b, status)
}

// expectProblemBody is expectProblem for a response whose body the generated client already read.
func expectProblemBody(t *testing.T, resp *http.Response, b []byte, status int) api.Problem {
	t.Helper()
	var p api.Problem
	if resp.StatusCode != status {
		t.Errorf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, b)
		return p
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", resp.Request.URL.Path, ct)
	}
	if err := json.Unmarshal(b, &p); err != nil || p.Status != status || p.Title == "" || !strings.HasPrefix(p.Type, "https://") {
		t.Errorf("%s: not a problem document (%v): %s", resp.Request.URL.Path, err, b)
	}
	if p.RequestId == nil || *p.RequestId != resp.Header.Get("X-Request-ID") {
		t.Errorf("%s: problem request_id %v != header %q", resp.Request.URL.Path, p.RequestId, resp.Header.Get("X-Request-ID"))
	}
	return p
}

func newClient(t *testing.T, a *testapp.App) *api.ClientWithResponses {
	t.Helper()
	c, err := api.NewClientWithResponses(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
