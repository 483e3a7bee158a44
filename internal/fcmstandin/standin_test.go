package fcmstandin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/quangninh/feedback/internal/fcmstandin"
)

// errorBody is FCM's error response, read back by the tests.
type errorBody struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type            string `json:"@type"`
			ErrorCode       string `json:"errorCode"`
			FieldViolations []struct {
				Field string `json:"field"`
			} `json:"fieldViolations"`
		} `json:"details"`
	} `json:"error"`
}

// summary is what a test compares: HTTP status, rpc status, FcmError code and the violated field.
type summary struct {
	HTTP      int
	Status    string
	ErrorCode string
	Field     string
}

func mustPost(tb testing.TB, url, body string) (summary, http.Header, []byte) {
	tb.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	s := summary{HTTP: resp.StatusCode}
	if resp.StatusCode != http.StatusOK {
		var e errorBody
		if err := json.Unmarshal(b, &e); err != nil {
			tb.Fatalf("error body is not JSON: %v\n%s", err, b)
		}
		if e.Error.Code != resp.StatusCode {
			tb.Errorf("error.code %d, HTTP status %d", e.Error.Code, resp.StatusCode)
		}
		if e.Error.Message == "" {
			tb.Errorf("error.message is empty: %s", b)
		}
		s.Status = e.Error.Status
		for _, d := range e.Error.Details {
			switch d.Type {
			case "type.googleapis.com/google.firebase.fcm.v1.FcmError":
				s.ErrorCode = d.ErrorCode
			case "type.googleapis.com/google.rpc.BadRequest":
				s.Field = d.FieldViolations[0].Field
			default:
				tb.Errorf("unexpected detail type %q", d.Type)
			}
		}
	}
	return s, resp.Header, b
}

func sendURL(s *fcmstandin.Server) string { return s.URL() + "/v1/projects/demo/messages:send" }

func TestRejectsMalformedBodies(t *testing.T) {
	s := fcmstandin.New()
	defer s.Close()

	parse := func(field string) summary { return summary{HTTP: 400, Status: "INVALID_ARGUMENT", Field: field} }
	semantic := func(field string) summary {
		return summary{HTTP: 400, Status: "INVALID_ARGUMENT", ErrorCode: "INVALID_ARGUMENT", Field: field}
	}
	long := strings.Repeat("x", 4100)
	tests := []struct {
		name, body string
		want       summary
	}{
		{"ok", `{"message":{"token":"t1","notification":{"title":"a","body":"b"}}}`, summary{HTTP: 200}},
		{"ok validate only", `{"message":{"token":"t1"},"validate_only":true}`, summary{HTTP: 200}},
		{"ok topic", `{"message":{"topic":"news"}}`, summary{HTTP: 200}},
		{"not json", `{"message":`, parse("")},
		{"trailing data", `{"message":{"token":"t1"}} {}`, parse("")},
		{"unknown top-level field", `{"message":{"token":"t1"},"dry_run":true}`, parse("")},
		{"unknown message field", `{"message":{"token":"t1","priority":"high"}}`, parse("message")},
		{"no message", `{}`, semantic("message")},
		{"null message", `{"message":null}`, semantic("message")},
		{"no recipient", `{"message":{"notification":{"title":"a"}}}`, semantic("message")},
		{"two recipients", `{"message":{"token":"t1","topic":"news"}}`, parse("message")},
		{"bad token", `{"message":{"token":"not a token"}}`, semantic("message.token")},
		{"bad topic", `{"message":{"topic":"a b"}}`, semantic("message.topic")},
		{"data number", `{"message":{"token":"t1","data":{"n":1}}}`, parse("message.data")},
		{"data reserved key", `{"message":{"token":"t1","data":{"google.x":"1"}}}`, semantic("message.data")},
		{"title number", `{"message":{"token":"t1","notification":{"title":5}}}`, parse("message.notification.title")},
		{"body object", `{"message":{"token":"t1","notification":{"body":{}}}}`, parse("message.notification.body")},
		{"android priority", `{"message":{"token":"t1","android":{"priority":"urgent"}}}`, parse("message.android.priority")},
		{"android ttl", `{"message":{"token":"t1","android":{"ttl":"1h"}}}`, parse("message.android.ttl")},
		{"apns header number", `{"message":{"token":"t1","apns":{"headers":{"apns-priority":10}}}}`, parse("message.apns.headers")},
		{"apns priority", `{"message":{"token":"t1","apns":{"headers":{"apns-priority":"7"}}}}`, semantic("message.apns.headers")},
		{"apns collapse id", `{"message":{"token":"t1","apns":{"headers":{"apns-collapse-id":"` + long[:65] + `"}}}}`, semantic("message.apns.headers")},
		{"aps not object", `{"message":{"token":"t1","apns":{"payload":{"aps":"x"}}}}`, semantic("message.apns.payload")},
		{"webpush urgency", `{"message":{"token":"t1","webpush":{"headers":{"Urgency":"now"}}}}`, semantic("message.webpush.headers")},
		{"too big", `{"message":{"token":"t1","data":{"k":"` + long + `"}}}`, summary{HTTP: 400, Status: "INVALID_ARGUMENT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, body := mustPost(t, sendURL(s), tt.body)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s\nbody: %s", diff, body)
			}
		})
	}
	// Only the two accepted device and topic messages are recorded; validate_only is not delivered.
	if got := len(s.Messages()); got != 2 {
		t.Errorf("recorded %d messages, want 2", got)
	}
}

