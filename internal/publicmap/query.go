package publicmap

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/quangninh/feedback/internal/fault"
)

// BBox is a WGS84 box.
type BBox struct{ MinLng, MinLat, MaxLng, MaxLat float64 }

// ParseBBox reads "minLng,minLat,maxLng,maxLat". It returns *fault.Invalid naming query.bbox.
func ParseBBox(s string) (BBox, error) {
	parts := strings.Split(s, ",")
	bad := func(msg string) (BBox, error) {
		inv := &fault.Invalid{}
		inv.Add("query.bbox", msg)
		return BBox{}, inv
	}
	if len(parts) != 4 {
		return bad("must be four numbers: minLng,minLat,maxLng,maxLat")
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return bad(fmt.Sprintf("%q is not a number", p))
		}
		v[i] = f
	}
	b := BBox{v[0], v[1], v[2], v[3]}
	switch {
	case b.MinLng < -180 || b.MaxLng > 180:
		return bad("longitudes must be between -180 and 180")
	case b.MinLat < -90 || b.MaxLat > 90:
		return bad("latitudes must be between -90 and 90")
	case b.MinLng >= b.MaxLng || b.MinLat >= b.MaxLat:
		return bad("min must be below max (minLng,minLat,maxLng,maxLat)")
	}
	return b, nil
}

func (b BBox) contains(lat, lng float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lng >= b.MinLng && lng <= b.MaxLng
}

func (b BBox) intersect(o BBox) (BBox, bool) {
	r := BBox{max(b.MinLng, o.MinLng), max(b.MinLat, o.MinLat), min(b.MaxLng, o.MaxLng), min(b.MaxLat, o.MaxLat)}
	return r, r.MinLng < r.MaxLng && r.MinLat < r.MaxLat
}

// Extent is the box outside of which there are no reports to map: Quảng Ninh and its waters with a margin.
// Clipping queries to it keeps the number of tiles read small at any zoom.
var Extent = BBox{MinLng: 106.2, MinLat: 20.4, MaxLng: 108.4, MaxLat: 21.9}

// Filter narrows a map query. Empty fields do not filter; Since and Until are days (inclusive).
type Filter struct {
	Category, Agency, Commune string
	Since, Until              time.Time // zero: open
}

func (f Filter) matchPoint(s Summary) bool {
	if (f.Category != "" && s.Category != f.Category) || (f.Agency != "" && s.Agency != f.Agency) ||
		(f.Commune != "" && s.Commune != f.Commune) {
		return false
	}
	if !f.Since.IsZero() && s.Received < dayNumber(f.Since) {
		return false
	}
	if !f.Until.IsZero() && s.Received > dayNumber(f.Until) {
		return false
	}
	return true
}

// IsZero reports whether the filter lets every report through.
func (f Filter) IsZero() bool {
	return f.Category == "" && f.Agency == "" && f.Commune == "" && f.Since.IsZero() && f.Until.IsZero()
}

// groupMatcher returns the filter applied to breakdown keys ("category|agency|commune|YYYYMM"), with
// since/until at month granularity.
func (f Filter) groupMatcher() func(key string) bool {
	since, until := 0, math.MaxInt
	if !f.Since.IsZero() {
		since = dayNumber(f.Since) / 100
	}
	if !f.Until.IsZero() {
		until = dayNumber(f.Until) / 100
	}
	want := [3]string{f.Category, f.Agency, f.Commune}
	return func(k string) bool {
		for _, w := range want {
			part, rest, ok := strings.Cut(k, "|")
			if !ok || (w != "" && part != w) {
				return false
			}
			k = rest
		}
		if strings.Contains(k, "|") {
			return false
		}
		m, _ := strconv.Atoi(k)
		return m >= since && m <= until
	}
}

// Feature is one map feature: a cluster (Count > 0) or a report (Point set).
type Feature struct {
	Lat, Lng float64
	Count    int      // clusters
	Point    *Summary // reports
}

// LevelFor is the tile level that serves a map at zoom z: the cluster level one or two below the zoom
// (so a screen of 1280 × 800 px reads at most 12 tiles, 6 at even zooms), the top level below that, and
// leaves from LeafLevel+1 on.
func LevelFor(zoom int) int {
	switch {
	case zoom <= TopLevel+1:
		return TopLevel
	case zoom > LeafLevel:
		return LeafLevel
	}
	return (zoom - 1) &^ 1
}

