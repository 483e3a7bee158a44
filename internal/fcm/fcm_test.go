package fcm_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/quangninh/feedback/internal/fcm"
	"github.com/quangninh/feedback/internal/fcmstandin"
)

// mustSender starts a stand-in and returns a Sender pointed at it through the real firebase-admin-go client.
func mustSender(tb testing.TB) (*fcm.Sender, *fcmstandin.Server) {
	tb.Helper()
	standin := fcmstandin.New()
	tb.Cleanup(standin.Close)
	s, err := fcm.New(context.Background(), fcm.Config{ProjectID: "qn-feedback", Endpoint: standin.URL()})
	if err != nil {
		tb.Fatal(err)
	}
	return s, standin
}

func mustSendOne(tb testing.TB, s *fcm.Sender, p fcm.Push) fcm.Result {
	tb.Helper()
	rs := s.Send(context.Background(), []fcm.Push{p})
	if len(rs) != 1 {
		tb.Fatalf("Send returned %d results for 1 push", len(rs))
	}
	return rs[0]
}

// ignoreRecording leaves out what the stand-in adds on its own.
var ignoreRecording = cmpopts.IgnoreFields(fcmstandin.Message{}, "Name", "Received", "Raw")

func TestSendOneHighPriority(t *testing.T) {
	s, standin := mustSender(t)

	r := mustSendOne(t, s, fcm.Push{
		Token:        "phone-1",
		Title:        "Phản ánh QN-2026-000123",
		Body:         "Đã chuyển cho UBND phường Hạ Long xử lý.",
		Data:         map[string]string{"report_id": "QN-2026-000123", "status": "assigned", "event_id": "ev-9"},
		CollapseKey:  "report-QN-2026-000123",
		HighPriority: true,
		Lang:         "vi",
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	got := standin.MessagesFor("phone-1")
	if len(got) != 1 || got[0].Name != r.MessageID {
		t.Fatalf("recorded %+v, want one message named %q", got, r.MessageID)
	}
	want := fcmstandin.Message{
		Project:      "qn-feedback",
		Token:        "phone-1",
		Data:         map[string]string{"report_id": "QN-2026-000123", "status": "assigned", "event_id": "ev-9"},
		Notification: &fcmstandin.Notification{Title: "Phản ánh QN-2026-000123", Body: "Đã chuyển cho UBND phường Hạ Long xử lý."},
		Android: &fcmstandin.Android{
			CollapseKey:  "report-QN-2026-000123",
			Priority:     "high",
			Notification: &fcmstandin.AndroidNotification{Tag: "report-QN-2026-000123"},
		},
		APNS: &fcmstandin.APNS{
			Headers: map[string]string{
				"apns-collapse-id": "report-QN-2026-000123",
				"apns-priority":    "10",
				"apns-push-type":   "alert",
			},
			Payload: map[string]any{"aps": map[string]any{"thread-id": "report-QN-2026-000123", "sound": "default"}},
		},
		Webpush: &fcmstandin.Webpush{
			Headers:      map[string]string{"Urgency": "high"},
			Notification: map[string]any{"tag": "report-QN-2026-000123", "lang": "vi", "renotify": true},
		},
	}
	if diff := cmp.Diff(want, got[0], ignoreRecording); diff != "" {
		t.Errorf("recorded message (-want +got):\n%s", diff)
	}
}

func TestSendOneNormalPriority(t *testing.T) {
	s, standin := mustSender(t)

	if r := mustSendOne(t, s, fcm.Push{Token: "phone-1", Title: "T", Body: "B"}); r.Err != nil {
		t.Fatal(r.Err)
	}
	want := fcmstandin.Message{
		Project:      "qn-feedback",
		Token:        "phone-1",
		Notification: &fcmstandin.Notification{Title: "T", Body: "B"},
		Android:      &fcmstandin.Android{Priority: "normal"},
		APNS: &fcmstandin.APNS{
			Headers: map[string]string{"apns-priority": "5", "apns-push-type": "alert"},
			Payload: map[string]any{"aps": map[string]any{}},
		},
		Webpush: &fcmstandin.Webpush{Headers: map[string]string{"Urgency": "normal"}},
	}
	if diff := cmp.Diff([]fcmstandin.Message{want}, standin.Messages(), ignoreRecording); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
}

// TestSendLongCollapseKey checks that a key too long for apns-collapse-id is hashed, not refused.
func TestSendLongCollapseKey(t *testing.T) {
	s, standin := mustSender(t)
	key := strings.Repeat("k", 100)
	if r := mustSendOne(t, s, fcm.Push{Token: "phone-1", Title: "T", CollapseKey: key}); r.Err != nil {
		t.Fatal(r.Err)
	}
	m := standin.Messages()[0]
	if id := m.APNS.Headers["apns-collapse-id"]; len(id) != 64 || m.Android.Notification.Tag != key {
		t.Errorf("apns-collapse-id %q, android tag %q", id, m.Android.Notification.Tag)
	}
}

func pushes(n int) []fcm.Push {
	ps := make([]fcm.Push, n)
	for i := range ps {
		ps[i] = fcm.Push{
			Token:       fmt.Sprintf("phone-%04d", i),
			Title:       "Phản ánh đã được xử lý",
			Body:        "Cảm ơn bạn đã phản ánh.",
			Data:        map[string]string{"report_id": fmt.Sprintf("R%d", i)},
			CollapseKey: fmt.Sprintf("report-R%d", i),
		}
	}
	return ps
}

// TestSendMany sends to 500 devices (one SendEach) and to 1201 (three), each device exactly once.
func TestSendMany(t *testing.T) {
	for _, n := range []int{500, 1201} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, standin := mustSender(t)
			ps := pushes(n)
			rs := s.Send(context.Background(), ps)
			if len(rs) != n {
				t.Fatalf("%d results for %d pushes", len(rs), n)
			}
			ids := map[string]bool{}
			for i, r := range rs {
				if r.Err != nil || r.MessageID == "" || ids[r.MessageID] {
					t.Fatalf("result %d: %+v (duplicate ID: %v)", i, r, ids[r.MessageID])
				}
				ids[r.MessageID] = true
			}
			got := standin.Messages()
			if len(got) != n || standin.Calls() != n {
				t.Fatalf("stand-in recorded %d messages in %d calls, want %d", len(got), standin.Calls(), n)
			}
			byToken := map[string]fcmstandin.Message{}
			for _, m := range got {
				if _, dup := byToken[m.Token]; dup {
					t.Fatalf("token %s received twice", m.Token)
				}
				byToken[m.Token] = m
			}
			for i, p := range ps {
				m := byToken[p.Token]
				if m.Name != rs[i].MessageID || m.Data["report_id"] != p.Data["report_id"] {
					t.Fatalf("push %d: result %q, recorded %q with data %v", i, rs[i].MessageID, m.Name, m.Data)
				}
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		data       map[string]string
		fault      *fcmstandin.Fault
		want       error
		retryAfter time.Duration
	}{
		{name: "unregistered", fault: &fcmstandin.Fault{Code: fcmstandin.Unregistered}, want: fcm.ErrTokenGone},
		{name: "sender id mismatch", fault: &fcmstandin.Fault{Code: fcmstandin.SenderIDMismatch}, want: fcm.ErrTokenGone},
		{name: "malformed token", token: "not a token", want: fcm.ErrTokenGone},
		{name: "empty token", token: "-", want: fcm.ErrTokenGone},
		{name: "quota with Retry-After", fault: &fcmstandin.Fault{Code: fcmstandin.QuotaExceeded, RetryAfter: 7 * time.Second},
			want: fcm.ErrRetryable, retryAfter: 7 * time.Second},
		{name: "quota", fault: &fcmstandin.Fault{Code: fcmstandin.QuotaExceeded}, want: fcm.ErrRetryable},
		// A Retry-After over two minutes stops the SDK's own 503 retries, so this case answers at once.
		{name: "unavailable with long Retry-After", fault: &fcmstandin.Fault{Code: fcmstandin.Unavailable, RetryAfter: 10 * time.Minute},
			want: fcm.ErrRetryable, retryAfter: 10 * time.Minute},
		{name: "internal", fault: &fcmstandin.Fault{Code: fcmstandin.Internal}, want: fcm.ErrRetryable},
		{name: "payload too large", data: map[string]string{"blob": strings.Repeat("x", 5000)}, want: fcm.ErrRejected},
		{name: "reserved data key", data: map[string]string{"from": "x"}, want: fcm.ErrRejected},
		{name: "invalid argument without field", fault: &fcmstandin.Fault{Code: fcmstandin.InvalidArgument}, want: fcm.ErrRejected},
		{name: "third-party auth", fault: &fcmstandin.Fault{Code: fcmstandin.ThirdPartyAuthError}, want: fcm.ErrRetryable},
		{name: "our credentials refused", fault: &fcmstandin.Fault{Code: fcmstandin.BadCredentials}, want: fcm.ErrRetryable},
	}
	s, standin := mustSender(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := tt.token
			switch token {
			case "":
				token = "tok-" + strings.ReplaceAll(tt.name, " ", "-")
			case "-":
				token = ""
			}
			if tt.fault != nil {
				standin.FailToken(token, *tt.fault)
			}
			r := mustSendOne(t, s, fcm.Push{Token: token, Title: "T", Body: "B", Data: tt.data})
			if !errors.Is(r.Err, tt.want) || r.MessageID != "" {
				t.Fatalf("got %+v, want an error wrapping %v", r, tt.want)
			}
			t.Log(r.Err)
			for _, other := range []error{fcm.ErrTokenGone, fcm.ErrRetryable, fcm.ErrRejected} {
				if other != tt.want && errors.Is(r.Err, other) {
					t.Errorf("%v also matches %v", r.Err, other)
				}
			}
			d, ok := fcm.RetryAfter(r.Err)
			if d != tt.retryAfter || ok != (tt.retryAfter > 0) {
				t.Errorf("RetryAfter = %v, %v; want %v", d, ok, tt.retryAfter)
			}
		})
	}
	if n := len(standin.Messages()); n != 0 {
		t.Errorf("stand-in recorded %d messages, want none", n)
	}
}

