package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// storageWords are names of the store's collections and drivers, which no answer may carry.
var storageWords = []string{"public_reports", "reports", "mongo", "collection", "map_tiles", "stats", "s3", "bucket"}

// TestNotFoundTellsNothing checks that an object that exists but is withheld answers exactly what a missing
// one answers, on the public, resident and staff paths, and that no answer names the storage.
func TestNotFoundTellsNothing(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := context.Background()
	owner := resident(t, a, "resident-nf-owner")
	r := submit(t, c, owner, "key-notfound-0001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 120, 90, nil)))
	if r.JSON201 == nil {
		t.Fatalf("create: %s", r.Body)
	}
	stranger := resident(t, a, "resident-nf-stranger")
	otherOfficer := bearer(a.Token(t, auth.Principal{UserID: "officer-nf", Role: auth.RoleOfficer, AgencyID: "so-y-te"}))

	detail := func(name string, resp *http.Response, body []byte) string {
		t.Helper()
		p := expectProblemBody(t, resp, body, http.StatusNotFound)
		d := ""
		if p.Detail != nil {
			d = *p.Detail
		}
		for _, w := range storageWords {
			if strings.Contains(strings.ToLower(d+p.Title), w) {
				t.Errorf("%s: the answer names the storage (%q): %s", name, w, body)
			}
		}
		return d
	}
	pairs := []struct {
		name              string
		withheld, missing func() (*http.Response, []byte)
	}{
		{"public report (not resolved) by code",
			func() (*http.Response, []byte) {
				g, _ := c.GetPublicReportWithResponse(ctx, r.JSON201.Code)
				return g.HTTPResponse, g.Body
			},
			func() (*http.Response, []byte) {
				g, _ := c.GetPublicReportWithResponse(ctx, "QN-2601-99999")
				return g.HTTPResponse, g.Body
			}},
		{"another resident's report",
			func() (*http.Response, []byte) {
				g, _ := c.GetMyReportWithResponse(ctx, r.JSON201.Id, stranger)
				return g.HTTPResponse, g.Body
			},
			func() (*http.Response, []byte) {
				g, _ := c.GetMyReportWithResponse(ctx, "AAAAAAAAAAAAAAAAAAAAAA", stranger)
				return g.HTTPResponse, g.Body
			}},
		{"another agency's ticket",
			func() (*http.Response, []byte) {
				g, _ := c.GetTicketWithResponse(ctx, r.JSON201.Id, otherOfficer)
				return g.HTTPResponse, g.Body
			},
			func() (*http.Response, []byte) {
				g, _ := c.GetTicketWithResponse(ctx, "AAAAAAAAAAAAAAAAAAAAAA", otherOfficer)
				return g.HTTPResponse, g.Body
			}},
	}
	for _, p := range pairs {
		resp, body := p.withheld()
		w := detail(p.name+", withheld", resp, body)
		resp, body = p.missing()
		m := detail(p.name+", missing", resp, body)
		if w != m {
			t.Errorf("%s: a withheld object answers %q, a missing one %q", p.name, w, m)
		}
	}
}
