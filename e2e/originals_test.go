package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestTicketOriginalsAndWorkingTimeLeft: the handling agency's officers get a short-lived URL of each photo
// exactly as sent (the resident's reading of the same report has none), another agency's officer and the
// resident cannot read the ticket at all; the ticket and its queue row say the working time left.
func TestTicketOriginalsAndWorkingTimeLeft(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	res := resident(t, a, "resident-originals")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	stranger := bearer(a.Token(t, auth.Principal{UserID: "officer-elsewhere", Role: auth.RoleOfficer, AgencyID: "so-y-te"}))

	sent := testapp.JPEG(t, 640, 480, nil)
	sub := submit(t, c, res, "key-originals-01", reportPart(t, pothole(&baiChay)), photoPart(sent))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	id := sub.JSON201.Id

	asked := time.Now()
	g, err := c.GetTicketWithResponse(ctx, id, officer)
	if err != nil || g.JSON200 == nil || len(g.JSON200.Report.Photos) != 1 {
		t.Fatalf("ticket: %v %s", err, g.Body)
	}
	orig := g.JSON200.Report.Photos[0].OriginalUrl
	if orig == nil {
		t.Fatalf("no original_url for the agency's officer: %s", g.Body)
	}
	resp, err := http.Get(*orig)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, sent) {
		t.Errorf("original: %d, %d bytes, want the %d bytes sent", resp.StatusCode, len(got), len(sent))
	}

	if r, _ := c.GetTicketWithResponse(ctx, id, stranger); r.StatusCode() != http.StatusNotFound {
		t.Errorf("another agency's officer reads the ticket: %d, want 404", r.StatusCode())
	}
	if r, _ := c.GetTicketWithResponse(ctx, id, res); r.StatusCode() != http.StatusForbidden {
		t.Errorf("the resident reads the ticket: %d, want 403", r.StatusCode())
	}
	mine, err := c.GetMyReportWithResponse(ctx, id, res)
	if err != nil || mine.JSON200 == nil {
		t.Fatalf("the resident's report: %v %s", err, mine.Body)
	}
	for _, p := range mine.JSON200.Photos {
		if p.OriginalUrl != nil {
			t.Errorf("the resident's reading carries an original: %s", mine.Body)
		}
	}

	// Received: the accepting deadline runs, counted in working minutes (never more than the calendar
	// time to it); the queue row says the same.
	left := g.JSON200.WorkingMinutesLeft
	if left == nil || g.JSON200.Report.AcceptBy == nil {
		t.Fatalf("no working time left on a received ticket: %s", g.Body)
	}
	if limit := int(g.JSON200.Report.AcceptBy.Sub(asked).Minutes()); *left > limit || *left <= 0 {
		t.Errorf("working minutes left %d, want between 1 and the %d calendar minutes to accept_by", *left, limit)
	}
	q, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officer)
	if q.JSON200 == nil || len(q.JSON200.Items) != 1 || q.JSON200.Items[0].WorkingMinutesLeft == nil ||
		*q.JSON200.Items[0].WorkingMinutesLeft > *left || *q.JSON200.Items[0].WorkingMinutesLeft < *left-1 {
		t.Errorf("queue row's working minutes left vs the ticket's %d: %s", *left, q.Body)
	}
}
