package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// mapBenchmark seeds n resolved reports' public summaries straight into the precomputed tile documents
// with publicmap.BuildPyramid (the code Rebuild writes the map with; publishing a million reports through
// the API one by one would take days here), then times map queries at zooms 8, 12 and 16 through the HTTP
// API and, in the same run, the same query done directly with the driver (publicmap.Service over the
// store: the same tile documents read by _id, decoded and filtered, no HTTP, no JSON encoding). Unfiltered
// queries read only the small tile documents; filtered ones (a category and the last year) also read
// the tiles' breakdowns (at zoom 8, those of level 10: the top level has none), which each process caches:
// the first such query of a process is timed apart ("cold").
func mapBenchmark(results *[]Result, base, mongoURI, database string, n, rounds int) error {
	ctx := context.Background()
	store, err := mongostore.Open(ctx, mongoURI, database, mongostore.Options{})
	if err != nil {
		return err
	}
	defer store.Close(ctx)

	start := time.Now()
	seed, err := seedTiles(ctx, store, n)
	if err != nil {
		return err
	}
	seedTime := time.Since(start)
	note := fmt.Sprintf("%d reports in %d docs, %.1f MB: %d leaves and %d cluster tiles in map_tiles, %d breakdowns in map_breakdowns (%.1f MB); largest tile doc %.1f KB, largest breakdown %.1f KB; seeded in %s",
		n, seed.docs, float64(seed.bytes)/1e6, seed.leaves, seed.clusters, seed.breakdowns, float64(seed.breakdownBytes)/1e6,
		float64(seed.largestTile)/1e3, float64(seed.largestBreakdown)/1e3, seedTime.Round(time.Second))
	*results = append(*results, Result{Name: "map.seed_seconds", Value: round(seedTime.Seconds()), Unit: "s", Note: note})

	svc := &publicmap.Service{Store: store}
	since := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC) // the last year of the seeded receipts
	filtered := publicmap.Filter{Category: "road_damage", Since: since}
	// Around Hạ Long, Bãi Cháy, the densest area of the synthetic data: unfiltered queries pan over a
	// 10 × 17 km area (a new box each round, the same for both paths), filtered ones repeat one box (the
	// first is cold, the rest use the cached breakdowns). Boxes are a 1280 × 800 px screen.
	const lat, lng = 20.955, 107.05
	box := func(lat, lng float64, zoom int) publicmap.BBox {
		degPerPx := 360 / (256 * math.Pow(2, float64(zoom)))
		return publicmap.BBox{MinLng: lng - 640*degPerPx, MaxLng: lng + 640*degPerPx,
			MinLat: lat - 400*degPerPx*math.Cos(lat*math.Pi/180), MaxLat: lat + 400*degPerPx*math.Cos(lat*math.Pi/180)}
	}
	pan := rand.New(rand.NewPCG(3, 4))
	for _, zoom := range []int{8, 12, 16} {
		for _, q := range []struct {
			name string
			f    publicmap.Filter
		}{{"", publicmap.Filter{}}, {".filtered", filtered}} {
			var api, direct []time.Duration
			features, bodyBytes, tiles, level := 0, 0, 0, 0
			for range rounds + 1 {
				b := box(lat, lng, zoom)
				if q.f.IsZero() {
					b = box(lat+(pan.Float64()-0.5)*0.1, lng+(pan.Float64()-0.5)*0.16, zoom)
				}
				var ids []string
				level, ids = publicmap.Plan(b, zoom, !q.f.IsZero())
				tiles = max(tiles, len(ids))
				u := fmt.Sprintf("%s/v1/public/map?bbox=%f,%f,%f,%f&zoom=%d", base, b.MinLng, b.MinLat, b.MaxLng, b.MaxLat, zoom)
				if q.f.Category != "" {
					u += "&category=" + url.QueryEscape(q.f.Category) + "&since=" + q.f.Since.Format(time.DateOnly)
				}
				t0 := time.Now()
				resp, err := http.Get(u)
				if err != nil {
					return err
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("map zoom %d: %d %s", zoom, resp.StatusCode, body)
				}
				api = append(api, time.Since(t0))
				var fc struct{ Features []json.RawMessage }
				_ = json.Unmarshal(body, &fc)
				features, bodyBytes = max(features, len(fc.Features)), max(bodyBytes, len(body))

				t0 = time.Now()
				if _, _, err := svc.Map(ctx, b, zoom, q.f, ""); err != nil {
					return err
				}
				direct = append(direct, time.Since(t0))
			}
			qnote := fmt.Sprintf("up to %d features (%.1f KB of JSON), level %d, up to %d tiles read by _id; %d queries after the first; load average %s; %s",
				features, float64(bodyBytes)/1e3, level, tiles, rounds, loadAverage(), note)
			if q.f.Category != "" {
				qnote = "category road_damage, since " + since.Format(time.DateOnly) + "; " + qnote
			}
			for _, m := range []struct {
				name string
				d    []time.Duration
			}{{"api", api}, {"driver", direct}} {
				name := fmt.Sprintf("map.z%d%s.%s", zoom, q.name, m.name)
				p50, p95 := percentile(m.d[1:], 0.50), percentile(m.d[1:], 0.95)
				if q.f.Category != "" {
					*results = append(*results, Result{Name: name + ".cold", Value: round(ms(m.d[0])), Unit: "ms", Note: "first filtered query of the process (breakdowns not cached); " + qnote})
				}
				*results = append(*results,
					Result{Name: name + ".p50", Value: round(ms(p50)), Unit: "ms", Note: qnote},
					Result{Name: name + ".p95", Value: round(ms(p95)), Unit: "ms", Note: qnote})
			}
			*results = append(*results, Result{Name: fmt.Sprintf("map.z%d%s.ratio", zoom, q.name),
				Value: round(float64(percentile(direct[1:], 0.95)) / float64(percentile(api[1:], 0.95))), Unit: "driver p95 / api p95", Note: qnote})
		}
	}
	return publishBenchmark(ctx, results, store, note)
}

