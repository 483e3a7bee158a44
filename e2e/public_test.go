package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/app"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// demoPublic is how many demo reports are public: those without consent (i%17 == 5) or hidden
// (i%29 == 7) are not.
func demoPublic() int {
	n := 0
	for i := range app.DemoReports {
		if i%17 != 5 && i%29 != 7 {
			n++
		}
	}
	return n
}

// province is a box around the whole province.
const province = "106.3,20.6,108.3,21.8"

func getMap(t *testing.T, c *api.ClientWithResponses, bbox string, zoom int, edit ...func(*api.GetPublicMapParams)) *api.GetPublicMapResponse {
	t.Helper()
	p := &api.GetPublicMapParams{Bbox: bbox, Zoom: zoom}
	for _, e := range edit {
		e(p)
	}
	r, err := c.GetPublicMapWithResponse(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func featureCollection(t *testing.T, r *api.GetPublicMapResponse) api.PublicFeatureCollection {
	t.Helper()
	if r.StatusCode() != http.StatusOK {
		t.Fatalf("map: %d %s", r.StatusCode(), r.Body)
	}
	var fc api.PublicFeatureCollection
	if err := json.Unmarshal(r.Body, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) > 500 {
		t.Fatalf("not a capped FeatureCollection: %s, %d features", fc.Type, len(fc.Features))
	}
	return fc
}

// tally counts the reports a collection shows, and its clusters and points.
func tally(fc api.PublicFeatureCollection) (reports, clusters, points int) {
	for _, f := range fc.Features {
		if f.Properties.Cluster {
			clusters++
			reports += *f.Properties.Count
		} else {
			points++
			reports++
		}
	}
	return
}

func TestPublicMapAPI(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()

	// Zoom 8: the whole province in clusters, every public demo report counted once.
	r8 := getMap(t, c, province, 8)
	n, clusters, points := tally(featureCollection(t, r8))
	if n != demoPublic() || points != 0 || clusters == 0 {
		t.Errorf("zoom 8: %d reports in %d clusters and %d points, want %d in clusters only", n, clusters, points, demoPublic())
	}
	if cc := r8.HTTPResponse.Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control = %q", cc)
	}
	// The ETag comes back as a 304 with no body.
	etag := r8.HTTPResponse.Header.Get("ETag")
	r304 := getMap(t, c, province, 8, func(p *api.GetPublicMapParams) { p.IfNoneMatch = &etag })
	if r304.StatusCode() != http.StatusNotModified || len(r304.Body) != 0 || r304.HTTPResponse.Header.Get("ETag") != etag {
		t.Errorf("If-None-Match: %d %q", r304.StatusCode(), r304.Body)
	}

	// Zoom 12 and 16 around one public report: its point, with names, and nothing private.
	pub, err := c.GetPublicReportWithResponse(ctx, "QN-DEMO-0000")
	if err != nil || pub.JSON200 == nil {
		t.Fatalf("public report: %v %s", err, pub.Body)
	}
	lng, lat := pub.JSON200.Location.Coordinates[0], pub.JSON200.Location.Coordinates[1]
	near := fmt.Sprintf("%f,%f,%f,%f", lng-0.005, lat-0.005, lng+0.005, lat+0.005)
	for _, zoom := range []int{12, 16} {
		fc := featureCollection(t, getMap(t, c, near, zoom))
		found := false
		for _, f := range fc.Features {
			if !f.Properties.Cluster && *f.Properties.Code == "QN-DEMO-0000" {
				found = *f.Properties.CategoryNameVi != "" && *f.Properties.CommuneName != "" && f.Properties.OnTime != nil
			}
		}
		if !found {
			t.Errorf("zoom %d: QN-DEMO-0000 is not a named point in %+v", zoom, fc.Features)
		}
	}
	body := strings.ToLower(string(pub.Body))
	for _, private := range []string{"reporter", "phone", "internal", "followers", "address"} {
		if strings.Contains(body, private) {
			t.Errorf("public report mentions %q: %s", private, pub.Body)
		}
	}
	if d := pub.JSON200; d.Reply == nil || *d.Reply == "" || d.AgencyNameVi == nil || d.ResolvedAt.Before(d.ReceivedAt) {
		t.Errorf("public report lacks reply, agency or dates: %s", pub.Body)
	}
	// Not public: no consent (5), hidden (7), unknown.
	for _, code := range []string{"QN-DEMO-0005", "QN-DEMO-0007", "QN-0000-00000"} {
		r, _ := c.GetPublicReportWithResponse(ctx, code)
		expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusNotFound)
		fc := featureCollection(t, getMap(t, c, province, 16))
		for _, f := range fc.Features {
			if f.Properties.Code != nil && *f.Properties.Code == code {
				t.Errorf("%s is on the map", code)
			}
		}
	}

	// Filters: by category at zoom 8 (clusters) and 16 (points) agree, and only that category shows.
	cat := pub.JSON200.Category
	byCat := func(p *api.GetPublicMapParams) { p.Category = &cat }
	n8, _, _ := tally(featureCollection(t, getMap(t, c, province, 8, byCat)))
	fc16 := featureCollection(t, getMap(t, c, province, 16, byCat))
	n16, _, _ := tally(fc16)
	if n8 == 0 || n8 != n16 || n8 >= demoPublic() {
		t.Errorf("category %s: %d at zoom 8, %d at zoom 16 (of %d)", cat, n8, n16, demoPublic())
	}
	for _, f := range fc16.Features {
		if !f.Properties.Cluster && *f.Properties.Category != cat {
			t.Errorf("filter by %s let %s through", cat, *f.Properties.Category)
		}
	}
	commune := pub.JSON200.Commune
	nc, _, _ := tally(featureCollection(t, getMap(t, c, province, 14, func(p *api.GetPublicMapParams) { p.Commune = &commune })))
	if nc == 0 || nc >= demoPublic() {
		t.Errorf("commune %s: %d reports", commune, nc)
	}

	// Statistics: JSON and CSV agree; every public report was received in the last 90 days.
	from, to := time.Now().AddDate(0, 0, -100), time.Now()
	st, err := c.GetPublicStatsWithResponse(ctx, &api.GetPublicStatsParams{From: dateOf(from), To: dateOf(to), By: api.GetPublicStatsParamsByAgency})
	if err != nil || st.JSON200 == nil {
		t.Fatalf("stats: %v %s", err, st.Body)
	}
	received := 0
	for _, row := range st.JSON200.Items {
		received += row.Received
		if row.Resolved > 0 && (row.OnTimeShare == nil || row.MedianHours == nil || *row.OnTimeShare < 0 || *row.OnTimeShare > 1) {
			t.Errorf("row %+v lacks figures", row)
		}
	}
	if received != app.DemoReports {
		t.Errorf("received %d, want every demo report (%d)", received, app.DemoReports)
	}
	format := api.Csv
	sc, err := c.GetPublicStatsWithResponse(ctx, &api.GetPublicStatsParams{From: dateOf(from), To: dateOf(to), By: api.GetPublicStatsParamsByAgency, Format: &format})
	if err != nil || !strings.HasPrefix(sc.HTTPResponse.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %v %v", err, sc.HTTPResponse.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(string(sc.Body))).ReadAll()
	if err != nil || len(recs) != len(st.JSON200.Items)+1 || strings.Join(recs[0], ",") != "key,name_vi,name_en,received,resolved,on_time_share,median_hours,avg_rating" {
		t.Errorf("csv: %v %q", err, sc.Body)
	}

	// Boundaries: 54 communes and the outline, closed rings, a long cache.
	bd, err := c.GetPublicBoundariesWithResponse(ctx)
	if err != nil || bd.StatusCode() != http.StatusOK {
		t.Fatalf("boundaries: %v", err)
	}
	var fc api.BoundaryCollection
	if err := json.Unmarshal(bd.Body, &fc); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, f := range fc.Features {
		kinds[string(f.Properties.Kind)]++
		if f.Geometry.Type != "MultiPolygon" || len(f.Geometry.Coordinates) == 0 {
			t.Fatalf("bad geometry for %v", f.Properties.Code)
		}
		for _, poly := range f.Geometry.Coordinates {
			for _, ring := range poly {
				first, last := ring[0], ring[len(ring)-1]
				if len(ring) < 4 || first[0] != last[0] || first[1] != last[1] {
					t.Fatalf("%v: ring not closed or too short", f.Properties.Code)
				}
			}
		}
	}
	if kinds["commune"] != 54 || kinds["province"] != 1 {
		t.Errorf("boundaries: %v", kinds)
	}
	if cc := bd.HTTPResponse.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=86400") || len(bd.Body) > 2<<20 {
		t.Errorf("boundaries: Cache-Control %q, %d bytes", cc, len(bd.Body))
	}
}

