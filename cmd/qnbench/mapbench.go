package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"sort"
	"time"

	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/publicmap"
)

// mapBenchmark seeds n resolved reports' public summaries straight into the precomputed tile documents
// (the production read path; publishing a million reports through the API one by one would take hours),
// then times map queries at zooms 8, 12 and 16 through the HTTP API and, in the same run, the same query
// done directly with the driver (the same tile documents read by _id, decoded and filtered).
func mapBenchmark(results *[]Result, base, mongoURI, database string, n, rounds int) error {
	ctx := context.Background()
	store, err := mongostore.Open(ctx, mongoURI, database, mongostore.Options{})
	if err != nil {
		return err
	}
	defer store.Close(ctx)

	start := time.Now()
	tiles, bytes, largest, err := seedTiles(ctx, store, n)
	if err != nil {
		return err
	}
	seedTime := time.Since(start)
	note := fmt.Sprintf("%d reports in %d tile docs, %.1f MB, largest %.2f MB; seeded in %s", n, tiles,
		float64(bytes)/1e6, float64(largest)/1e6, seedTime.Round(time.Second))
	*results = append(*results, Result{Name: "map.seed_seconds", Value: round(seedTime.Seconds()), Unit: "s", Note: note})

	svc := &publicmap.Service{Store: store}
	// Ha Long, Bãi Cháy: the densest area of the synthetic data. Boxes are a 1280 × 800 px screen.
	const lat, lng = 20.955, 107.05
	for _, zoom := range []int{8, 12, 16} {
		degPerPx := 360 / (256 * math.Pow(2, float64(zoom)))
		b := publicmap.BBox{MinLng: lng - 640*degPerPx, MaxLng: lng + 640*degPerPx,
			MinLat: lat - 400*degPerPx*math.Cos(lat*math.Pi/180), MaxLat: lat + 400*degPerPx*math.Cos(lat*math.Pi/180)}
		url := fmt.Sprintf("%s/v1/public/map?bbox=%f,%f,%f,%f&zoom=%d", base, b.MinLng, b.MinLat, b.MaxLng, b.MaxLat, zoom)
		var api, direct []time.Duration
		features := 0
		for range rounds {
			t0 := time.Now()
			resp, err := http.Get(url)
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
			features = len(fc.Features)

			t0 = time.Now()
			if _, _, err := svc.Map(ctx, b, zoom, publicmap.Filter{}, ""); err != nil {
				return err
			}
			direct = append(direct, time.Since(t0))
		}
		level, ids := publicmap.Plan(b, zoom)
		qnote := fmt.Sprintf("%d features, level %d, %d tiles read by _id; %s", features, level, len(ids), note)
		for _, m := range []struct {
			name string
			d    []time.Duration
		}{{"api", api}, {"driver", direct}} {
			p50, p95 := percentile(m.d, 0.50), percentile(m.d, 0.95)
			*results = append(*results,
				Result{Name: fmt.Sprintf("map.z%d.%s.p50", zoom, m.name), Value: round(float64(p50.Microseconds()) / 1000), Unit: "ms", Note: qnote},
				Result{Name: fmt.Sprintf("map.z%d.%s.p95", zoom, m.name), Value: round(float64(p95.Microseconds()) / 1000), Unit: "ms", Note: qnote})
		}
	}
	return nil
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// seedTiles builds the tile pyramid of n synthetic reports in memory (around the communes' centres, a
// year of receipt dates, twenty categories) and writes it. It returns the number of documents, their
// total size and the largest.
func seedTiles(ctx context.Context, store *mongostore.Store, n int) (docs, total, largest int, err error) {
	communes := jurisdiction.Default().All()
	rng := rand.New(rand.NewPCG(1, 2))
	leaves := map[string]*publicmap.Tile{}
	day0 := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		c := communes[rng.IntN(len(communes))]
		lat, lng := c.Centroid.Lat+rng.NormFloat64()*0.02, c.Centroid.Lng+rng.NormFloat64()*0.02
		recv := day0.AddDate(0, 0, rng.IntN(365))
		s := publicmap.Summary{Code: fmt.Sprintf("QN-BENCH-%07d", i), Lat: lat, Lng: lng,
			Category: fmt.Sprintf("cat_%02d", rng.IntN(20)), Agency: "ubnd-" + c.Code, Commune: c.Code,
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
		t.N++
	}
	level := map[string]publicmap.Tile{}
	for id, t := range leaves {
		sort.Slice(t.Points, func(i, j int) bool { return t.Points[i].Code < t.Points[j].Code })
		level[id] = *t
	}
	for len(level) > 0 {
		out := map[string][]byte{}
		parents := map[string][]publicmap.Tile{}
		for id, t := range level {
			b, err := json.Marshal(t)
			if err != nil {
				return 0, 0, 0, err
			}
			out[id] = b
			docs++
			total += len(b)
			largest = max(largest, len(b))
			if p := publicmap.ParentOf(id); p != "" {
				parents[p] = append(parents[p], t)
			}
			if len(out) == 100 {
				if err := store.PutDocs(ctx, publicmap.Tiles, out); err != nil {
					return 0, 0, 0, err
				}
				out = map[string][]byte{}
			}
		}
		if err := store.PutDocs(ctx, publicmap.Tiles, out); err != nil {
			return 0, 0, 0, err
		}
		level = map[string]publicmap.Tile{}
		for id, children := range parents {
			level[id] = publicmap.BuildParent(id, children)
		}
	}
	return docs, total, largest, nil
}