// TestSendPartialFailure checks that failures in one batch stay with their own pushes.
func TestSendPartialFailure(t *testing.T) {
	s, standin := mustSender(t)
	ps := pushes(6)
	standin.Unregister(ps[1].Token)
	standin.FailToken(ps[4].Token, fcmstandin.Fault{Code: fcmstandin.Internal})
	ps[3].Token = ""

	rs := s.Send(context.Background(), ps)
	want := []error{nil, fcm.ErrTokenGone, nil, fcm.ErrTokenGone, fcm.ErrRetryable, nil}
	for i, r := range rs {
		if (want[i] == nil) != (r.Err == nil) || !errors.Is(r.Err, want[i]) || (r.Err == nil) == (r.MessageID == "") {
			t.Errorf("push %d: %+v, want error %v", i, r, want[i])
		}
	}
	if n := len(standin.Messages()); n != 3 {
		t.Errorf("delivered %d, want 3", n)
	}
}

// TestSendRetries503Itself documents the SDK's own retry: a single 503 is retried at once and the message
// is delivered once; a lasting 503 without Retry-After is retried 4 times over about 7 s, then reported.
func TestSendRetries503Itself(t *testing.T) {
	t.Parallel()
	s, standin := mustSender(t)

	standin.FailNext(1, fcmstandin.Fault{Code: fcmstandin.Unavailable})
	if r := mustSendOne(t, s, fcm.Push{Token: "phone-1", Title: "T"}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if c, n := standin.Calls(), len(standin.Messages()); c != 2 || n != 1 {
		t.Errorf("one 503: %d calls, %d messages; want 2 calls, 1 message", c, n)
	}

	// A lasting 503 takes the SDK about 7 s to give up.
	standin.Reset()
	standin.FailToken("phone-2", fcmstandin.Fault{Code: fcmstandin.Unavailable})
	start := time.Now()
	r := mustSendOne(t, s, fcm.Push{Token: "phone-2", Title: "T"})
	if !errors.Is(r.Err, fcm.ErrRetryable) {
		t.Errorf("lasting 503: %v, want ErrRetryable", r.Err)
	}
	t.Logf("lasting 503: %d calls, reported after %v", standin.Calls(), time.Since(start).Round(time.Millisecond))
	if c := standin.Calls(); c != 5 {
		t.Errorf("lasting 503: %d calls, want 5", c)
	}
}

// TestSendDeadline: a context deadline shorter than FCM's answer is a retryable failure, and the stand-in
// (like a real server that saw the client go away before answering) records nothing.
func TestSendDeadline(t *testing.T) {
	s, standin := mustSender(t)
	standin.SetDelay(500 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	rs := s.Send(ctx, pushes(3))
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("Send took %v with a 50 ms deadline", d)
	}
	for i, r := range rs {
		if !errors.Is(r.Err, fcm.ErrRetryable) || !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Errorf("push %d: %v, want ErrRetryable wrapping context.DeadlineExceeded", i, r.Err)
		}
	}
	time.Sleep(600 * time.Millisecond)
	if n := len(standin.Messages()); n != 0 {
		t.Errorf("recorded %d messages after the client gave up", n)
	}
}

