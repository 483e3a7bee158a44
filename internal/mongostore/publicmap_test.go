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

	"go.mongodb.org/mongo-driver/v2/bson"

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
	// A withheld report answers what an unknown code answers, word for word, and names no storage.
	_, unknown := svc.Report(ctx, "QN-2601-99999")
	if !errors.Is(unknown, fault.ErrNotFound) || strings.Contains(fault.Message(unknown), "public_") {
		t.Errorf("unknown code: %v", unknown)
	}
	for name, code := range codes {
		v, err := svc.Report(ctx, code)
		if name != "public" && fault.Message(err) != fault.Message(unknown) {
			t.Errorf("%s: answers %q, an unknown code %q", name, fault.Message(err), fault.Message(unknown))
		}
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
	for _, it := range items { // counted once each, when stored
		if err := svc.CountReceived(ctx, it.Report); err != nil {
			t.Fatal(err)
		}
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

// TestConcurrentPublication races reports into the same tiles, over InlineMax reports already there (so
// that the tiles above them have breakdowns): the version arbitration of UpdateDoc keeps every report, and
// the breakdowns follow.
func TestConcurrentPublication(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	svc := publicService(t, s)
	ctx := testenv.Context(t)
	base := denseItems(svc, 0, publicmap.InlineMax+1, "garbage")
	if err := svc.SyncAll(ctx, base); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, it := range denseItems(svc, len(base), n, "road_damage") {
		wg.Go(func() { errs <- svc.Sync(context.Background(), it.Report, it.Ticket) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	box := publicmap.BBox{MinLng: 106.9, MinLat: 20.9, MaxLng: 107.2, MaxLat: 21.0}
	for _, q := range []struct {
		f    publicmap.Filter
		want int
	}{{publicmap.Filter{}, len(base) + n}, {publicmap.Filter{Category: "road_damage"}, n}, {publicmap.Filter{Category: "garbage"}, len(base)}} {
		for _, zoom := range []int{8, 10, 12, 16} {
			res, _, err := svc.Map(ctx, box, zoom, q.f, "")
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, f := range res.Features {
				total += max(f.Count, 1)
			}
			if total != q.want {
				t.Errorf("zoom %d, %+v: %d reports, want %d", zoom, q.f, total, q.want)
			}
		}
	}
	breakdownsAllNamed(t, s) // those of the attempts that lost were deleted, as were those replaced
	// Rebuild from the records gives the same answer.
	if got, err := svc.Rebuild(ctx); err != nil || got != len(base)+n {
		t.Fatalf("Rebuild: %d %v", got, err)
	}
	res, _, _ := svc.Map(ctx, box, 8, publicmap.Filter{Category: "road_damage"}, "")
	if len(res.Features) != 1 || res.Features[0].Count != n {
		t.Errorf("after rebuild: %+v", res.Features)
	}
	breakdownsAllNamed(t, s)
}

// denseItems are n resolved reports of a category numbered from first, in a 400 × 200 m area at Bãi Cháy
// (one z10 tile).
func denseItems(svc *publicmap.Service, first, n int, category string) []publicmap.Item {
	var items []publicmap.Item
	for i := first; i < first+n; i++ {
		r, tk := resolvedReport(svc, i+1, category, 4)
		r.Location.Lat, r.Location.Lng = 20.95+float64(i%20)*0.0002, 107.05+float64(i/20)*0.0002
		items = append(items, publicmap.Item{Report: r, Ticket: tk})
	}
	return items
}

// breakdownsAllNamed checks that every document in map_breakdowns is the breakdown its tile names.
func breakdownsAllNamed(t *testing.T, s *Store) {
	t.Helper()
	ctx := testenv.Context(t)
	ids, _, err := s.ScanDocs(ctx, publicmap.Breakdowns, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		t.Error("no breakdowns")
	}
	for _, key := range ids {
		doc, ref, _ := strings.Cut(key, "#")
		raw, err := s.Doc(ctx, publicmap.Tiles, doc)
		var tile publicmap.Tile
		if err == nil {
			err = json.Unmarshal(raw, &tile)
		}
		if err != nil || tile.B != ref {
			t.Errorf("breakdown %s is not the one its tile names (%q, %v)", key, tile.B, err)
		}
	}
}

// TestUpgradeRebuildsTilesOfAnotherFormat: a database whose format document names no format or another one
// is rebuilt from the publication records at start-up, once; the rebuild deletes the tile documents it did
// not write (another format's, and a tile of this format that no record fills).
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
	box := publicmap.BBox{MinLng: 106.9, MinLat: 20.9, MaxLng: 107.2, MaxLat: 21.0}
	_, top := publicmap.Plan(box, 8, false)
	otherFormat := fmt.Sprintf("%d:%s", publicmap.FormatVersion-1, top[0])
	stray := publicmap.DocID(publicmap.LeafOf(21.5, 107.9)) // Móng Cái, where no report is
	strayDoc := []byte(`{"z":18,"x":1,"y":1,"n":1,"p":[{"c":"QN-GHOST","y":21.5,"x":107.9,"v":1}]}`)
	if err := s.PutDocs(ctx, publicmap.Tiles, map[string][]byte{otherFormat: []byte(`{}`), stray: strayDoc}); err != nil {
		t.Fatal(err)
	}
	// The z8 tiles went missing, and the format document with them.
	for _, id := range top {
		if err := s.DeleteDocs(ctx, publicmap.Tiles, []string{publicmap.DocID(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteDocs(ctx, publicmap.Meta, []string{"format"}); err != nil {
		t.Fatal(err)
	}
	if res, _, _ := svc.Map(ctx, box, 8, publicmap.Filter{}, ""); len(res.Features) != 0 {
		t.Fatalf("the deleted z8 tiles still answer: %+v", res.Features)
	}

	if rebuilt, err := svc.Upgrade(ctx); err != nil || !rebuilt {
		t.Fatalf("no format: rebuilt %v, %v", rebuilt, err)
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
	for _, key := range []string{otherFormat, stray} {
		if _, err := s.Doc(ctx, publicmap.Tiles, key); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("%s left after the rebuild: %v", key, err)
		}
	}
	if rebuilt, err := svc.Upgrade(ctx); err != nil || rebuilt {
		t.Errorf("second start: rebuilt %v, %v", rebuilt, err)
	}
	// Another format named: rebuilt again.
	if err := s.PutDocs(ctx, publicmap.Meta, map[string][]byte{"format": []byte(`{"v":1}`)}); err != nil {
		t.Fatal(err)
	}
	if rebuilt, err := svc.Upgrade(ctx); err != nil || !rebuilt {
		t.Errorf("format 1: rebuilt %v, %v", rebuilt, err)
	}
}

// TestMapLayout: a published report's documents are where a reader looks for them, by _id: its record in
// public_reports, its leaf and the five cluster tiles above it in map_tiles, the breakdowns that the
// cluster tiles holding more than InlineMax reports name in map_breakdowns (not the top level's: it has
// none), the day documents in stats; and there is no other map collection.
func TestMapLayout(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	svc := publicService(t, s)
	ctx := testenv.Context(t)
	items := denseItems(svc, 0, publicmap.InlineMax+1, "road_damage")
	for _, batch := range [][]publicmap.Item{items[:100], items[100:]} {
		if err := svc.SyncAll(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	r := items[0].Report
	if _, err := s.Doc(ctx, publicmap.Records, r.Code); err != nil {
		t.Errorf("record %s: %v", r.Code, err)
	}
	for id := publicmap.LeafOf(r.Location.Lat, r.Location.Lng); id != ""; id = publicmap.ParentOf(id) {
		raw, err := s.Doc(ctx, publicmap.Tiles, publicmap.DocID(id))
		if err != nil {
			t.Fatalf("tile %s: %v", id, err)
		}
		var tile publicmap.Tile
		if err := json.Unmarshal(raw, &tile); err != nil {
			t.Fatal(err)
		}
		if publicmap.TileID(tile.Z, tile.X, tile.Y) != id || tile.N == 0 {
			t.Errorf("document %s holds tile %d/%d/%d with %d reports", publicmap.DocID(id), tile.Z, tile.X, tile.Y, tile.N)
		}
		wantBreakdown := tile.Z > publicmap.TopLevel && tile.Z < publicmap.LeafLevel && tile.N > publicmap.InlineMax
		if (tile.B != "") != wantBreakdown {
			t.Errorf("tile %s with %d reports names breakdown %q", id, tile.N, tile.B)
		}
		if tile.Z == publicmap.TopLevel+2 && tile.N != len(items) {
			t.Errorf("the reports fell in more than one z10 tile: %s holds %d", id, tile.N)
		}
		if tile.B == "" {
			continue
		}
		if _, err := s.Doc(ctx, publicmap.Breakdowns, publicmap.BreakdownID(id, tile.B)); err != nil {
			t.Errorf("breakdown %s: %v", id, err)
		}
	}
	breakdownsAllNamed(t, s)
	day := publicmap.StatsDayID(r.CreatedAt.In(vn).Format(time.DateOnly), publicmap.ByAgency)
	if _, err := s.Doc(ctx, publicmap.Stats, day); err != nil {
		t.Errorf("stats %s: %v", day, err)
	}
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		switch {
		case name == string(publicmap.Tiles), name == string(publicmap.Breakdowns), name == string(publicmap.Meta):
		case strings.HasPrefix(name, "map_"):
			t.Errorf("collection %s besides map_tiles, map_breakdowns and map_meta", name)
		}
	}
}

// TestUpdateDocLosesNoChange: writers racing on one document, missing at first, each add their mark; every
// mark is kept.
func TestUpdateDocLosesNoChange(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := testenv.Context(t)
	const writers, rounds = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				errs <- s.UpdateDoc(ctx, publicmap.Stats, "race", func(old []byte) ([]byte, error) {
					var marks []string
					if old != nil {
						if err := json.Unmarshal(old, &marks); err != nil {
							return nil, err
						}
					}
					return json.Marshal(append(marks, fmt.Sprintf("%d.%d", w, i)))
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	raw, err := s.Doc(ctx, publicmap.Stats, "race")
	if err != nil {
		t.Fatal(err)
	}
	var marks []string
	if err := json.Unmarshal(raw, &marks); err != nil {
		t.Fatal(err)
	}
	if len(marks) != writers*rounds {
		t.Errorf("%d marks kept of %d", len(marks), writers*rounds)
	}
	// A change that returns its input, or nil, writes nothing.
	for _, same := range []func([]byte) ([]byte, error){
		func(old []byte) ([]byte, error) { return old, nil },
		func([]byte) ([]byte, error) { return nil, nil },
	} {
		if err := s.UpdateDoc(ctx, publicmap.Stats, "race", same); err != nil {
			t.Fatal(err)
		}
	}
	var d blobDoc
	if err := s.db.Collection(string(publicmap.Stats)).FindOne(ctx, byID("race")).Decode(&d); err != nil || d.V != writers*rounds {
		t.Errorf("version %d after %d writes (%v)", d.V, writers*rounds, err)
	}
}

// TestSyncAgainCompletesTheTiles: when a publication failed after writing the leaf, leaving the tile above
// behind, syncing the report again brings that tile in line.
func TestSyncAgainCompletesTheTiles(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	svc := publicService(t, s)
	ctx := testenv.Context(t)
	r, tk := resolvedReport(svc, 1, "road_damage", 4)
	if err := svc.Sync(ctx, r, tk); err != nil {
		t.Fatal(err)
	}
	z16 := publicmap.ParentOf(publicmap.LeafOf(r.Location.Lat, r.Location.Lng))
	z, x, y, _ := publicmap.ParseTileID(z16)
	behind := fmt.Sprintf(`{"z":%d,"x":%d,"y":%d,"n":0}`, z, x, y)
	if err := s.PutDocs(ctx, publicmap.Tiles, map[string][]byte{publicmap.DocID(z16): []byte(behind)}); err != nil {
		t.Fatal(err)
	}
	box := publicmap.BBox{MinLng: 107.04, MinLat: 20.95, MaxLng: 107.06, MaxLat: 20.96}
	count := func() int {
		res, _, err := svc.Map(ctx, box, 17, publicmap.Filter{}, "") // read from level 16
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Features)
	}
	if n := count(); n != 0 {
		t.Fatalf("the tile left behind shows %d features", n)
	}
	if err := svc.Sync(ctx, r, tk); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("after syncing again: %d features, want 1", n)
	}
}
