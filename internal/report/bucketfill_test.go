package report_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/photohash"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestFillBuckets: the reports made before the buckets existed are put into them once per database: open
// and recently resolved ones, not rejected ones; a second worker finds the task done.
func TestFillBuckets(t *testing.T) {
	store, blobs := servers(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC()
	look := photohash.Fingerprint{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, r := range []report.Report{
		{ID: "open-1", Code: "QN-2612-00001", Status: report.Received},
		{ID: "rejected-1", Code: "QN-2612-00002", Status: report.Rejected},
		{ID: "resolved-1", Code: "QN-2612-00003", Status: report.Resolved, Ticket: report.Ticket{ResolvedAt: now.Add(-time.Hour)}},
	} {
		r.ReporterID, r.Category, r.Description = "u1", "road_damage", "Ổ gà giữa đường"
		r.Location = report.Location{Lat: 20.955, Lng: 107.045}
		r.Photos = []report.Photo{{ID: "p1", State: report.PhotoReady, ThumbKey: "derived/" + r.ID + "/p1-thumb.jpg", Look: look}}
		r.CreatedAt, r.UpdatedAt, r.Version = now.Add(-48*time.Hour), now, 3
		if err := store.InsertReport(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &report.Worker{Store: store, Blobs: blobs, Log: log, Similar: &report.Similar{Store: store}}
	if err := w.FillBuckets(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := store.BucketEntries(ctx, report.NeighbourBuckets(20.955, 107.045))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, e := range got {
		ids[e.ReportID] = true
		if len(e.Photos) != 1 || e.Photos[0] != look {
			t.Errorf("%s: fingerprints %v", e.ReportID, e.Photos)
		}
	}
	if len(ids) != 2 || !ids["open-1"] || !ids["resolved-1"] {
		t.Errorf("filled %v, want open-1 and resolved-1", ids)
	}

	r := report.Report{ID: "open-2", Code: "QN-2612-00004", ReporterID: "u1", Category: "road_damage", Status: report.Received,
		Location: report.Location{Lat: 20.955, Lng: 107.045}, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := store.InsertReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := (&report.Worker{Store: store, Blobs: blobs, Log: log, Similar: &report.Similar{Store: store}}).FillBuckets(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.BucketEntries(ctx, report.NeighbourBuckets(20.955, 107.045)); len(got) != 2 {
		t.Errorf("a second fill ran: %d entries", len(got))
	}
}