func dateOf(t time.Time) (d openapi_types.Date) {
	d.Time = t
	return d
}

func TestPublicBadParams(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	for _, tc := range []struct{ query, field string }{
		{"/v1/public/map?bbox=1,2,3&zoom=8", "query.bbox"},
		{"/v1/public/map?bbox=107,21,106,22&zoom=8", "query.bbox"},
		{"/v1/public/map?bbox=107,x,108,22&zoom=8", "query.bbox"},
		{"/v1/public/map?bbox=107,21,108,22&zoom=40", "query.zoom"},
		{"/v1/public/map?bbox=107,21,108,22", "query.zoom"},
		{"/v1/public/map?bbox=107,21,108,22&zoom=9&since=yesterday", "query.since"},
		{"/v1/public/map?bbox=107,21,108,22&zoom=9&since=2026-05-02&until=2026-05-01", "query.until"},
		{"/v1/public/stats?from=2026-01-01&to=2026-01-31&by=color", "query.by"},
		{"/v1/public/stats?from=2026-02-01&to=2026-01-31&by=agency", "query.to"},
		{"/v1/public/stats?from=2024-01-01&to=2026-01-31&by=agency", "query.to"},
		{"/v1/public/stats?from=2026-13-01&to=2026-01-31&by=agency", "query.from"},
	} {
		resp, err := http.Get(a.URL + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		p := expectProblemBody(t, resp, b, http.StatusBadRequest)
		found := false
		if p.Errors != nil {
			for _, e := range *p.Errors {
				found = found || e.Field == tc.field
			}
		}
		if !found {
			t.Errorf("%s: problem does not name %s: %s", tc.query, tc.field, b)
		}
	}
}
