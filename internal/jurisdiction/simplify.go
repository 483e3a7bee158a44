package jurisdiction

import (
	"encoding/json"
	"math"
)

// Boundary is a unit's outline for display, simplified: "commune" (with its code and names) or "province".
type Boundary struct {
	Kind         string // "commune" or "province"
	Code         string
	Name, NameEn string
	// Polygons are GeoJSON MultiPolygon coordinates: polygons of rings of [lng, lat].
	Polygons [][][][2]float64
}

// Boundaries returns the embedded communes (by code) and the province outline, each ring simplified with
// Douglas-Peucker at tolerance degrees (rings that collapse are dropped; a polygon keeps its outer ring).
// It returns an error only if the embedded data is broken.
func Boundaries(tolerance float64) ([]Boundary, error) {
	var out []Boundary
	for _, src := range []struct {
		kind string
		data []byte
	}{{"commune", communesGeoJSON}, {"province", provinceGeoJSON}} {
		var fc featureCollection
		if err := json.Unmarshal(src.data, &fc); err != nil {
			return nil, err
		}
		for _, f := range fc.Features {
			b := Boundary{Kind: src.kind}
			if src.kind == "commune" {
				b.Code, b.Name, b.NameEn = f.Properties.Code, f.Properties.FullName, f.Properties.FullNameEn
			}
			parts, err := geometryParts(f)
			if err != nil {
				return nil, err
			}
			for _, part := range parts {
				var poly [][][2]float64
				for i, ring := range part {
					s := simplifyRing(ring, tolerance)
					if len(s) < 4 {
						if i == 0 {
							s = closeRing(ring) // keep small islands whole
						} else {
							continue
						}
					}
					poly = append(poly, s)
				}
				if len(poly) > 0 && len(poly[0]) >= 4 {
					b.Polygons = append(b.Polygons, poly)
				}
			}
			out = append(out, b)
		}
	}
	return out, nil
}

func closeRing(r [][2]float64) [][2]float64 {
	out := make([][2]float64, 0, len(r)+1)
	for _, p := range r {
		out = append(out, [2]float64{round5(p[0]), round5(p[1])})
	}
	if len(out) > 0 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}

// simplifyRing runs Douglas-Peucker on a closed ring, keeping it closed.
func simplifyRing(r [][2]float64, tol float64) [][2]float64 {
	if len(r) < 4 {
		return nil
	}
	keep := make([]bool, len(r))
	keep[0], keep[len(r)-1] = true, true
	// A ring's first and last points coincide, so split it at the point farthest from the first.
	far, best := 0, -1.0
	for i := range r {
		if d := math.Hypot(r[i][0]-r[0][0], r[i][1]-r[0][1]); d > best {
			far, best = i, d
		}
	}
	keep[far] = true
	dp(r, 0, far, tol, keep)
	dp(r, far, len(r)-1, tol, keep)
	var out [][2]float64
	for i, p := range r {
		if keep[i] {
			out = append(out, [2]float64{round5(p[0]), round5(p[1])})
		}
	}
	if len(out) < 4 {
		return nil
	}
	out[len(out)-1] = out[0]
	return out
}

func dp(r [][2]float64, a, b int, tol float64, keep []bool) {
	if b <= a+1 {
		return
	}
	idx, maxD := -1, tol
	for i := a + 1; i < b; i++ {
		if d := segDist(r[i], r[a], r[b]); d > maxD {
			idx, maxD = i, d
		}
	}
	if idx < 0 {
		return
	}
	keep[idx] = true
	dp(r, a, idx, tol, keep)
	dp(r, idx, b, tol, keep)
}

func segDist(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	if dx == 0 && dy == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/(dx*dx+dy*dy)))
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }
