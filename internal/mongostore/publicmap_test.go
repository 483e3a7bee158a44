package mongostore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
	"github.com/quangninh/feedback/internal/workcal"
)

func publicService(t *testing.T, s *Store) *publicmap.Service {
	t.Helper()
	cat, err := catalogue.Seed(jurisdiction.Default())
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workcal.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &publicmap.Service{Store: s, Catalogue: func() *catalogue.Catalogue { return cat }, Places: jurisdiction.Default(), Calendar: cal}
}

var vn = workcal.Location()

// resolvedReport is a public report at Bãi Cháy received on Monday 2 November 2026 at 08:00, resolved
// after `hours` working hours.
func resolvedReport(svc *publicmap.Service, n int, category string, hours int) (report.Report, report.Ticket) {
	created := time.Date(2026, 11, 2, 8, 0, 0, 0, vn)
	resolved := svc.Calendar.Add(created, time.Duration(hours)*time.Hour)
	r := report.Report{ID: fmt.Sprintf("r%d", n), Code: fmt.Sprintf("QN-2611-%05d", n), ReporterID: "user-secret-id", Category: category,
		Description: "Ổ gà lớn trước cổng trường", Address: "12 Hạ Long, secret address", PublishConsent: true,
		Location: report.Location{Lat: 20.955 + float64(n)*0.0001, Lng: 107.05}, Status: report.Resolved, Version: 4,
		Routing: catalogue.Decision{AgencyID: "ubnd-06673", CommuneCode: "06673"}, CreatedAt: created.UTC(),
		Timeline: []report.Event{
			{At: created, Action: "comment_internal", Note: "internal: call the contractor"},
			{At: resolved, Action: "resolve", Note: "Đã vá xong."},
		}}
	t := report.Ticket{ResolvedAt: resolved.UTC(), ResolveBy: svc.Calendar.Add(created, 16*time.Hour), Rating: 4}
	return r, t
}

func sensitiveCategory(t *testing.T, svc *publicmap.Service) string {
	for _, c := range svc.Catalogue().Categories() {
		if c.Sensitive {
			return c.Code
		}
	}
	t.Fatal("no sensitive category in the catalogue")
	return ""
}

func TestPublicationRules(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	svc := publicService(t, s)
	ctx := testenv.Context(t)
	sensitive := sensitiveCategory(t, svc)
	cases := map[string]func(r *report.Report, tk *report.Ticket){
		"public":       func(*report.Report, *report.Ticket) {},
		"sensitive":    func(r *report.Report, _ *report.Ticket) { r.Category = sensitive },
		"no consent":   func(r *report.Report, _ *report.Ticket) { r.PublishConsent = false },
		"hidden":       func(_ *report.Report, tk *report.Ticket) { tk.Hidden = true },
		"not resolved": func(r *report.Report, tk *report.Ticket) { r.Status = report.InProgress; tk.ResolvedAt = time.Time{} },
	}
	n := 0
	codes := map[string]string{}
	for name, edit := range cases {
		n++
		r, tk := resolvedReport(svc, n, "road_damage", 4)
		edit(&r, &tk)
		codes[name] = r.Code
		if err := svc.Sync(ctx, r, tk); err != nil {
			t.Fatal(err)
		}
	}
	box := publicmap.BBox{MinLng: 106.9, MinLat: 20.9, MaxLng: 107.2, MaxLat: 21.0}
	res, _, err := svc.Map(ctx, box, 16, publicmap.Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Features) != 1 || res.Features[0].Point == nil || res.Features[0].Point.Code != codes["public"] {
		t.Fatalf("map shows %+v, want only %s", res.Features, codes["public"])
	}
	for name, code := range codes {
		v, err := svc.Report(ctx, code)
		if name == "public" {
			b, _ := json.Marshal(v)
			for _, secret := range []string{"user-secret-id", "secret address", "internal", "contractor", "reporter", "phone"} {
				if strings.Contains(string(b), secret) {
					t.Errorf("public view holds %q: %s", secret, b)
				}
			}
			if err != nil || v.Reply != "Đã vá xong." || !v.OnTime || v.Rating != 4 {
				t.Errorf("public view: %v %+v", err, v)
			}
			continue
		}
		if !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("%s: Report = %v, want not found", name, err)
		}
	}
	// Hiding the public one takes it off; an older version arriving late does not bring it back.
	r, tk := resolvedReport(svc, 1, "road_damage", 4)
	r.Code = codes["public"]
	r.Version = 5
	if err := svc.Unpublish(ctx, r, tk); err != nil {
		t.Fatal(err)
	}
	r.Version = 4
	if err := svc.Sync(ctx, r, tk); err != nil {
		t.Fatal(err)
	}
	if res, _, _ := svc.Map(ctx, box, 16, publicmap.Filter{}, ""); len(res.Features) != 0 {
		t.Errorf("hidden report still on the map: %+v", res.Features)
	}
	if res, _, _ := svc.Map(ctx, box, 8, publicmap.Filter{}, ""); len(res.Features) != 0 {
		t.Errorf("hidden report still in the clusters: %+v", res.Features)
	}
}

