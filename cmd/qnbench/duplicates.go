package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/quangninh/feedback/internal/media"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/photohash"
	"github.com/quangninh/feedback/internal/photohash/evalset"
	"github.com/quangninh/feedback/internal/report"
)

// duplicatesBenchmarks measures finding duplicates by photo: the fingerprint's precision and recall on the
// evaluation set at photohash.Threshold, its CPU cost on a 12 MP photo beside the derivatives the worker
// makes anyway, and the candidate lookup (report.Similar.Find: nine bucket documents read by _id, then
// ranked) with n open reports seeded into the buckets, beside the same read done with the raw driver.
func duplicatesBenchmarks(rs *results, st *stack, variants, n, rounds int) error {
	if err := fingerprintQuality(rs, variants); err != nil {
		return err
	}
	if err := fingerprintCost(rs); err != nil {
		return err
	}
	return candidateLookup(rs, st, n, rounds)
}

func fingerprintQuality(rs *results, variants int) error {
	scenes, err := evalset.Scenes()
	if err != nil {
		return err
	}
	samples, err := evalset.Samples(scenes, variants, 1)
	if err != nil {
		return err
	}
	pos, neg := evalset.Pairs(samples)
	var ofScene []evalset.Pair
	for _, p := range pos {
		if p.A.Change == nil {
			ofScene = append(ofScene, p)
		}
	}
	s := evalset.Evaluate(ofScene, neg, photohash.Threshold)
	all := evalset.Evaluate(pos, neg, photohash.Threshold)
	set := fmt.Sprintf("%d real photographs (evalset, ≤ 1024 px) × %d generated variants each (crop ≤ %.0f%% of each side, rotation ≤ %d°, brightness ±40/255, contrast ×0.7-1.3, scale ×0.4-1, JPEG q40-90, all at once)",
		len(scenes), variants, 100*evalset.MaxCrop, evalset.MaxRotateDeg)
	rs.add("dup.precision", s.Precision, "ratio", fmt.Sprintf("photo taken for the same scene at distance ≤ %d bits: %d of %d pairs of a scene and its own variant matched, %d of %d pairs of different scenes did; %s", photohash.Threshold, s.TruePositives, s.Positives, s.FalsePositives, s.Negatives, set))
	rs.add("dup.recall", s.Recall, "ratio", fmt.Sprintf("scene vs its own variants; largest same-scene distance %d, smallest different-scene distance %d bits", s.LargestPositiveDistance, s.SmallestNegative))
	rs.add("dup.recall_two_variants", all.Recall, "ratio", fmt.Sprintf("any two photos of a scene, including two variants of it (each cropped and tilted its own way): %d of %d matched; precision %.3f", all.TruePositives, all.Positives, all.Precision))
	return nil
}

// fingerprintCost times, on a 12 MP JPEG, what the worker does anyway (decode, derivatives) and the
// fingerprint it adds (from the thumbnail's pixels), and the pre-filing path (decode the upload upright to
// thumbnail size, fingerprint it).
func fingerprintCost(rs *results) error {
	scenes, err := evalset.Scenes()
	if err != nil {
		return err
	}
	var src *image.RGBA
	for _, s := range scenes {
		if s.Name == "mate-Storm" {
			src = s.Image
		}
	}
	if src == nil {
		return fmt.Errorf("no scene mate-Storm")
	}
	b := src.Bounds()
	big, err := evalset.Change{Scale: 4000 / float64(b.Dx()), Contrast: 1, Quality: 92}.Apply(src)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, big, &jpeg.Options{Quality: 92}); err != nil {
		return err
	}
	photo := buf.Bytes()
	w, h := big.Bounds().Dx(), big.Bounds().Dy()
	ctx := context.Background()
	const rounds = 5
	var derive, look, upright []time.Duration
	for range rounds {
		t0 := time.Now()
		_, thumb, err := media.Derive(ctx, bytes.NewReader(photo))
		if err != nil {
			return err
		}
		t1 := time.Now()
		photohash.Of(thumb.Pixels)
		t2 := time.Now()
		img, err := media.DeriveOptions{}.Upright(ctx, bytes.NewReader(photo), media.DefaultThumbSide)
		if err != nil {
			return err
		}
		photohash.Of(img)
		t3 := time.Now()
		derive, look, upright = append(derive, t1.Sub(t0)), append(look, t2.Sub(t1)), append(upright, t3.Sub(t2))
	}
	d, l, u := percentile(derive, 0.5), percentile(look, 0.5), percentile(upright, 0.5)
	photoNote := fmt.Sprintf("%d × %d JPEG (%.1f MP, %.2f MiB); median of %d", w, h, float64(w*h)/1e6, mb(int64(len(photo))), rounds)
	rs.add("dup.fingerprint_ms", ms(l), "ms", fmt.Sprintf("photohash.Of on the upright 400 px thumbnail the worker has anyway, per photo: %.2f%% of the worker's decode and derivatives of it (%.0f ms); %s", 100*float64(l)/float64(d), ms(d), photoNote))
	rs.add("dup.upload_fingerprint_ms", ms(u), "ms", fmt.Sprintf("GET /v1/reports/nearby with upload_id: decode the upload upright to 400 px and fingerprint it (one CPU core, in the request); %s", photoNote))
	return nil
}

