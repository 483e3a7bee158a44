package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// open311Benchmark publishes n resolved reports received over the last 89 days around Hạ Long (through
// publicmap.Service.SyncAll, as resolutions publish them: records, tiles, statistics and the request day
// indexes), then loads, at conns connections for dur each and in the same run, Open311 GET requests in
// JSON and in XML (the default 90-day window: the newest 1000), the same filtered by one service, and the
// public map at zoom 12 over the same reports.
func open311Benchmark(rs *results, st *stack, n int, dur time.Duration, conns int) error {
	svc, err := st.startApp("open311", nil)
	if err != nil {
		return err
	}
	defer svc.stop()
	ctx := context.Background()
	store, err := mongostore.Open(ctx, st.srv.MongoURI, st.database("open311"), mongostore.Options{})
	if err != nil {
		return err
	}
	defer store.Close(ctx)
	places := jurisdiction.Default()
	cat, err := catalogue.Seed(places)
	if err != nil {
		return err
	}
	cal, err := workcal.Default()
	if err != nil {
		return err
	}
	pub := &publicmap.Service{Store: store, Catalogue: func() *catalogue.Catalogue { return cat }, Places: places, Calendar: cal}
	cats := []string{"road_damage", "garbage", "streetlight", "flooding", "fallen_tree", "sidewalk_encroachment"}
	rng := rand.New(rand.NewPCG(20, 311))
	now := time.Now()
	t0 := time.Now()
	const batch = 500
	for first := 0; first < n; first += batch {
		var items []publicmap.Item
		for i := first; i < min(n, first+batch); i++ {
			created := now.Add(-time.Duration(rng.Int64N(int64(89 * 24 * time.Hour)))).UTC().Truncate(time.Second)
			resolved := created.Add(time.Duration(2+rng.IntN(72)) * time.Hour)
			r := report.Report{ID: fmt.Sprintf("o311-%07d", i), Code: fmt.Sprintf("QN-O311-%07d", i), Category: cats[i%len(cats)],
				Description:    "Phản ánh thử nghiệm số " + fmt.Sprint(i) + ": ổ gà lớn giữa đường, xe máy đi qua rất nguy hiểm vào ban đêm.",
				PublishConsent: true, Status: report.Resolved, Version: 3, CreatedAt: created,
				Location: report.Location{Lat: 20.93 + rng.Float64()*0.06, Lng: 107.0 + rng.Float64()*0.12},
				Routing:  catalogue.Decision{AgencyID: "ubnd-06673", CommuneCode: "06673"},
				Timeline: []report.Event{{At: resolved, Action: string(report.ActionResolve), Note: "Đã xử lý xong, cảm ơn bạn đã phản ánh."}}}
			t := report.Ticket{ResolvedAt: resolved, ResolveBy: created.Add(72 * time.Hour)}
			items = append(items, publicmap.Item{Report: r, Ticket: t})
		}
		if err := pub.SyncAll(ctx, items); err != nil {
			return fmt.Errorf("publish reports %d+: %w", first, err)
		}
	}
	note := fmt.Sprintf("%d public reports received over 89 days (about %d a day, 6 services) published with SyncAll in %s; %d keep-alive connections × %s each; load average %s",
		n, n/89, time.Since(t0).Round(time.Second), conns, dur, loadAverage())

	// size is an answer's bytes as sent to a client that accepts gzip (as Go's, the load's, does) and not.
	size := func(url string) string {
		n := map[string]int{}
		for _, enc := range []string{"identity", "gzip"} {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Accept-Encoding", enc)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return "?"
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			n[enc] = len(b)
		}
		if n["gzip"] == n["identity"] {
			return fmt.Sprintf("%.0f KB a response", float64(n["identity"])/1e3)
		}
		return fmt.Sprintf("%.0f KB a response (%.0f KB gzipped, as the load receives it)", float64(n["identity"])/1e3, float64(n["gzip"])/1e3)
	}
	mapURL := svc.url + "/v1/public/map?bbox=106.99,20.92,107.13,21.0&zoom=12"
	routes := []struct{ name, url, what string }{
		{"open311.requests_json", svc.url + "/open311/v2/requests.json", "GET requests.json, default window (the newest 1000)"},
		{"open311.requests_xml", svc.url + "/open311/v2/requests.xml", "GET requests.xml, default window (the newest 1000)"},
		{"open311.requests_service_json", svc.url + "/open311/v2/requests.json?service_code=garbage", "GET requests.json?service_code=garbage (the newest 1000 of one service)"},
		{"open311.public_map_z12", mapURL, "GET /v1/public/map at zoom 12 over the same reports"},
	}
	var mapRPS float64
	got := map[string]float64{}
	for _, r := range routes {
		s := load(r.url, dur, conns)
		s.report(rs, r.name, "req/s", fmt.Sprintf("%s, %s; %s", r.what, size(r.url), note))
		got[r.name] = s.rps
		if r.name == "open311.public_map_z12" {
			mapRPS = s.rps
		}
	}
	if mapRPS > 0 {
		for _, name := range []string{"open311.requests_json", "open311.requests_xml", "open311.requests_service_json"} {
			rs.add(name+".ratio_to_map", got[name]/mapRPS, "ratio", "req/s of "+name+" ÷ req/s of the public map at zoom 12, same run; "+note)
		}
	}
	return nil
}