func TestPublicStatsOnAKnownSet(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	svc := publicService(t, s)
	ctx := testenv.Context(t)
	// Three reports received on 2 November: resolved after 4, 8 and 30 working hours (deadline 16 h),
	// rated 4, 4, none; a fourth, the same twice (idempotent).
	var items []publicmap.Item
	for i, h := range []int{4, 8, 30} {
		r, tk := resolvedReport(svc, i+1, "road_damage", h)
		if i == 2 {
			tk.Rating = 0
		}
		items = append(items, publicmap.Item{Report: r, Ticket: tk})
	}
	if err := svc.SyncAll(ctx, items); err != nil {
		t.Fatal(err)
	}
	if err := svc.SyncAll(ctx, items); err != nil {
		t.Fatal(err)
	}
	rows, err := svc.Stats(ctx, time.Date(2026, 11, 1, 0, 0, 0, 0, vn), time.Date(2026, 11, 30, 0, 0, 0, 0, vn), publicmap.ByAgency)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("rows %+v", rows)
	}
	r := rows[0]
	if r.Key != "ubnd-06673" || r.Received != 3 || r.Resolved != 3 || *r.OnTimeShare < 0.66 || *r.OnTimeShare > 0.67 ||
		*r.MedianHours != 8 || *r.AvgRating != 4 || r.NameVi == "" {
		t.Errorf("row %+v share %v median %v rating %v", r, *r.OnTimeShare, *r.MedianHours, *r.AvgRating)
	}
	csv := string(publicmap.CSV(rows))
	if want := "key,name_vi,name_en,received,resolved,on_time_share,median_hours,avg_rating\nubnd-06673,"; !strings.HasPrefix(csv, want) ||
		!strings.HasSuffix(csv, ",3,3,0.667,8.0,4.00\n") {
		t.Errorf("csv %q", csv)
	}
	// Only the 2nd of November holds receipts.
	rows, _ = svc.Stats(ctx, time.Date(2026, 11, 3, 0, 0, 0, 0, vn), time.Date(2026, 11, 30, 0, 0, 0, 0, vn), publicmap.ByCategory)
	if len(rows) != 1 || rows[0].Received != 0 || rows[0].Resolved != 2 {
		t.Errorf("from the 3rd: %+v", rows)
	}
}