// candidateLookup seeds n open reports into the buckets (90% spread over the Hạ Long - Cẩm Phả urban strip,
// 10% around Bãi Cháy, σ 1 km: a storm's flooding), then times Similar.Find at random points, half of them
// in the dense area, beside the raw driver's read of the same nine documents.
func candidateLookup(rs *results, st *stack, n, rounds int) error {
	ctx := context.Background()
	database := st.database("duplicates")
	store, err := mongostore.Open(ctx, st.srv.MongoURI, database, mongostore.Options{})
	if err != nil {
		return err
	}
	defer store.Close(ctx)
	r := rand.New(rand.NewPCG(21, 21))
	const hotLat, hotLng = 20.955, 107.045
	point := func(hot bool) (float64, float64) {
		if hot {
			return hotLat + r.NormFloat64()*1000/111195, hotLng + r.NormFloat64()*1000/103800
		}
		return 20.90 + r.Float64()*0.15, 106.95 + r.Float64()*0.40
	}
	randomLook := func() photohash.Fingerprint {
		var f photohash.Fingerprint
		for i := range f {
			f[i] = r.Uint64()
		}
		return f
	}
	now := time.Now().UTC()
	buckets := map[string][]report.BucketEntry{}
	categories := []string{"road_damage", "flooding", "garbage", "street_light", "tree"}
	for i := range n {
		lat, lng := point(i%10 == 0)
		e := report.BucketEntry{ReportID: fmt.Sprintf("bench-%07d", i), Code: fmt.Sprintf("QN-2612-%05d", i%100000), Category: categories[i%len(categories)],
			Lat: lat, Lng: lng, Status: report.Received, CreatedAt: now.Add(-time.Duration(r.IntN(60*24)) * time.Hour),
			Photos: []photohash.Fingerprint{randomLook()}, ThumbKey: fmt.Sprintf("derived/bench-%07d/p1-thumb.jpg", i), Version: 2}
		id := report.Bucket(lat, lng)
		buckets[id] = append(buckets[id], e)
	}
	t0 := time.Now()
	if err := store.ReplaceBuckets(ctx, buckets); err != nil {
		return err
	}
	seedTime := time.Since(t0)
	largest := 0
	for _, b := range buckets {
		largest = max(largest, len(b))
	}

	client, err := st.mongo()
	if err != nil {
		return err
	}
	defer client.Disconnect(ctx)
	raw := client.Database(database).Collection("report_buckets")
	similar := &report.Similar{Store: store}
	var found, direct []time.Duration
	var readEntries, readBytes int
	c0, start := cpuTicks(), time.Now()
	for i := range rounds + 1 {
		lat, lng := point(i%2 == 0)
		q := report.SimilarQuery{Lat: lat, Lng: lng, Category: "flooding", Photos: []photohash.Fingerprint{randomLook()}, Open: true}
		t0 := time.Now()
		if _, err := similar.Find(ctx, q); err != nil {
			return err
		}
		t1 := time.Now()
		cur, err := raw.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: report.NeighbourBuckets(lat, lng)}}}})
		if err != nil {
			return err
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			return err
		}
		t2 := time.Now()
		if i == 0 {
			continue // the first of each is the connection's warm-up
		}
		found, direct = append(found, t1.Sub(t0)), append(direct, t2.Sub(t1))
		for _, d := range docs {
			readBytes += len(d)
			if es, err := d.LookupErr("entries"); err == nil {
				if m, ok := es.DocumentOK(); ok {
					if vs, err := m.Elements(); err == nil {
						readEntries += len(vs)
					}
				}
			}
		}
	}
	cpu := cpuUse(c0, cpuTicks(), time.Since(start))
	p95, raw95 := percentile(found, 0.95), percentile(direct, 0.95)
	note := fmt.Sprintf("%d open reports in %d bucket documents (largest %d entries; 10%% of them within σ 1 km of Bãi Cháy, the rest over 17 × 41 km), seeded in %s; %d lookups, half in the dense area, each reading 9 buckets by _id (mean %d entries, %.0f KB) and ranking them; p50 %.1f ms; raw driver read of the same documents into bson.Raw p95 %.1f ms; %s",
		n, len(buckets), largest, seedTime.Round(time.Second), rounds, readEntries/rounds, float64(readBytes)/float64(rounds)/1e3, ms(percentile(found, 0.5)), ms(raw95), cpu)
	rs.add("dup.lookup_p95_ms", ms(p95), "ms", "goal < 50 ms; "+note)
	rs.add("dup.lookup_vs_raw_p95", round(float64(raw95)/math.Max(1, float64(p95))), "ratio", "raw driver read p95 / Similar.Find p95 (decoding the entries and ranking them is the difference)")
	return nil
}
