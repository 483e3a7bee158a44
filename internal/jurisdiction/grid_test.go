package jurisdiction

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteContaining is the textbook crossing-number test over every edge of every polygon, with the
// same tie rule as the grid (the point is nudged up, then right). For integer coordinates it uses exact
// arithmetic, so it is the reference the grid must match exactly.
func bruteContaining(polys []polygon, x, y float64) int32 {
	best := int32(-1)
	for _, p := range polys {
		in := false
		for _, r := range p.rings {
			for k := 0; k+1 < len(r); k++ {
				a, b := r[k], r[k+1]
				ax, ay, bx, by := float64(a.x), float64(a.y), float64(b.x), float64(b.y)
				if (ay > y) == (by > y) {
					continue
				}
				if ay > by {
					ax, ay, bx, by = bx, by, ax, ay
				}
				// x < xi  ⇔  (x - ax)·dy < (y - ay)·dx, with dy > 0
				if (x-ax)*(by-ay) < (y-ay)*(bx-ax) {
					in = !in
				}
			}
		}
		if in && (best < 0 || p.owner < best) {
			best = p.owner
		}
	}
	return best
}

func bruteNearest(polys []polygon, x, y float64) float64 {
	lat := y / unitsPerDegree
	kx := metresPerDegree * math.Cos(lat*math.Pi/180) / unitsPerDegree
	ky := metresPerDegree / unitsPerDegree
	best := math.Inf(1)
	for _, p := range polys {
		for _, r := range p.rings {
			for k := 0; k+1 < len(r); k++ {
				e := cellEdge{ax: r[k].x, ay: r[k].y, bx: r[k+1].x, by: r[k+1].y}
				best = min(best, segmentDistance(x, y, e, kx, ky))
			}
		}
	}
	return best
}

func mustCommunePolygons(tb testing.TB) []polygon {
	tb.Helper()
	_, polys, err := decodeCommunes(communesGeoJSON)
	if err != nil {
		tb.Fatal(err)
	}
	return polys
}

// TestGridMatchesBruteForce checks the grid against the reference at random points, at every kind of
// awkward point (vertices, grid corners, grid lines, edge midpoints), and for several cell sizes so
// that grid lines fall on different vertices.
func TestGridMatchesBruteForce(t *testing.T) {
	polys := mustCommunePolygons(t)
	n := 600
	if testing.Short() {
		n = 100
	}
	for _, size := range []int64{communeCell, 250, 1000} {
		g, err := newGrid(polys, size)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, uint64(size)))
		check := func(kind string, x, y float64) {
			t.Helper()
			if got, want := g.containing(x, y), bruteContaining(polys, x, y); got != want {
				t.Errorf("size %d, %s (%v, %v): grid says %d, brute force says %d", size, kind, x/unitsPerDegree, y/unitsPerDegree, got, want)
			}
		}
		w, h := float64(g.nx)*float64(size), float64(g.ny)*float64(size)
		for range n {
			check("random", float64(g.x0)+rng.Float64()*w, float64(g.y0)+rng.Float64()*h)
		}
		// Integer points: every tie the tie rule has to settle.
		for range n {
			p := polys[rng.IntN(len(polys))]
			r := p.rings[rng.IntN(len(p.rings))]
			k := rng.IntN(len(r) - 1)
			a, b := r[k], r[k+1]
			check("vertex", float64(a.x), float64(a.y))
			check("vertex+x", float64(a.x)+1, float64(a.y))
			check("vertex-y", float64(a.x), float64(a.y)-1)
			if (a.x+b.x)%2 == 0 && (a.y+b.y)%2 == 0 {
				check("edge midpoint", float64((a.x+b.x)/2), float64((a.y+b.y)/2))
			}
			// The grid corner, row and column nearest to this vertex.
			cx := float64(g.x0 + (int64(a.x)-g.x0)/size*size)
			cy := float64(g.y0 + (int64(a.y)-g.y0)/size*size)
			check("grid corner", cx, cy)
			check("on column", cx, float64(a.y))
			check("on row", float64(a.x), cy)
		}
	}
}

func TestNearestMatchesBruteForce(t *testing.T) {
	polys := mustCommunePolygons(t)
	g, err := newGrid(polys, communeCell)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	n := 300
	if testing.Short() {
		n = 30
	}
	for range n {
		// Spread beyond the grid too, so the ring search starts outside it.
		x := float64(g.x0) + (rng.Float64()*1.4-0.2)*float64(g.nx)*float64(g.size)
		y := float64(g.y0) + (rng.Float64()*1.4-0.2)*float64(g.ny)*float64(g.size)
		_, got := g.nearest(x, y, math.Inf(1))
		if want := bruteNearest(polys, x, y); math.Abs(got-want) > 1e-6 {
			t.Errorf("(%v, %v): grid nearest %v m, brute force %v m", y/unitsPerDegree, x/unitsPerDegree, got, want)
		}
	}
}