// publishBenchmark times Service.Sync of new resolved reports at Bãi Cháy into the seeded pyramid: the
// record written, the leaf patched, its five cluster ancestors rebuilt from the changed child and their own
// cells (with a new breakdown each but the top one), the statistics updated.
func publishBenchmark(ctx context.Context, results *[]Result, store *mongostore.Store, note string) error {
	places := jurisdiction.Default()
	cat, err := catalogue.Seed(places)
	if err != nil {
		return err
	}
	cal, err := workcal.Default()
	if err != nil {
		return err
	}
	svc := &publicmap.Service{Store: store, Catalogue: func() *catalogue.Catalogue { return cat }, Places: places, Calendar: cal}
	const n = 10
	var took []time.Duration
	for i := range n {
		created := time.Date(2025, 11, 3, 8, 0, 0, 0, workcal.Location())
		r := report.Report{ID: fmt.Sprintf("bench-%d", i), Code: fmt.Sprintf("QN-BENCH-NEW-%02d", i), Category: "road_damage",
			Description: "benchmark", PublishConsent: true, Location: report.Location{Lat: 20.955 + float64(i)*0.001, Lng: 107.05},
			Status: report.Resolved, Version: 3, CreatedAt: created.UTC(),
			Routing: catalogue.Decision{AgencyID: "ubnd-06673", CommuneCode: "06673"}}
		t := report.Ticket{ResolvedAt: created.Add(5 * time.Hour).UTC(), ResolveBy: created.Add(48 * time.Hour).UTC()}
		t0 := time.Now()
		if err := svc.Sync(ctx, r, t); err != nil {
			return err
		}
		took = append(took, time.Since(t0))
	}
	pnote := fmt.Sprintf("Service.Sync of %d new resolved reports one after the other at Bãi Cháy (record, leaf, 5 cluster tiles, 4 breakdowns, statistics); load average %s; %s",
		n, loadAverage(), note)
	*results = append(*results,
		Result{Name: "map.publish.first", Value: round(ms(took[0])), Unit: "ms", Note: "the first, breakdowns not yet cached; " + pnote},
		Result{Name: "map.publish.p50", Value: round(ms(percentile(took[1:], 0.5))), Unit: "ms", Note: "the others; " + pnote},
		Result{Name: "map.publish.max", Value: round(ms(percentile(took[1:], 1))), Unit: "ms", Note: "the others; " + pnote})
	return nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

type seedStats struct {
	docs, leaves, clusters, breakdowns                   int
	bytes, breakdownBytes, largestTile, largestBreakdown int
}

// seedTiles places n synthetic resolved reports over the province and writes their tile pyramid. A report
// falls in a commune-level unit picked with weight 6 for wards (phường, the towns), 1 for rural communes
// and 2 for the island special zones; in a ward, two thirds are drawn around its centre (σ about 1.5 km,
// the town centre), the rest anywhere in its polygon. Categories and handling agencies follow the seed
// catalogue's routing; receipts spread over the two years to 1 December 2025.
func seedTiles(ctx context.Context, store *mongostore.Store, n int) (seedStats, error) {
	leaves, err := benchLeaves(n)
	if err != nil {
		return seedStats{}, err
	}
	var st seedStats
	err = publicmap.BuildPyramid(leaves, func(c publicmap.Collection, docs map[string][]byte) error {
		for key, d := range docs {
			st.docs++
			st.bytes += len(d)
			doc, _, _ := strings.Cut(key, "#") // a breakdown's _id is its tile's, then its name
			id, _ := publicmap.TileOfDoc(doc)
			switch z, _, _, _ := publicmap.ParseTileID(id); {
			case c == publicmap.Breakdowns:
				st.breakdowns++
				st.breakdownBytes += len(d)
				st.largestBreakdown = max(st.largestBreakdown, len(d))
			case z == publicmap.LeafLevel:
				st.leaves++
				st.largestTile = max(st.largestTile, len(d))
			default:
				st.clusters++
				st.largestTile = max(st.largestTile, len(d))
			}
		}
		return store.PutDocs(ctx, c, docs)
	})
	return st, err
}

// benchLeaves are the leaf tiles of n synthetic resolved reports (see seedTiles).
func benchLeaves(n int) (map[string]*publicmap.Tile, error) {
	places := jurisdiction.Default()
	cat, err := catalogue.Seed(places)
	if err != nil {
		return nil, err
	}
	var cats []catalogue.Category
	for _, c := range cat.Categories() {
		if !c.Sensitive {
			cats = append(cats, c)
		}
	}
	communes := places.All()
	bounds, err := communeBounds()
	if err != nil {
		return nil, err
	}
	weights := make([]float64, len(communes))
	total := 0.0
	for i, c := range communes {
		switch c.UnitType {
		case jurisdiction.UnitWard:
			weights[i] = 6
		case jurisdiction.UnitSpecialZone:
			weights[i] = 2
		default:
			weights[i] = 1
		}
		total += weights[i]
	}
	pick := func(r float64) int {
		r *= total
		for i, w := range weights {
			if r < w {
				return i
			}
			r -= w
		}
		return len(weights) - 1
	}
	rng := rand.New(rand.NewPCG(1, 2))
	leaves := map[string]*publicmap.Tile{}
	day0 := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		c := communes[pick(rng.Float64())]
		bb := bounds[c.Code]
		var lat, lng float64
		for try := 0; ; try++ {
			if c.UnitType == jurisdiction.UnitWard && rng.IntN(3) < 2 {
				lat, lng = c.Centroid.Lat+rng.NormFloat64()*0.014, c.Centroid.Lng+rng.NormFloat64()*0.014
			} else {
				lat, lng = bb.MinLat+rng.Float64()*(bb.MaxLat-bb.MinLat), bb.MinLng+rng.Float64()*(bb.MaxLng-bb.MinLng)
			}
			if got, ok := places.Locate(jurisdiction.Point{Lat: lat, Lng: lng}); (ok && got.Code == c.Code) || try == 50 {
				break
			}
		}
		k := cats[rng.IntN(len(cats))]
		agency := k.Handler
		if agency == catalogue.HandlerCommune {
			agency = catalogue.CommuneAgencyID(c.Code)
		}
		recv := day0.AddDate(0, 0, -rng.IntN(730))
		lat, lng = math.Round(lat*1e6)/1e6, math.Round(lng*1e6)/1e6
		s := publicmap.Summary{Code: fmt.Sprintf("QN-BENCH-%07d", i), Lat: lat, Lng: lng,
			Category: k.Code, Agency: agency, Commune: c.Code,
			Received: recv.Year()*10000 + int(recv.Month())*100 + recv.Day(), Resolved: recv.Add(30 * time.Hour).Unix(),
			OnTime: rng.IntN(10) < 8, V: 1}
		id := publicmap.LeafOf(lat, lng)
		t := leaves[id]
		if t == nil {
			z, x, y, _ := publicmap.ParseTileID(id)
			t = &publicmap.Tile{Z: z, X: x, Y: y}
			leaves[id] = t
		}
		t.Points = append(t.Points, s)
	}
	return leaves, nil
}

// communeBounds are the communes' bounding boxes, by code.
func communeBounds() (map[string]publicmap.BBox, error) {
	bs, err := jurisdiction.Boundaries(0)
	if err != nil {
		return nil, err
	}
	out := map[string]publicmap.BBox{}
	for _, b := range bs {
		if b.Kind != "commune" {
			continue
		}
		bb := publicmap.BBox{MinLng: 180, MinLat: 90, MaxLng: -180, MaxLat: -90}
		for _, poly := range b.Polygons {
			for _, p := range poly[0] {
				bb.MinLng, bb.MaxLng = min(bb.MinLng, p[0]), max(bb.MaxLng, p[0])
				bb.MinLat, bb.MaxLat = min(bb.MinLat, p[1]), max(bb.MaxLat, p[1])
			}
		}
		out[b.Code] = bb
	}
	return out, nil
}
