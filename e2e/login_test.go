package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestStaffSignInDoesNotTellWhichNamesExist: wrong passwords for an existing username and for one that
// does not exist get the same answers and the same back-off (429 with Retry-After), and one address
// trying many usernames is stopped (429 with Retry-After) whether the names exist or not.
func TestStaffSignInDoesNotTellWhichNamesExist(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true", "TRUSTED_PROXIES": "127.0.0.1"})
	c := newClient(t, a)
	ctx := context.Background()
	answers := func(user, addr string) []string {
		var out []string
		for i := range 4 {
			r, err := c.StaffLoginWithResponse(ctx, api.StaffLogin{Username: user, Password: fmt.Sprintf("Wrong-Password-%d", i)}, fromAddr(addr))
			if err != nil {
				t.Fatal(err)
			}
			p := expectProblemBody(t, r.HTTPResponse, r.Body, r.StatusCode())
			detail := ""
			if p.Detail != nil {
				detail = *p.Detail
			}
			out = append(out, fmt.Sprintf("%d %t %s", r.StatusCode(), r.HTTPResponse.Header.Get("Retry-After") != "", detail))
		}
		return out
	}
	known := answers("demo.dispatcher", "203.0.113.1")
	unknown := answers("no.such.person", "203.0.113.2")
	for i := range known {
		if known[i] != unknown[i] {
			t.Errorf("attempt %d: an existing name answers %q, an unknown one %q", i+1, known[i], unknown[i])
		}
	}
	if known[len(known)-1][:4] != "429 " {
		t.Errorf("no back-off after %d wrong passwords in a row: %q", len(known), known)
	}

	// One address, 40 usernames (none of them exists): the address limit stops the burst.
	tried, limited := 0, 0
	for i := range 40 {
		r, err := c.StaffLoginWithResponse(ctx, api.StaffLogin{Username: fmt.Sprintf("guessed.name%02d", i), Password: "Some-Password-2026"}, fromAddr("203.0.113.9"))
		if err != nil {
			t.Fatal(err)
		}
		switch r.StatusCode() {
		case http.StatusUnauthorized:
			tried++
		case http.StatusTooManyRequests:
			limited++
			if r.HTTPResponse.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		default:
			t.Errorf("attempt %d: %d %s", i, r.StatusCode(), r.Body)
		}
	}
	if tried > 20 || limited == 0 {
		t.Errorf("from one address: %d usernames tried, %d refused; want at most 20 tried", tried, limited)
	}
	// Another address still signs in.
	if r, _ := c.StaffLoginWithResponse(ctx, api.StaffLogin{Username: "demo.officer", Password: "Cam-Pha-Officer-2026"}, fromAddr("203.0.113.10")); r.JSON200 == nil {
		t.Errorf("sign-in from another address: %d %s", r.StatusCode(), r.Body)
	}
}
