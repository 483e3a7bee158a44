package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestPersonalDataIsNeverCached: every answer that carries a person's data (tokens, the profile and its
// export, a resident's reports, tickets), and its errors, says Cache-Control: no-store; the public reads
// keep their own caching.
func TestPersonalDataIsNeverCached(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	tokens := signInResident(t, c, "0912000777")
	me := bearer(tokens.AccessToken)
	sub := submit(t, c, me, "key-nostore-00001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 120, 90, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	officer := bearer(a.Token(t, auth.Principal{UserID: "officer-ns", Role: auth.RoleOfficer, AgencyID: "ubnd-06673"}))
	answers := map[string]func() *http.Response{
		"report created": func() *http.Response { return sub.HTTPResponse },
		"sign-in tokens": func() *http.Response {
			r, _ := c.RefreshTokensWithResponse(ctx, api.RefreshRequest{RefreshToken: tokens.RefreshToken})
			return r.HTTPResponse
		},
		"profile": func() *http.Response { r, _ := c.GetMeWithResponse(ctx, me); return r.HTTPResponse },
		"export":  func() *http.Response { r, _ := c.ExportMeWithResponse(ctx, me); return r.HTTPResponse },
		"my reports": func() *http.Response {
			r, _ := c.ListMyReportsWithResponse(ctx, &api.ListMyReportsParams{}, me)
			return r.HTTPResponse
		},
		"my report": func() *http.Response {
			r, _ := c.GetMyReportWithResponse(ctx, sub.JSON201.Id, me)
			return r.HTTPResponse
		},
		"a ticket": func() *http.Response {
			r, _ := c.GetTicketWithResponse(ctx, sub.JSON201.Id, officer)
			return r.HTTPResponse
		},
		"tickets": func() *http.Response {
			r, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officer)
			return r.HTTPResponse
		},
		"an error": func() *http.Response {
			r, _ := c.GetMyReportWithResponse(ctx, "AAAAAAAAAAAAAAAAAAAAAA", me)
			return r.HTTPResponse
		},
	}
	for name, answer := range answers {
		resp := answer()
		if resp == nil {
			t.Fatalf("%s: no answer", name)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s (%s %s, %d): Cache-Control %q, want no-store", name, resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, cc)
		}
	}
	m := getMap(t, c, "106.9,20.9,107.2,21.1", 10)
	if cc := m.HTTPResponse.Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("public map: Cache-Control %q", cc)
	}
}