func TestRecordsAcceptedMessages(t *testing.T) {
	s := fcmstandin.New()
	defer s.Close()

	var mu sync.Mutex
	var seen []string
	s.OnMessage(func(m fcmstandin.Message) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, m.Name)
	})
	before := time.Now()
	_, _, b1 := mustPost(t, sendURL(s), `{"message":{"token":"phone-1","data":{"report":"R1"},"android":{"priority":"high","collapse_key":"R1"}}}`)
	_, _, b2 := mustPost(t, sendURL(s), `{"message":{"token":"phone-2","notification":{"title":"T","body":"B"}}}`)
	_, _, b3 := mustPost(t, sendURL(s), `{"message":{"token":"phone-1","data":{"report":"R2"}}}`)

	var r1, r2, r3 struct{ Name string }
	for _, x := range []struct {
		b []byte
		v any
	}{{b1, &r1}, {b2, &r2}, {b3, &r3}} {
		if err := json.Unmarshal(x.b, x.v); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(r1.Name, "projects/demo/messages/") || r1.Name == r2.Name {
		t.Errorf("message names %q and %q: want distinct projects/demo/messages/<id>", r1.Name, r2.Name)
	}

	got := s.MessagesFor("phone-1")
	want := []fcmstandin.Message{
		{Name: r1.Name, Project: "demo", Token: "phone-1", Data: map[string]string{"report": "R1"},
			Android: &fcmstandin.Android{Priority: "high", CollapseKey: "R1"}},
		{Name: r3.Name, Project: "demo", Token: "phone-1", Data: map[string]string{"report": "R2"}},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(fcmstandin.Message{}, "Received", "Raw")); diff != "" {
		t.Errorf("MessagesFor(phone-1) (-want +got):\n%s", diff)
	}
	if got[0].Received.Before(before) || string(got[0].Raw) == "" {
		t.Errorf("Received %v (before %v), Raw %q", got[0].Received, before, got[0].Raw)
	}

	mu.Lock()
	if len(seen) != 3 || seen[0] != r1.Name {
		t.Errorf("OnMessage saw %v", seen)
	}
	mu.Unlock()

	// The dev stack's view.
	var listed []fcmstandin.Message
	resp, err := http.Get(s.URL() + "/standin/messages?token=phone-2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0].Notification == nil || listed[0].Notification.Title != "T" {
		t.Errorf("GET /standin/messages?token=phone-2 = %+v", listed)
	}

	s.Reset()
	if n, c := len(s.Messages()), s.Calls(); n != 0 || c != 0 {
		t.Errorf("after Reset: %d messages, %d calls", n, c)
	}
}

