package mongostore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/photohash"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestBucketEntries: entries round-trip with their fingerprints, an older version never overwrites a newer
// one, a gone entry is removed, and concurrent writers to one bucket lose nothing.
func TestBucketEntries(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	look := photohash.Fingerprint{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	e := report.BucketEntry{ReportID: "r1", Code: "QN-2612-00001", Category: "road_damage", Lat: 20.95, Lng: 107.04,
		Status: report.Received, CreatedAt: now, Photos: []photohash.Fingerprint{look}, ThumbKey: "derived/r1/p1-thumb.jpg", Version: 3}
	bucket := report.Bucket(e.Lat, e.Lng)
	if err := s.PutBucketEntry(ctx, bucket, e, now); err != nil {
		t.Fatal(err)
	}
	stale := e
	stale.Version, stale.Status = 2, report.InProgress
	if err := s.PutBucketEntry(ctx, bucket, stale, now); err != nil {
		t.Fatal(err)
	}
	got, err := s.BucketEntries(ctx, report.NeighbourBuckets(e.Lat, e.Lng))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(e) {
		t.Fatalf("entries %+v, want %+v", got, e)
	}

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			o := e
			o.ReportID = fmt.Sprintf("c%d", i)
			if err := s.PutBucketEntry(ctx, bucket, o, now); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	gone := e
	gone.Version, gone.Gone = 4, true
	if err := s.PutBucketEntry(ctx, bucket, gone, now); err != nil {
		t.Fatal(err)
	}
	got, err = s.BucketEntries(ctx, []string{bucket})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 8 {
		t.Errorf("%d entries after 8 concurrent puts and one removal, want 8", len(got))
	}
	for _, g := range got {
		if g.ReportID == "r1" {
			t.Error("the removed entry is still there")
		}
	}
}

// TestLikelyOriginalSurvivesSaves: the link written on a report is kept by workflow saves.
func TestLikelyOriginalSurvivesSaves(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	insertTestReport(t, s, report.Report{ID: "dup-1", Code: "QN-2612-00002", ReporterID: "u1", Status: report.Received})
	link := report.DuplicateLink{ReportID: "orig-1", Code: "QN-2612-00001", Score: 0.91}
	if err := s.SetLikelyOriginal(ctx, "dup-1", link, time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := s.Report(ctx, "dup-1")
	if err != nil {
		t.Fatal(err)
	}
	after := r
	after.Status = report.Accepted
	if ok, err := s.SaveReport(ctx, r, after, time.Now()); err != nil || !ok {
		t.Fatalf("save: %v %v", ok, err)
	}
	if r, err = s.Report(ctx, "dup-1"); err != nil || r.Ticket.LikelyOriginal != link {
		t.Errorf("link after a save: %+v, %v", r.Ticket.LikelyOriginal, err)
	}
}
