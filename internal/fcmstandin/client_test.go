package fcmstandin_test

import (
	"context"
	"testing"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"

	"github.com/quangninh/feedback/internal/fcmstandin"
)

// mustClient returns the real firebase-admin-go messaging client pointed at the stand-in.
func mustClient(tb testing.TB, endpoint string) *messaging.Client {
	tb.Helper()
	ctx := context.Background()
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: "demo"},
		option.WithEndpoint(endpoint), option.WithoutAuthentication())
	if err != nil {
		tb.Fatal(err)
	}
	c, err := app.Messaging(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestEndpointNeedsV1 documents how firebase-admin-go uses option.WithEndpoint for messaging: the value is
// the prefix of "/projects/{p}/messages:send", so it must include the "/v1" that the default
// (https://fcm.googleapis.com/v1) carries.
func TestEndpointNeedsV1(t *testing.T) {
	s := fcmstandin.New()
	defer s.Close()
	msg := &messaging.Message{Token: "phone-1"}

	if _, err := mustClient(t, s.URL()+"/v1").Send(context.Background(), msg); err != nil {
		t.Errorf("with /v1: %v", err)
	}
	_, err := mustClient(t, s.URL()).Send(context.Background(), msg)
	if !errorutils.IsNotFound(err) {
		t.Errorf("without /v1: got %v, want a 404 for /projects/demo/messages:send", err)
	}
}

// TestRealClientClassifiesErrors checks that the stand-in's error bodies are the ones the real client
// understands: each fault makes exactly the matching messaging.Is* helper true.
func TestRealClientClassifiesErrors(t *testing.T) {
	s := fcmstandin.New()
	defer s.Close()
	c := mustClient(t, s.URL()+"/v1")

	is := map[string]func(error) bool{
		"IsUnregistered":        messaging.IsUnregistered,
		"IsInvalidArgument":     messaging.IsInvalidArgument,
		"IsQuotaExceeded":       messaging.IsQuotaExceeded,
		"IsUnavailable":         messaging.IsUnavailable,
		"IsInternal":            messaging.IsInternal,
		"IsSenderIDMismatch":    messaging.IsSenderIDMismatch,
		"IsThirdPartyAuthError": messaging.IsThirdPartyAuthError,
	}
	tests := []struct {
		code fcmstandin.ErrorCode
		want string
	}{
		{fcmstandin.Unregistered, "IsUnregistered"},
		{fcmstandin.InvalidArgument, "IsInvalidArgument"},
		{fcmstandin.QuotaExceeded, "IsQuotaExceeded"},
		// The client retries 503 itself (up to 4 times, after 0, 1, 2 and 4 s) unless Retry-After exceeds
		// two minutes; the long Retry-After keeps this test fast.
		{fcmstandin.Unavailable, "IsUnavailable"},
		{fcmstandin.Internal, "IsInternal"},
		{fcmstandin.SenderIDMismatch, "IsSenderIDMismatch"},
		{fcmstandin.ThirdPartyAuthError, "IsThirdPartyAuthError"},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			token := "tok-" + string(tt.code)
			s.FailToken(token, fcmstandin.Fault{Code: tt.code, RetryAfter: 10 * time.Minute})
			_, err := c.Send(context.Background(), &messaging.Message{Token: token})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			for name, f := range is {
				if got := f(err); got != (name == tt.want) {
					t.Errorf("%s(%v) = %v", name, err, got)
				}
			}
			if r := errorutils.HTTPResponse(err); r == nil || r.Header.Get("Retry-After") != "600" {
				t.Errorf("HTTPResponse(err) = %v, want the response with Retry-After: 600", r)
			}
		})
	}

	// A message that fails FCM's schema (here: a reserved data key, which the client does not check)
	// comes back as a platform INVALID_ARGUMENT.
	_, err := c.Send(context.Background(), &messaging.Message{Token: "phone-1", Data: map[string]string{"from": "x"}})
	if !messaging.IsInvalidArgument(err) || !errorutils.IsInvalidArgument(err) {
		t.Errorf("reserved data key: %v", err)
	}
}

// TestRealClientRetries503 shows the client's own retry of 503: one injected 503 costs a second call but
// the message is delivered once.
func TestRealClientRetries503(t *testing.T) {
	s := fcmstandin.New()
	defer s.Close()
	c := mustClient(t, s.URL()+"/v1")

	s.FailNext(1, fcmstandin.Fault{Code: fcmstandin.Unavailable})
	if _, err := c.Send(context.Background(), &messaging.Message{Token: "phone-1"}); err != nil {
		t.Fatal(err)
	}
	if calls, n := s.Calls(), len(s.Messages()); calls != 2 || n != 1 {
		t.Errorf("%d calls, %d messages; want 2 calls (one retry), 1 message", calls, n)
	}

	// 429 and 500 are not retried by the client.
	s.Reset()
	s.FailNext(1, fcmstandin.Fault{Code: fcmstandin.QuotaExceeded})
	s.FailNext(1, fcmstandin.Fault{Code: fcmstandin.Internal})
	for range 2 {
		if _, err := c.Send(context.Background(), &messaging.Message{Token: "phone-1"}); err == nil {
			t.Error("Send succeeded")
		}
	}
	if calls := s.Calls(); calls != 2 {
		t.Errorf("%d calls, want 2 (no retry of 429 or 500)", calls)
	}
}
