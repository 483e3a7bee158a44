package jurisdiction_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/quangninh/feedback/internal/jurisdiction"
)

// distanceM is the equirectangular distance in metres between two nearby points.
func distanceM(a, b jurisdiction.Point) float64 {
	rad := math.Pi / 180
	x := (b.Lng - a.Lng) * rad * math.Cos((a.Lat+b.Lat)/2*rad)
	y := (b.Lat - a.Lat) * rad
	return 6371000 * math.Hypot(x, y)
}

func TestSnapStaysWithinHalfTheCellDiagonal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cell := range []float64{10, 100, 500, 2000} {
		far := 0.0
		for range 20000 {
			// Quảng Ninh and a margin around it.
			p := jurisdiction.Point{Lat: 20.5 + rng.Float64()*1.5, Lng: 106.3 + rng.Float64()*2}
			s := jurisdiction.Snap(p, cell)
			d := distanceM(p, s)
			if d > cell/math.Sqrt2*1.001+0.05 {
				t.Fatalf("cell %v m: %v snapped to %v, %.2f m away (more than half the diagonal)", cell, p, s, d)
			}
			far = max(far, d)
		}
		// The points spread over the whole cell: some land near a corner.
		if far < cell/math.Sqrt2*0.9 {
			t.Errorf("cell %v m: the farthest snap was %.1f m; a grid cell's corner is %.1f m from its centre", cell, far, cell/math.Sqrt2)
		}
	}
}

func TestSnapIsAGrid(t *testing.T) {
	// The noise complaint of the e2e test, and points around it in the same 100 m cell and the next.
	home := jurisdiction.Point{Lat: 20.9512, Lng: 107.0801}
	c := jurisdiction.Snap(home, 100)
	if c == home {
		t.Fatalf("Snap(%v, 100) returned the point itself", home)
	}
	if again := jurisdiction.Snap(home, 100); again != c {
		t.Fatalf("Snap is not deterministic: %v then %v", c, again)
	}
	if cc := jurisdiction.Snap(c, 100); cc != c {
		t.Errorf("a cell centre snaps to %v, not to itself (%v)", cc, c)
	}
	// Every point of the cell gives the same centre; a cell's step gives the neighbour a cell away (east),
	// or the row a cell north (each row has its own cell width, so its columns are not aligned).
	dLat, dLng := 100/111195.08, 100/(111195.08*math.Cos(c.Lat*math.Pi/180))
	for _, f := range [][2]float64{{-0.49, -0.49}, {0.49, 0.49}, {-0.49, 0.49}, {0.3, -0.1}} {
		p := jurisdiction.Point{Lat: c.Lat + f[0]*dLat, Lng: c.Lng + f[1]*dLng}
		if s := jurisdiction.Snap(p, 100); s != c {
			t.Errorf("%v, inside the cell of %v, snapped to %v", p, c, s)
		}
	}
	east := jurisdiction.Snap(jurisdiction.Point{Lat: c.Lat, Lng: c.Lng + dLng}, 100)
	if d := distanceM(c, east); east.Lat != c.Lat || math.Abs(d-100) > 0.5 {
		t.Errorf("the cell east of %v has its centre %v, %.2f m away, want 100 m east", c, east, d)
	}
	north := jurisdiction.Snap(jurisdiction.Point{Lat: c.Lat + dLat, Lng: c.Lng}, 100)
	if d := distanceM(c, jurisdiction.Point{Lat: north.Lat, Lng: c.Lng}); math.Abs(d-100) > 0.5 {
		t.Errorf("the row north of %v has its centres at latitude %v, %.2f m north, want 100 m", c, north.Lat, d)
	}
}

func TestSnapExact(t *testing.T) {
	p := jurisdiction.Point{Lat: 20.95123456, Lng: 107.08014567}
	for _, cell := range []float64{0, -5} {
		if s := jurisdiction.Snap(p, cell); s != p {
			t.Errorf("Snap(%v, %v) = %v, want the point unchanged", p, cell, s)
		}
	}
}
