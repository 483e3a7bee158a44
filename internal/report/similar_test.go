package report

import (
	"context"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/photohash"
)

// memBuckets keeps buckets in memory, the newest version of each report winning, as the store does.
type memBuckets map[string]map[string]BucketEntry

func (m memBuckets) PutBucketEntry(_ context.Context, bucket string, e BucketEntry, now time.Time) error {
	b := m[bucket]
	if b == nil {
		b = map[string]BucketEntry{}
		m[bucket] = b
	}
	if old, ok := b[e.ReportID]; ok && old.Version > e.Version {
		return nil
	}
	if e.Gone {
		delete(b, e.ReportID)
	} else {
		b[e.ReportID] = e
	}
	return nil
}

func (m memBuckets) BucketEntries(_ context.Context, buckets []string) ([]BucketEntry, error) {
	var out []BucketEntry
	for _, id := range buckets {
		for _, e := range m[id] {
			out = append(out, e)
		}
	}
	return out, nil
}

// look returns a fingerprint whose hashes are all h.
func look(h uint64) photohash.Fingerprint {
	var f photohash.Fingerprint
	for i := range f {
		f[i] = h
	}
	return f
}

var (
	scene      = look(0x0f0f_0f0f_0f0f_0f0f)
	sameScene  = look(0x0f0f_0f0f_0f0f_0f0f ^ 0b1011) // 3 bits apart
	otherScene = look(^uint64(0x0f0f_0f0f_0f0f_0f0f))
)

// at returns the position dy metres north and dx metres east of Bãi Cháy.
func at(dy, dx float64) Location {
	const lat, lng = 20.9555, 107.0470
	return Location{Lat: lat + dy/111195, Lng: lng + dx/(111195*0.9337)}
}

func photoReport(id, category string, loc Location, created time.Time, f photohash.Fingerprint) Report {
	return Report{ID: id, Code: "QN-" + id, Category: category, Location: loc, Status: Received, CreatedAt: created, Version: 2,
		Photos: []Photo{{ID: "p1", State: PhotoReady, ThumbKey: "derived/" + id + "/p1-thumb.jpg", Look: f}}}
}

