package jurisdiction

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// provincePoints returns n pseudo-random points in the province's bounding box, the same on every run.
func provincePoints(n int) []Point {
	rng := rand.New(rand.NewPCG(22, 2025))
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{Lat: 20.71736 + rng.Float64()*(21.66478-20.71736), Lng: 106.43726 + rng.Float64()*(108.08584-106.43726)}
	}
	return pts
}

// BenchmarkLocate reports the mean cost of a lookup, the 99th percentile of single lookups (p99-ns)
// and the memory the index holds (index-bytes).
func BenchmarkLocate(b *testing.B) {
	ix := Default()
	pts := provincePoints(1 << 16)
	i := 0
	for b.Loop() {
		ix.Locate(pts[i&(len(pts)-1)])
		i++
	}
	b.StopTimer()
	b.ReportMetric(locateP99(ix, pts), "p99-ns")
	b.ReportMetric(float64(ix.Bytes()), "index-bytes")
}

// locateP99 times lookups one by one. Each sample includes the cost of reading the clock (tens of ns),
// so the figure is an upper bound.
func locateP99(ix *Index, pts []Point) float64 {
	d := make([]time.Duration, len(pts))
	for i, p := range pts {
		t0 := time.Now()
		ix.Locate(p)
		d[i] = time.Since(t0)
	}
	slices.Sort(d)
	return float64(d[len(d)*99/100].Nanoseconds())
}

func BenchmarkNearest(b *testing.B) {
	ix := Default()
	pts := provincePoints(1 << 12)
	i := 0
	for b.Loop() {
		ix.Nearest(pts[i&(len(pts)-1)])
		i++
	}
}

func BenchmarkInProvince(b *testing.B) {
	ix := Default()
	pts := provincePoints(1 << 12)
	i := 0
	for b.Loop() {
		ix.InProvince(pts[i&(len(pts)-1)])
		i++
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(communesGeoJSON, provinceGeoJSON); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLocateLatency guards the latency target loosely (race detectors and busy CI machines are slow).
func TestLocateLatency(t *testing.T) {
	if p99 := locateP99(Default(), provincePoints(1<<14)); p99 > 200_000 {
		t.Errorf("p99 Locate = %.0f ns, want well under 20 µs", p99)
	}
}
