package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestStaffSignInDoesNotTellWhichNamesExist: wrong passwords for an existing username and for one that
// does not exist get the same answers and the same limits (429 with Retry-After), and one address trying
// many usernames is stopped (429 with Retry-After) whether the names exist or not.
func TestStaffSignInDoesNotTellWhichNamesExist(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true", "TRUSTED_PROXIES": "127.0.0.1"})
	c := newClient(t, a)
	ctx := context.Background()
	// Fifteen guesses at once for each name, from an address of its own: for both, at most ten are
	// judged (the same refusal), and the others wait (429 with Retry-After), whatever the timing.
	answers := func(user, addr string) (judged map[string]int, limited int) {
		judged = map[string]int{}
		results := make(chan string, 15)
		var wg sync.WaitGroup
		for i := range 15 {
			wg.Go(func() {
				r, err := c.StaffLoginWithResponse(ctx, api.StaffLogin{Username: user, Password: fmt.Sprintf("Wrong-Password-%d", i)}, fromAddr(addr))
				if err != nil {
					t.Error(err)
					return
				}
				p := expectProblemBody(t, r.HTTPResponse, r.Body, r.StatusCode())
				detail := ""
				if p.Detail != nil {
					detail = *p.Detail
				}
				if r.StatusCode() == http.StatusTooManyRequests && r.HTTPResponse.Header.Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
				results <- fmt.Sprintf("%d %s", r.StatusCode(), detail)
			})
		}
		wg.Wait()
		close(results)
		for res := range results {
			if strings.HasPrefix(res, "429 ") {
				limited++
			} else {
				judged[res]++
			}
		}
		return judged, limited
	}
	for _, tc := range []struct{ user, addr string }{{"demo.dispatcher", "203.0.113.1"}, {"no.such.person", "203.0.113.2"}} {
		judged, limited := answers(tc.user, tc.addr)
		if len(judged) != 1 || judged["401 wrong username or password"] == 0 || judged["401 wrong username or password"] > 10 || limited < 5 {
			t.Errorf("%s: judged %v, %d refused; want at most 10 answered 401 wrong username or password, the rest 429", tc.user, judged, limited)
		}
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