func TestFaults(t *testing.T) {
	s := fcmstandin.New()
	defer s.Close()
	const ok = `{"message":{"token":"phone-1"}}`

	s.Unregister("gone")
	got, _, _ := mustPost(t, sendURL(s), `{"message":{"token":"gone"}}`)
	if want := (summary{HTTP: 404, Status: "NOT_FOUND", ErrorCode: "UNREGISTERED"}); got != want {
		t.Errorf("unregistered token: got %+v, want %+v", got, want)
	}

	s.FailNext(1, fcmstandin.Fault{Code: fcmstandin.QuotaExceeded, RetryAfter: 7 * time.Second})
	got, h, _ := mustPost(t, sendURL(s), ok)
	if want := (summary{HTTP: 429, Status: "RESOURCE_EXHAUSTED", ErrorCode: "QUOTA_EXCEEDED"}); got != want || h.Get("Retry-After") != "7" {
		t.Errorf("quota: got %+v Retry-After %q", got, h.Get("Retry-After"))
	}
	if got, _, _ := mustPost(t, sendURL(s), ok); got.HTTP != 200 {
		t.Errorf("after the injected fault: %+v, want 200", got)
	}

	s.FailNextFor("phone-1", 2, fcmstandin.Fault{Code: fcmstandin.Internal})
	if got, _, _ := mustPost(t, sendURL(s), `{"message":{"token":"phone-2"}}`); got.HTTP != 200 {
		t.Errorf("other token: %+v, want 200", got)
	}
	for range 2 {
		if got, _, _ := mustPost(t, sendURL(s), ok); got.HTTP != 500 || got.ErrorCode != "INTERNAL" {
			t.Errorf("phone-1: %+v, want 500 INTERNAL", got)
		}
	}
	if got, _, _ := mustPost(t, sendURL(s), ok); got.HTTP != 200 {
		t.Errorf("phone-1 after two faults: %+v, want 200", got)
	}
	if c := s.Calls(); c != 7 {
		t.Errorf("Calls() = %d, want 7", c)
	}
}

// TestDelayIsConcurrent checks that a delayed stand-in still answers many requests at once.
func TestDelayIsConcurrent(t *testing.T) {
	s := fcmstandin.New()
	defer s.Close()
	s.SetDelay(100 * time.Millisecond)

	start := time.Now()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { mustPost(t, sendURL(s), `{"message":{"token":"phone-1"}}`) })
	}
	wg.Wait()
	if d := time.Since(start); d < 100*time.Millisecond || d > time.Second {
		t.Errorf("20 concurrent requests with a 100 ms delay took %v", d)
	}
	if n := len(s.Messages()); n != 20 {
		t.Errorf("recorded %d, want 20", n)
	}
}

// TestServeHandlerYourself is how the dev stack runs it: an unstarted stand-in behind its own server.
func TestServeHandlerYourself(t *testing.T) {
	s := fcmstandin.NewUnstarted()
	if s.URL() != "" {
		t.Errorf("URL() = %q before serving", s.URL())
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	got, _, body := mustPost(t, srv.URL+"/v1/projects/dev/messages:send", `{"message":{"token":"phone-1"}}`)
	if got.HTTP != http.StatusOK {
		t.Fatalf("send: %+v %s", got, body)
	}
	req, err := http.NewRequest(http.MethodDelete, srv.URL+"/standin/messages", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || len(s.Messages()) != 0 {
		t.Errorf("DELETE /standin/messages: %d, %d messages left", resp.StatusCode, len(s.Messages()))
	}
	resp, err = http.Get(srv.URL + "/standin/messages")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("GET /standin/messages after DELETE = %s, want []", b)
	}
	s.Close() // a no-op for an unstarted stand-in
}
