// Package jurisdiction answers "which commune-level unit of Quảng Ninh is this point in", the first
// question when routing a geotagged citizen report to the People's Committee that must handle it.
//
// It knows the 54 units (phường, xã, đặc khu) formed on 1 July 2025 and the province outline, both
// embedded from data/ (see data/README.md for sources and licence). Lookups run against the
// full-resolution boundaries held in an in-memory grid; no database is involved.
package jurisdiction

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Point is a WGS84 position in decimal degrees.
type Point struct {
	Lat, Lng float64
}

// ErrInvalidPoint is returned by ParsePoint for coordinates that are not a position on Earth.
var ErrInvalidPoint = errors.New("invalid point")

// ParsePoint returns the point at lat, lng. It fails with ErrInvalidPoint when either is NaN, infinite
// or out of range (latitude in [-90, 90], longitude in [-180, 180]).
func ParsePoint(lat, lng float64) (Point, error) {
	if !(lat >= -90 && lat <= 90) {
		return Point{}, fmt.Errorf("%w: latitude %v outside [-90, 90]", ErrInvalidPoint, lat)
	}
	if !(lng >= -180 && lng <= 180) {
		return Point{}, fmt.Errorf("%w: longitude %v outside [-180, 180]", ErrInvalidPoint, lng)
	}
	return Point{Lat: lat, Lng: lng}, nil
}

// String formats the point as "lat,lng".
func (p Point) String() string { return fmt.Sprintf("%.5f,%.5f", p.Lat, p.Lng) }

// UnitType is the kind of commune-level unit.
type UnitType string

// The commune-level unit types after the 2025 reorganisation.
const (
	UnitWard        UnitType = "phuong"  // phường, urban
	UnitCommune     UnitType = "xa"      // xã, rural
	UnitSpecialZone UnitType = "dac_khu" // đặc khu, island special zone (Vân Đồn, Cô Tô)
)

// Commune is one commune-level administrative unit (phường, xã or đặc khu).
type Commune struct {
	Code       string   // official 5-digit code
	AltCodes   []string // other codes in use for the same unit (Ba Chẽ: 06970), accepted by ByCode
	Name       string   // "Bãi Cháy"
	FullName   string   // "Phường Bãi Cháy"
	NameEn     string   // "Bai Chay"
	FullNameEn string   // "Bai Chay Ward"
	UnitType   UnitType
	Centroid   Point // area-weighted centroid of the outer rings, for labels; may lie outside the unit
}

// Index locates points among the communes and the province. It is immutable after Load and safe for
// concurrent use.
type Index struct {
	communes []Commune // sorted by code; a commune's position is its owner id in the grids
	byCode   map[string]int
	area     *grid // commune polygons
	outline  *grid // province outline
}

// Cell sides, in fixed-point units. 0.004° (about 440 m × 410 m) keeps most cells to a few dozen
// edges; the outline is coarser and only needs a cheap buffer test.
const (
	communeCell = 400
	outlineCell = 1000
)

// coastalBufferMetres is how far off the province outline a point still counts as in the province:
// the outline is simplified and leaves out stretches of the bays and the smaller islands.
const coastalBufferMetres = 6000

// Load builds an index from a GeoJSON FeatureCollection of communes (properties code, name, full_name,
// name_en, full_name_en, unit_type, alt_codes, centroid_lonlat; Polygon or MultiPolygon geometry) and
// one of the province outline.
//
// It fails when the JSON does not parse, a geometry is not a polygon, a commune has no code, or two
// communes share a code (alternative codes included).
func Load(communes, province []byte) (*Index, error) {
	cs, cpolys, err := decodeCommunes(communes)
	if err != nil {
		return nil, fmt.Errorf("communes: %w", err)
	}
	ppolys, err := decodeOutline(province)
	if err != nil {
		return nil, fmt.Errorf("province: %w", err)
	}
	ix := &Index{communes: cs, byCode: make(map[string]int)}
	for i, c := range cs {
		for _, code := range append([]string{c.Code}, c.AltCodes...) {
			if j, dup := ix.byCode[code]; dup {
				return nil, fmt.Errorf("communes: code %s used by both %s and %s", code, cs[j].FullName, c.FullName)
			}
			ix.byCode[code] = i
		}
	}
	if ix.area, err = newGrid(cpolys, communeCell); err != nil {
		return nil, fmt.Errorf("communes: %w", err)
	}
	if ix.outline, err = newGrid(ppolys, outlineCell); err != nil {
		return nil, fmt.Errorf("province: %w", err)
	}
	return ix, nil
}

// Locate returns the commune whose boundary contains p, or false when p is in none (at sea, or
// outside the province).
//
// A point exactly on a boundary belongs to the unit that lies just above and to the right of it (north,
// then east), so the answer is the same on every run. Where the source polygons overlap, the commune
// with the lowest code wins.
func (ix *Index) Locate(p Point) (Commune, bool) {
	i := ix.area.containing(p.Lng*unitsPerDegree, p.Lat*unitsPerDegree)
	if i < 0 {
		return Commune{}, false
	}
	return ix.commune(int(i)), true
}

// Nearest returns the commune whose boundary is closest to p and the distance to it in metres, or
// the containing commune and 0 when p is inside one. Distances use an equirectangular projection
// around p, which is accurate to well under 1% at the scale of the province. Equal distances go to the
// lowest code.
func (ix *Index) Nearest(p Point) (Commune, float64) {
	if c, ok := ix.Locate(p); ok {
		return c, 0
	}
	i, d := ix.area.nearest(p.Lng*unitsPerDegree, p.Lat*unitsPerDegree, math.Inf(1))
	if i < 0 { // unreachable for a non-empty index, except for NaN input
		return Commune{}, math.Inf(1)
	}
	return ix.commune(int(i)), d
}

// InProvince reports whether p is in Quảng Ninh: inside a commune, inside the province outline, or
// within 6 km of the outline, which covers the bays and small islands the simplified outline misses.
func (ix *Index) InProvince(p Point) bool {
	x, y := p.Lng*unitsPerDegree, p.Lat*unitsPerDegree
	if ix.area.containing(x, y) >= 0 || ix.outline.containing(x, y) >= 0 {
		return true
	}
	i, _ := ix.outline.nearest(x, y, coastalBufferMetres)
	return i >= 0
}

// ByCode returns the commune with the official code or one of its alternative codes.
func (ix *Index) ByCode(code string) (Commune, bool) {
	i, ok := ix.byCode[code]
	if !ok {
		return Commune{}, false
	}
	return ix.commune(i), true
}

// All returns every commune, sorted by code.
func (ix *Index) All() []Commune {
	out := make([]Commune, len(ix.communes))
	for i := range ix.communes {
		out[i] = ix.commune(i)
	}
	return out
}

// Bytes estimates the memory the index holds for lookups: the two grids with their edge copies, and
// the commune records. It does not count the GeoJSON it was built from.
func (ix *Index) Bytes() int {
	n := ix.area.bytes() + ix.outline.bytes()
	for _, c := range ix.communes {
		n += 160 + len(c.Code) + len(c.Name) + len(c.FullName) + len(c.NameEn) + len(c.FullNameEn)
		for _, a := range c.AltCodes {
			n += 16 + len(a)
		}
	}
	return n
}

// commune returns a copy so callers cannot change the index through AltCodes.
func (ix *Index) commune(i int) Commune {
	c := ix.communes[i]
	c.AltCodes = slices.Clone(c.AltCodes)
	return c
}
