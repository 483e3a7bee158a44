package sms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/fault"
)

func mustPhone(tb testing.TB, s string) phone.Number {
	tb.Helper()
	n, err := phone.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestHTTPGatewaySends(t *testing.T) {
	type received struct {
		Method, Path, Auth, ContentType string
		Body                            gatewayRequest
	}
	var got received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = received{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")}
		if err := json.NewDecoder(r.Body).Decode(&got.Body); err != nil {
			t.Errorf("decode body: %v", err)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	g := &HTTPGateway{URL: srv.URL + "/v1/messages", Token: "s3cret", Client: srv.Client()}
	if err := g.Send(context.Background(), mustPhone(t, "0912 345 678"), "Ma xac thuc 123456"); err != nil {
		t.Fatal(err)
	}
	want := received{Method: "POST", Path: "/v1/messages", Auth: "Bearer s3cret", ContentType: "application/json",
		Body: gatewayRequest{To: "+84912345678", Text: "Ma xac thuc 123456"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
}

func TestHTTPGatewayFailures(t *testing.T) {
	for _, tc := range []struct {
		status      int
		unavailable bool
	}{
		{http.StatusTooManyRequests, true},
		{http.StatusInternalServerError, true},
		{http.StatusBadGateway, true},
		{http.StatusServiceUnavailable, true},
		{http.StatusBadRequest, false},
		{http.StatusUnauthorized, false},
		{http.StatusUnprocessableEntity, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "nope", tc.status)
		}))
		g := &HTTPGateway{URL: srv.URL, Token: "t", Client: srv.Client()}
		err := g.Send(context.Background(), mustPhone(t, "0912345678"), "hi")
		srv.Close()
		if err == nil {
			t.Errorf("status %d: Send succeeded", tc.status)
			continue
		}
		if got := errors.Is(err, fault.ErrUnavailable); got != tc.unavailable {
			t.Errorf("status %d: Send = %v; unavailable %v, want %v", tc.status, err, got, tc.unavailable)
		}
	}
}

func TestHTTPGatewayUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	g := &HTTPGateway{URL: url, Token: "t"}
	if err := g.Send(context.Background(), mustPhone(t, "0912345678"), "hi"); !errors.Is(err, fault.ErrUnavailable) {
		t.Errorf("Send to a closed port = %v, want ErrUnavailable", err)
	}

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	defer close(release) // before Close, which waits for the handler
	g = &HTTPGateway{URL: slow.URL, Token: "t", Client: &http.Client{Timeout: 100 * time.Millisecond}}
	if err := g.Send(context.Background(), mustPhone(t, "0912345678"), "hi"); !errors.Is(err, fault.ErrUnavailable) {
		t.Errorf("Send to a gateway that times out = %v, want ErrUnavailable", err)
	}
}