// TestConcurrentPublication races reports into the same tiles: FerretDB does not serialise updates of one
// document, so only the claims keep every report.
func TestConcurrentPublication(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	svc := publicService(t, s)
	ctx := testenv.Context(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, tk := resolvedReport(svc, i+1, "road_damage", 4)
			errs <- svc.Sync(context.Background(), r, tk)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	box := publicmap.BBox{MinLng: 106.9, MinLat: 20.9, MaxLng: 107.2, MaxLat: 21.0}
	for _, zoom := range []int{8, 10, 12, 16} {
		res, _, err := svc.Map(ctx, box, zoom, publicmap.Filter{}, "")
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, f := range res.Features {
			total += max(f.Count, 1)
		}
		if total != n {
			t.Errorf("zoom %d: %d reports, want %d", zoom, total, n)
		}
	}
	// The breakdowns that filtered clusters read followed the tiles.
	for cat, want := range map[string]int{"road_damage": n, "garbage": 0} {
		res, _, err := svc.Map(ctx, box, 8, publicmap.Filter{Category: cat}, "")
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, f := range res.Features {
			total += f.Count
		}
		if total != want {
			t.Errorf("zoom 8, %s: %d reports, want %d", cat, total, want)
		}
	}
	// Rebuild from the records gives the same answer.
	if got, err := svc.Rebuild(ctx); err != nil || got != n {
		t.Fatalf("Rebuild: %d %v", got, err)
	}
	res, _, _ := svc.Map(ctx, box, 8, publicmap.Filter{}, "")
	if len(res.Features) == 0 || res.Features[0].Count == 0 {
		t.Errorf("after rebuild: %+v", res.Features)
	}
}

// TestUpgradeRebuildsTilesOfAnotherFormat: a database whose tiles predate FormatVersion (no format
// document; tiles of format 1 in map_tiles) is rebuilt from the publication records at start-up, once.
func TestUpgradeRebuildsTilesOfAnotherFormat(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	svc := publicService(t, s)
	ctx := testenv.Context(t)
	if rebuilt, err := svc.Upgrade(ctx); err != nil || rebuilt {
		t.Fatalf("empty database: rebuilt %v, %v", rebuilt, err)
	}
	var items []publicmap.Item
	for i := range 6 {
		r, tk := resolvedReport(svc, i+1, []string{"road_damage", "garbage"}[i%2], 4)
		items = append(items, publicmap.Item{Report: r, Ticket: tk})
	}
	if err := svc.SyncAll(ctx, items); err != nil {
		t.Fatal(err)
	}
	// Format 1 left a z12 cluster tile in map_tiles; the z8 tile of today's format went missing.
	old := []byte(`{"z":12,"x":3265,"y":1805,"n":6,"c":[{"x":26124,"y":14444,"n":6,"la":20.955,"lo":107.05,"g":[{"k":"road_damage|ubnd-06673|06673|202611","n":6}]}]}`)
	if err := s.PutDocs(ctx, "map_tiles", map[string][]byte{"12/3265/1805": old}); err != nil {
		t.Fatal(err)
	}
	box := publicmap.BBox{MinLng: 106.9, MinLat: 20.9, MaxLng: 107.2, MaxLat: 21.0}
	_, top := publicmap.Plan(box, 8)
	for _, id := range top {
		if err := s.DeleteDocs(ctx, publicmap.TileCollection(id), []string{id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteDocs(ctx, publicmap.Meta, []string{"format"}); err != nil {
		t.Fatal(err)
	}
	if res, _, _ := svc.Map(ctx, box, 8, publicmap.Filter{}, ""); len(res.Features) != 0 {
		t.Fatalf("the broken z8 tile still answers: %+v", res.Features)
	}

	if rebuilt, err := svc.Upgrade(ctx); err != nil || !rebuilt {
		t.Fatalf("old format: rebuilt %v, %v", rebuilt, err)
	}
	for _, f := range []publicmap.Filter{{}, {Category: "garbage"}} {
		want := 6
		if f.Category != "" {
			want = 3
		}
		for _, zoom := range []int{8, 12, 16, 20} {
			res, _, err := svc.Map(ctx, box, zoom, f, "")
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, ft := range res.Features {
				total += max(ft.Count, 1)
			}
			if total != want {
				t.Errorf("%+v zoom %d after the upgrade: %d reports, want %d", f, zoom, total, want)
			}
		}
	}
	if ids, _, err := s.ScanDocs(ctx, "map_tiles", "", 10); err != nil || len(ids) != 0 {
		t.Errorf("format 1 documents left: %v %v", ids, err)
	}
	if rebuilt, err := svc.Upgrade(ctx); err != nil || rebuilt {
		t.Errorf("second start: rebuilt %v, %v", rebuilt, err)
	}
}
