package e2e

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestGracefulShutdownFinishesInFlightRequests: a phone is still sending its body when the service is
// told to stop; the request completes with a real answer, then the service exits.
func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/v1/auth/otp", pr)
	req.Header.Set("Content-Type", "application/json")
	got := make(chan *http.Response, 1)
	failed := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			failed <- err
			return
		}
		got <- resp
	}()
	if _, err := pw.Write([]byte(`{"phone":"09`)); err != nil { // the validator is now waiting for the rest
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- a.Stop() }()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("the service stopped with a request in flight: %v", err)
	default:
	}
	if _, err := pw.Write([]byte(`12345678"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	select {
	case resp := <-got:
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("in-flight request: status %d, want 202", resp.StatusCode)
		}
	case err := <-failed:
		t.Fatalf("in-flight request failed: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no answer to the in-flight request")
	}
	if err := <-stopped; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}