func TestSimilarRanksPhotoThenPlace(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	s := &Similar{Store: memBuckets{}, Now: func() time.Time { return now }}
	day := 24 * time.Hour
	reports := []Report{
		photoReport("same-photo-250m", "flooding", at(250, 0), now.Add(-day), sameScene),        // other category, same scene
		photoReport("same-category-100m", "road_damage", at(0, 100), now.Add(-day), otherScene), // place and category only
		photoReport("other-200m", "road_damage", at(200, 0), now.Add(-day), otherScene),         // too far for category alone
		photoReport("same-photo-350m", "road_damage", at(350, 0), now.Add(-day), scene),         // beyond the radius
		photoReport("other-category-50m", "garbage", at(50, 0), now.Add(-day), otherScene),      // near, unrelated
	}
	ended := photoReport("resolved-40d", "road_damage", at(10, 0), now.Add(-60*day), scene)
	ended.Status, ended.Ticket.ResolvedAt = Resolved, now.Add(-40*day)
	recent := photoReport("resolved-5d", "road_damage", at(20, 0), now.Add(-20*day), scene)
	recent.Status, recent.Ticket.ResolvedAt = Resolved, now.Add(-5*day)
	reports = append(reports, ended, recent)
	for _, r := range reports {
		if err := s.Sync(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	got, err := s.Find(ctx, SimilarQuery{Lat: at(0, 0).Lat, Lng: at(0, 0).Lng, Category: "road_damage", Photos: []photohash.Fingerprint{scene}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"resolved-5d", "same-photo-250m", "same-category-100m"}
	if len(got) != len(want) {
		t.Fatalf("got %d candidates %v, want %v", len(got), ids(got), want)
	}
	for i, c := range got {
		if c.Entry.ReportID != want[i] {
			t.Fatalf("candidates %v, want %v", ids(got), want)
		}
	}
	if c := got[1]; !c.PhotoMatch() || c.PhotoDistance != 3 || c.SameCategory || c.Score <= got[2].Score {
		t.Errorf("same photo 250 m away: %+v (should outrank the same category 100 m away: %+v)", c, got[2])
	}
	if got[2].PhotoMatch() || !got[2].SameCategory {
		t.Errorf("same category: %+v", got[2])
	}

	// Residents are offered open reports only; without a photo only the category and place count.
	open, err := s.Find(ctx, SimilarQuery{Lat: at(0, 0).Lat, Lng: at(0, 0).Lng, Category: "road_damage", Open: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].Entry.ReportID != "same-category-100m" || open[0].PhotoDistance != -1 {
		t.Errorf("open, no photo: %v", ids(open))
	}
}

func TestLikelyOriginal(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	s := &Similar{Store: memBuckets{}, Now: func() time.Time { return now }}
	first := photoReport("first", "road_damage", at(0, 0), now.Add(-time.Hour), scene)
	unrelated := photoReport("unrelated", "road_damage", at(0, 10), now.Add(-2*time.Hour), otherScene)
	second := photoReport("second", "road_damage", at(40, 0), now, sameScene)
	for _, r := range []Report{first, unrelated, second} {
		if err := s.Sync(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	c, ok, err := s.LikelyOriginal(ctx, second)
	if err != nil || !ok || c.Entry.ReportID != "first" || c.Score < AutoLinkScore {
		t.Fatalf("LikelyOriginal(second) = %+v, %v, %v; want first", c, ok, err)
	}
	// The first report has no original: the second came later.
	if c, ok, err := s.LikelyOriginal(ctx, first); err != nil || ok {
		t.Errorf("LikelyOriginal(first) = %+v, %v, %v; want none", c, ok, err)
	}
	// A report without fingerprints yet is linked to nothing.
	bare := second
	bare.ID, bare.Photos = "bare", nil
	if _, ok, _ := s.LikelyOriginal(ctx, bare); ok {
		t.Error("a report without fingerprints was linked")
	}
}

func TestEntryOf(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	r := photoReport("r", "road_damage", at(0, 0), now, scene)
	r.Photos = append([]Photo{{ID: "p0", State: PhotoProcessing}}, r.Photos...)
	r.Photos = append(r.Photos, Photo{ID: "a1", State: PhotoReady, After: true, ThumbKey: "after", Look: otherScene})
	e := EntryOf(r, now)
	if len(e.Photos) != 1 || e.Photos[0] != scene || e.ThumbKey != "derived/r/p1-thumb.jpg" || e.Gone {
		t.Errorf("entry of an open report: %+v", e)
	}
	r.Status = Rejected
	if e := EntryOf(r, now); !e.Gone {
		t.Errorf("a rejected report stays in its bucket: %+v", e)
	}
	r.Status, r.Ticket.ResolvedAt = Closed, now.Add(-RecentlyEnded-time.Hour)
	if e := EntryOf(r, now); !e.Gone {
		t.Errorf("a report closed long ago stays in its bucket: %+v", e)
	}
}

func ids(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Entry.ReportID)
	}
	return out
}

// TestSimilarAtPublicPrecision: a resident's search measures each report from its public point, so that
// distances (and scores) from anywhere give away the grid cell and never the exact point.
func TestSimilarAtPublicPrecision(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	s := &Similar{Store: memBuckets{}, Now: func() time.Time { return now }}
	home := at(30, 40)
	for _, r := range []Report{photoReport("noise", "noise", home, now, scene), photoReport("light", "streetlight", home, now, scene)} {
		if err := s.Sync(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	precision := func(category string) int {
		if category == "noise" {
			return 100
		}
		return 0
	}
	cell := jurisdiction.Snap(jurisdiction.Point{Lat: home.Lat, Lng: home.Lng}, 100)
	for _, q := range []Location{at(0, 0), at(100, -50), at(-60, 120)} {
		found, err := s.Find(ctx, SimilarQuery{Lat: q.Lat, Lng: q.Lng, Photos: []photohash.Fingerprint{scene}, PrecisionM: precision})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, c := range found {
			got[c.Entry.ReportID] = c.DistanceM
		}
		if want := DistanceM(q.Lat, q.Lng, cell.Lat, cell.Lng); len(got) != 2 || got["noise"] != want {
			t.Errorf("from %v the noise complaint is %.2f m away, want %.2f (its 100 m cell's centre)", q, got["noise"], want)
		}
		if want := DistanceM(q.Lat, q.Lng, home.Lat, home.Lng); got["light"] != want {
			t.Errorf("from %v the street light is %.2f m away, want %.2f (published exactly)", q, got["light"], want)
		}
	}
	// Whether a report is offered depends on its public point alone: within 309 - 100/√2 = 238 m of it
	// (where its exact point is sure to be in the buckets read), never farther, wherever the exact point is.
	for _, tc := range []struct {
		north   float64
		offered bool
	}{{230, true}, {245, false}, {290, false}} {
		q := Location{Lat: cell.Lat + tc.north/111195, Lng: cell.Lng}
		found, err := s.Find(ctx, SimilarQuery{Lat: q.Lat, Lng: q.Lng, Photos: []photohash.Fingerprint{scene}, PrecisionM: precision})
		if err != nil {
			t.Fatal(err)
		}
		offered := false
		for _, c := range found {
			offered = offered || c.Entry.ReportID == "noise"
		}
		if offered != tc.offered {
			t.Errorf("%v m north of its public point, the noise complaint offered: %v, want %v", tc.north, offered, tc.offered)
		}
	}
}