// TestSendServerDown: a refused connection is retryable. The SDK retries network errors itself (after 0,
// 1, 2 and 4 s), so the caller's deadline decides how long that takes.
func TestSendServerDown(t *testing.T) {
	s, standin := mustSender(t)
	standin.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := s.Send(ctx, pushes(1))[0]
	if !errors.Is(r.Err, fcm.ErrRetryable) {
		t.Errorf("server down: %v, want ErrRetryable", r.Err)
	}
}

// TestWrongEndpointKeepsTokens: a bare 404 (wrong URL, not FCM's UNREGISTERED) must not delete tokens.
func TestWrongEndpointKeepsTokens(t *testing.T) {
	standin := fcmstandin.New()
	defer standin.Close()
	s, err := fcm.New(context.Background(), fcm.Config{ProjectID: "p", Endpoint: standin.URL() + "/fcm"})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Send(context.Background(), pushes(1))[0]
	if !errors.Is(r.Err, fcm.ErrRejected) {
		t.Errorf("wrong endpoint: %v, want ErrRejected", r.Err)
	}
}

func TestSendNothing(t *testing.T) {
	s, standin := mustSender(t)
	if rs := s.Send(context.Background(), nil); len(rs) != 0 {
		t.Errorf("Send(nil) = %v", rs)
	}
	if c := standin.Calls(); c != 0 {
		t.Errorf("%d calls for no pushes", c)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(garbage, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    fcm.Config
	}{
		{"no project", fcm.Config{Endpoint: "http://127.0.0.1:1"}},
		{"neither", fcm.Config{ProjectID: "p"}},
		{"both", fcm.Config{ProjectID: "p", Endpoint: "http://127.0.0.1:1", CredentialsFile: garbage}},
		{"endpoint without scheme", fcm.Config{ProjectID: "p", Endpoint: "127.0.0.1:9099"}},
		{"endpoint ftp", fcm.Config{ProjectID: "p", Endpoint: "ftp://x"}},
		{"missing credentials file", fcm.Config{ProjectID: "p", CredentialsFile: filepath.Join(dir, "none.json")}},
		{"credentials not json", fcm.Config{ProjectID: "p", CredentialsFile: garbage}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fcm.New(context.Background(), tt.c)
			if err == nil {
				t.Fatalf("New(%+v) succeeded", tt.c)
			}
			t.Log(err)
		})
	}
}

// TestEndpointWithV1 checks that an Endpoint already ending in /v1 (or /v1/) is not doubled.
func TestEndpointWithV1(t *testing.T) {
	standin := fcmstandin.New()
	defer standin.Close()
	for _, e := range []string{standin.URL() + "/v1", standin.URL() + "/v1/", standin.URL() + "/"} {
		s, err := fcm.New(context.Background(), fcm.Config{ProjectID: "p", Endpoint: e})
		if err != nil {
			t.Fatal(err)
		}
		if r := s.Send(context.Background(), pushes(1))[0]; r.Err != nil {
			t.Errorf("Endpoint %q: %v", e, r.Err)
		}
	}
}
