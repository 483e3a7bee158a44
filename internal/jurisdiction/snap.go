package jurisdiction

import "math"

// Snap returns the centre of the cell of a fixed grid of cellM-metre squares that holds p; cellM <= 0
// returns p unchanged. Rows are cellM of latitude; each row is cut into cells cellM wide at its central
// latitude. The grid is the same for everyone and the result depends on p alone (no randomness), so
// publishing a point again, or many points of the same cell, gives away nothing more than the cell: p is
// somewhere in a square of side cellM, at most cellM/√2 from the centre returned.
func Snap(p Point, cellM float64) Point {
	if !(cellM > 0) {
		return p
	}
	dLat := cellM / metresPerDegree
	lat := (math.Floor(p.Lat/dLat) + 0.5) * dLat
	lat = math.Max(-90, math.Min(90, lat))
	dLng := cellM / (metresPerDegree * math.Max(math.Cos(lat*math.Pi/180), 1e-6))
	lng := (math.Floor(p.Lng/dLng) + 0.5) * dLng
	// Seven decimals (about a centimetre) keep the published number short; the rounding is a function of
	// the cell alone, so it reveals nothing either.
	return Point{Lat: round7(lat), Lng: round7(lng)}
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
