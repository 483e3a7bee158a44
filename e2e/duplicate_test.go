package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestDuplicateFollowersFollowTheOriginal: an officer rejects a report as a duplicate of another; the
// duplicate's reporter and its follower then follow the original, see it, and get its next push. An
// unknown original, the report itself, and an original that is itself a duplicate are refused with the
// field named.
func TestDuplicateFollowersFollowTheOriginal(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	first, second, fan := resident(t, a, "resident-dup-first"), resident(t, a, "resident-dup-second"), resident(t, a, "resident-dup-fan")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	registerDevice(t, c, second, "tok-dup-second-reporter", api.Vi)
	registerDevice(t, c, fan, "tok-dup-follower-en-01", api.En)

	orig := submit(t, c, first, "key-dup-original-1", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 200, 150, nil)))
	dup := submit(t, c, second, "key-dup-duplicate-1", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 200, 150, nil)))
	if orig.JSON201 == nil || dup.JSON201 == nil {
		t.Fatalf("submit: %s / %s", orig.Body, dup.Body)
	}
	if f, _ := c.FollowReportWithResponse(ctx, dup.JSON201.Id, fan); f.StatusCode() != http.StatusNoContent {
		t.Fatalf("follow the duplicate: %d", f.StatusCode())
	}
	if g, _ := c.GetMyReportWithResponse(ctx, orig.JSON201.Id, fan); g.StatusCode() != http.StatusNotFound {
		t.Fatalf("the follower sees the original before the move: %d", g.StatusCode())
	}

	reject := func(id, of string) *api.ActOnTicketResponse {
		t.Helper()
		g, _ := c.GetTicketWithResponse(ctx, id, officer)
		reason, note := api.Duplicate, "Đã có phản ánh về ổ gà này"
		r, err := c.ActOnTicketWithResponse(ctx, id, &api.ActOnTicketParams{IfMatch: g.HTTPResponse.Header.Get("ETag")},
			api.TicketAction{Action: api.Reject, Reason: &reason, DuplicateOf: &of, Note: &note}, officer)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, of := range []string{"QN-0001-99999", dup.JSON201.Code} {
		r := reject(dup.JSON201.Id, of)
		p := expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusBadRequest)
		if p.Errors == nil || (*p.Errors)[0].Field != "body.duplicate_of" {
			t.Errorf("duplicate of %s: %+v", of, p.Errors)
		}
	}
	r := reject(dup.JSON201.Id, orig.JSON201.Code)
	if r.JSON200 == nil || r.JSON200.Report.Status != api.Rejected || r.JSON200.DuplicateOf == nil || *r.JSON200.DuplicateOf != orig.JSON201.Code ||
		r.JSON200.FollowersMoved == nil || !*r.JSON200.FollowersMoved {
		t.Fatalf("reject as duplicate: %s", r.Body)
	}
	// A third report cannot point at the duplicate: the message names the original to use.
	third := submit(t, c, first, "key-dup-third-0001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 200, 150, nil)))
	if third.JSON201 == nil {
		t.Fatalf("submit: %s", third.Body)
	}
	r3 := reject(third.JSON201.Id, dup.JSON201.Code)
	p := expectProblemBody(t, r3.HTTPResponse, r3.Body, http.StatusBadRequest)
	if p.Errors == nil || !strings.Contains((*p.Errors)[0].Message, orig.JSON201.Code) {
		t.Errorf("duplicate of a duplicate: %+v", p.Errors)
	}

	// Both now follow the original and may read it.
	for name, who := range map[string]api.RequestEditorFn{"follower": fan, "duplicate's reporter": second} {
		g, _ := c.GetMyReportWithResponse(ctx, orig.JSON201.Id, who)
		if g.JSON200 == nil {
			t.Errorf("%s reads the original: %d %s", name, g.StatusCode(), g.Body)
		}
	}
	// The original's next step reaches them, beside the duplicate's rejection. (Pushes about one report
	// arrive in order; these are about two reports, changed within the dispatcher's PUSH_SPACING, so they
	// may go out in one batch and arrive in either order.)
	g, _ := c.GetTicketWithResponse(ctx, orig.JSON201.Id, officer)
	acc, _ := c.ActOnTicketWithResponse(ctx, orig.JSON201.Id, &api.ActOnTicketParams{IfMatch: g.HTTPResponse.Header.Get("ETag")},
		api.TicketAction{Action: api.Accept}, officer)
	if acc.JSON200 == nil {
		t.Fatalf("accept the original: %s", acc.Body)
	}
	actions := func(pushes []string) string {
		var out []string
		for _, p := range pushes {
			out = append(out, strings.SplitN(p, "|", 2)[0])
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	if en := pushesFor(t, c, "tok-dup-follower-en-01", 2); actions(en) != "accept,reject" {
		t.Errorf("follower's pushes %q, want the duplicate's rejection and the original's acceptance", en)
	}
	if vi := pushesFor(t, c, "tok-dup-second-reporter", 2); actions(vi) != "accept,reject" {
		t.Errorf("duplicate's reporter's pushes %q, want the duplicate's rejection and the original's acceptance", vi)
	}
}