// clusterLevel is the grid clusters are drawn on at zoom z: cells of 64 px.
func clusterLevel(zoom int) int { return min(zoom+2, 22) }

// Plan returns the level and the _ids of the tiles a query reads (none when the box misses the Extent).
// A filtered query reads the level below the top instead of the top, whose tiles have no breakdown: at
// most the 35 tiles of that level over the Extent.
func Plan(b BBox, zoom int, filtered bool) (int, []string) {
	top := TopLevel
	if filtered {
		top = TopLevel + 2
	}
	clip, ok := b.intersect(Extent)
	if !ok {
		return max(LevelFor(zoom), top), nil
	}
	for level := max(LevelFor(zoom), top); ; level -= 2 {
		x0, y0 := tileXY(level, clip.MaxLat, clip.MinLng)
		x1, y1 := tileXY(level, clip.MinLat, clip.MaxLng)
		if (x1-x0+1)*(y1-y0+1) > maxTiles && level > top {
			continue
		}
		ids := make([]string, 0, (x1-x0+1)*(y1-y0+1))
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				ids = append(ids, TileID(level, x, y))
			}
		}
		return level, ids
	}
}

// Features answers a map query from the tiles Plan named and, when f filters, the breakdowns of those
// that are not inline (by tile _id; a missing one counts nothing): from zoom PointsMinZoom on, reports
// where the tiles carry them; clusters of about 64 px elsewhere; at most MaxFeatures (truncated says more matched). Reports too many
// to draw are grouped on the fly the same way.
func Features(tiles []Tile, breakdowns map[string]*Breakdown, b BBox, zoom int, f Filter) (out []Feature, truncated bool) {
	var points []Summary
	grid := clusterLevel(zoom)
	matchGroup := f.groupMatcher()
	type acc struct {
		n        int
		lat, lng float64
	}
	merged := map[[2]int]*acc{}
	var order [][2]int
	addCluster := func(level, x, y, n int, lat, lng float64) {
		if level > grid {
			x, y = x>>(level-grid), y>>(level-grid)
		}
		k := [2]int{x, y}
		a := merged[k]
		if a == nil {
			a = &acc{}
			merged[k] = a
			order = append(order, k)
		}
		a.n += n
		a.lat += lat * float64(n)
		a.lng += lng * float64(n)
	}
	for _, t := range tiles {
		if t.inline() {
			for _, p := range t.Points {
				switch {
				case p.Gone || !b.contains(p.Lat, p.Lng) || !f.matchPoint(p):
				case zoom < PointsMinZoom:
					x, y := tileXY(grid, p.Lat, p.Lng)
					addCluster(grid, x, y, 1, p.Lat, p.Lng)
				default:
					points = append(points, p)
				}
			}
			continue
		}
		var counts func(c Cell) int
		if f.IsZero() {
			counts = func(c Cell) int { return c.N }
		} else {
			bd := breakdowns[TileID(t.Z, t.X, t.Y)]
			if bd == nil {
				continue
			}
			match := make([]bool, len(bd.Keys))
			for i, k := range bd.Keys {
				match[i] = matchGroup(k)
			}
			counts = func(c Cell) int {
				n := 0
				for _, kc := range bd.Cells[[2]int{c.X, c.Y}] {
					if match[kc.K] {
						n += kc.N
					}
				}
				return n
			}
		}
		for _, c := range t.Cells {
			if !b.contains(c.Lat, c.Lng) {
				continue
			}
			if n := counts(c); n > 0 {
				addCluster(t.Z+CellDepth, c.X, c.Y, n, c.Lat, c.Lng)
			}
		}
	}
	if len(order)+len(points) > MaxFeatures && len(points) > 0 {
		for _, p := range points {
			x, y := tileXY(grid, p.Lat, p.Lng)
			addCluster(grid, x, y, 1, p.Lat, p.Lng)
		}
		points = nil
	}
	for _, k := range order {
		a := merged[k]
		out = append(out, Feature{Lat: round6(a.lat / float64(a.n)), Lng: round6(a.lng / float64(a.n)), Count: a.n})
	}
	sort.Slice(points, func(i, j int) bool { return points[i].Code < points[j].Code })
	for i := range points {
		out = append(out, Feature{Lat: points[i].Lat, Lng: points[i].Lng, Point: &points[i]})
	}
	if len(out) > MaxFeatures {
		sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
		return out[:MaxFeatures], true
	}
	return out, false
}
