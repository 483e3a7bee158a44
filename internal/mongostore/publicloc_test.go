package mongostore

import (
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
// stays when the category's precision changes later.
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
}
