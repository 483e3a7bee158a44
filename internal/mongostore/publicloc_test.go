package mongostore

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// withPrecision returns the seed catalogue with the category published at precisionM.
func withPrecision(t *testing.T, svc *publicmap.Service, code string, precisionM int) *catalogue.Catalogue {
	t.Helper()
	cur := svc.Catalogue()
	cats := cur.Categories()
	for i := range cats {
		if cats[i].Code == code {
			cats[i].PublicPrecisionM = precisionM
		}
	}
	c, err := catalogue.New(cur.Agencies(), cats)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// shownAt returns where everything public shows the report: its public view, its point on the map at
// every zoom that shows points, and Open311's listing.
func shownAt(t *testing.T, svc *publicmap.Service, code string) (publicmap.PublicReport, []jurisdiction.Point) {
	t.Helper()
	ctx := testenv.Context(t)
	v, err := svc.Report(ctx, code)
	if err != nil {
		t.Fatalf("public report %s: %v", code, err)
	}
	var at []jurisdiction.Point
	box := publicmap.BBox{MinLng: 107.0, MinLat: 20.9, MaxLng: 107.2, MaxLat: 21.0}
	for _, zoom := range []int{17, 19, 21} {
		res, _, err := svc.Map(ctx, box, zoom, publicmap.Filter{}, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Features {
			if f.Point != nil && f.Point.Code == code {
				at = append(at, jurisdiction.Point{Lat: f.Lat, Lng: f.Lng}, jurisdiction.Point{Lat: f.Point.Lat, Lng: f.Point.Lng})
			}
		}
	}
	list, err := svc.Requests(ctx, publicmap.RequestQuery{From: time.Date(2026, 11, 1, 0, 0, 0, 0, vn), To: time.Date(2026, 11, 30, 0, 0, 0, 0, vn), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.Code == code {
			at = append(at, jurisdiction.Point{Lat: r.Lat, Lng: r.Lng})
		}
	}
	if len(at) != 3*2+1 {
		t.Fatalf("%s is shown %d times (map at 3 zooms, listing), want 7: %v", code, len(at), at)
	}
	return v, at
}

// TestPublicLocationDecidedAtPublication: a report is shown at its category's public precision wherever
// it is public (public view, map, Open311 listing); the point is decided when it is first published and
// stays when the category's precision changes later; a report published before precisions existed is
// moved to its category's precision by the upgrade, and leaves no trace at its exact point.
func TestPublicLocationDecidedAtPublication(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	svc := publicService(t, s)
	ctx := testenv.Context(t)
	var live atomic.Pointer[catalogue.Catalogue]
	live.Store(svc.Catalogue())
	svc.Catalogue = live.Load

	home := report.Location{Lat: 20.9512345, Lng: 107.0801234}
	noise, noiseTk := resolvedReport(svc, 1, "noise", 4)
	noise.Location = home
	light, lightTk := resolvedReport(svc, 2, "streetlight", 4)
	light.Location = report.Location{Lat: 20.9534567, Lng: 107.0823456}
	if err := svc.SyncAll(ctx, []publicmap.Item{{Report: noise, Ticket: noiseTk}, {Report: light, Ticket: lightTk}}); err != nil {
		t.Fatal(err)
	}
	exact := jurisdiction.Point{Lat: home.Lat, Lng: home.Lng}
	want := jurisdiction.Snap(exact, 100)
	v, at := shownAt(t, svc, noise.Code)
	for _, p := range at {
		if p != want {
			t.Errorf("the noise complaint is shown at %v, want %v (the 100 m cell's centre)", p, want)
		}
	}
	if v.LocationPrecisionM != 100 || report.DistanceM(home.Lat, home.Lng, v.Lat, v.Lng) < 1 {
		t.Errorf("public view at %v,%v precision %d m; the exact point is %v", v.Lat, v.Lng, v.LocationPrecisionM, exact)
	}
	lv, lat := shownAt(t, svc, light.Code)
	for _, p := range lat {
		if p != (jurisdiction.Point{Lat: light.Location.Lat, Lng: light.Location.Lng}) {
			t.Errorf("the street light is shown at %v, want its exact point %v", p, light.Location)
		}
	}
	if lv.LocationPrecisionM != 0 {
		t.Errorf("street light published at %d m, want 0 (exact)", lv.LocationPrecisionM)
	}

	// The category becomes coarser: the published complaint stays where it is, through later changes
	// (rated, hidden and shown again); a complaint published now is at the new precision.
	live.Store(withPrecision(t, svc, "noise", 1000))
	noiseTk.Rating = 2
	for _, hidden := range []bool{false, true, false} {
		noise.Version++
		noiseTk.Hidden = hidden
		if err := svc.Sync(ctx, noise, noiseTk); err != nil {
			t.Fatal(err)
		}
	}
	if v, at := shownAt(t, svc, noise.Code); v.Lat != want.Lat || v.Lng != want.Lng || v.LocationPrecisionM != 100 || at[0] != want {
		t.Errorf("after the category changed, the published complaint moved to %v,%v (%d m), map %v; want it kept at %v",
			v.Lat, v.Lng, v.LocationPrecisionM, at[0], want)
	}
	later, laterTk := resolvedReport(svc, 3, "noise", 4)
	later.Location = home
	if err := svc.Sync(ctx, later, laterTk); err != nil {
		t.Fatal(err)
	}
	if v, _ := shownAt(t, svc, later.Code); v.LocationPrecisionM != 1000 || (jurisdiction.Point{Lat: v.Lat, Lng: v.Lng}) != jurisdiction.Snap(exact, 1000) {
		t.Errorf("a complaint published after the change: %v,%v at %d m, want %v at 1000 m", v.Lat, v.Lng, v.LocationPrecisionM, jurisdiction.Snap(exact, 1000))
	}

	// A record as the versions before public precisions wrote it: exact, not placed, and no mark.
	old, oldTk := resolvedReport(svc, 4, "noise", 4)
	old.Location = home
	live.Store(withPrecision(t, svc, "noise", 0))
	if err := svc.Sync(ctx, old, oldTk); err != nil {
		t.Fatal(err)
	}
	raw, err := s.Doc(ctx, publicmap.Records, old.Code)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	delete(rec, "placed")
	delete(rec, "precision_m")
	legacy, _ := json.Marshal(rec)
	if err := s.PutDocs(ctx, publicmap.Records, map[string][]byte{old.Code: legacy}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDocs(ctx, publicmap.Meta, []string{"public_locations"}); err != nil {
		t.Fatal(err)
	}
	live.Store(withPrecision(t, svc, "noise", 250))
	if rebuilt, err := svc.Upgrade(ctx); err != nil || !rebuilt {
		t.Fatalf("upgrade of a database without public locations: rebuilt %v, %v", rebuilt, err)
	}
	wantOld := jurisdiction.Snap(exact, 250)
	v, at = shownAt(t, svc, old.Code)
	for _, p := range append(at, jurisdiction.Point{Lat: v.Lat, Lng: v.Lng}) {
		if p != wantOld {
			t.Errorf("the report published at the exact point is shown at %v after the upgrade, want %v", p, wantOld)
		}
	}
	if v, _ := svc.Report(ctx, noise.Code); v.Lat != want.Lat || v.Lng != want.Lng {
		t.Errorf("the upgrade moved a placed report to %v,%v", v.Lat, v.Lng)
	}
	if rebuilt, err := svc.Upgrade(ctx); err != nil || rebuilt {
		t.Errorf("second start: rebuilt %v, %v", rebuilt, err)
	}

	// A legacy record met by a publication rather than the upgrade: placed then, and its exact point
	// taken off the map.
	met, metTk := resolvedReport(svc, 5, "noise", 4)
	met.Location = home
	live.Store(withPrecision(t, svc, "noise", 0))
	if err := svc.Sync(ctx, met, metTk); err != nil {
		t.Fatal(err)
	}
	if _, at := shownAt(t, svc, met.Code); at[0] != exact {
		t.Fatalf("set-up: shown at %v, want the exact point", at[0])
	}
	raw, err = s.Doc(ctx, publicmap.Records, met.Code)
	if err != nil {
		t.Fatal(err)
	}
	rec = nil
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	delete(rec, "placed")
	delete(rec, "precision_m")
	legacy, _ = json.Marshal(rec)
	if err := s.PutDocs(ctx, publicmap.Records, map[string][]byte{met.Code: legacy}); err != nil {
		t.Fatal(err)
	}
	live.Store(withPrecision(t, svc, "noise", 250))
	met.Version++
	if err := svc.Sync(ctx, met, metTk); err != nil {
		t.Fatal(err)
	}
	v, at = shownAt(t, svc, met.Code) // fails when the exact point is still on the map (shown 9 times)
	for _, p := range append(at, jurisdiction.Point{Lat: v.Lat, Lng: v.Lng}) {
		if p != wantOld {
			t.Errorf("the legacy report is shown at %v after a publication, want %v", p, wantOld)
		}
	}
}
