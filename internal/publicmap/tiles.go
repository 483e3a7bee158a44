package publicmap

// The tile scheme. Web-Mercator tiles "z/x/y" at four levels:
//
//   - LeafLevel (14, about 2.4 km): every report of the tile, as a Summary (tombstones included);
//   - cluster levels 12, 10 and 8: counts per sub-cell CellDepth levels deeper (an 8 × 8 grid), each cell
//     with its mean position and a small breakdown by "category|agency|commune|YYYYMM" so that filters
//     still work; level 12 also inlines the reports themselves when the tile holds at most InlineMax.
//
// A cluster tile is a pure function of its 16 children two levels down, so it is rebuilt from them rather
// than patched: rebuilding is idempotent and heals any earlier lost write. A map query at zoom Z reads the
// few tiles of one level that cover the bounding box, each by _id.
//
// Trade-off of the filters: points are filtered exactly; clusters are filtered on the breakdown, which is
// exact for category, agency and commune (and any combination of them) but counts since/until by whole
// months of receipt, and positions a filtered cluster at the cell's unfiltered mean.

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Levels of the tile pyramid.
const (
	LeafLevel   = 14
	TopLevel    = 8
	CellDepth   = 3   // cells of a cluster tile are tiles CellDepth levels deeper
	InlineMax   = 200 // a level-12 tile with at most this many reports carries them as points
	MaxFeatures = 500 // per map response
	maxTiles    = 64  // per map query; a bigger box is served from a coarser level
)

// Tile is one precomputed tile document.
type Tile struct {
	Z      int       `json:"z"`
	X      int       `json:"x"`
	Y      int       `json:"y"`
	N      int       `json:"n"`           // reports in the tile
	Points []Summary `json:"p,omitempty"` // the leaf's entries, or the inlined reports of level 12
	Cells  []Cell    `json:"c,omitempty"` // cluster levels
}

// Cell is a cluster cell of a tile.
type Cell struct {
	X   int     `json:"x"`
	Y   int     `json:"y"`
	N   int     `json:"n"`
	Lat float64 `json:"la"` // mean position
	Lng float64 `json:"lo"`
	G   []Group `json:"g"`
}

// Group counts the reports of a cell that share a category, agency, commune and month of receipt.
type Group struct {
	K string `json:"k"` // "category|agency|commune|YYYYMM"
	N int    `json:"n"`
}

// TileID is the _id of a tile.
func TileID(z, x, y int) string { return fmt.Sprintf("%d/%d/%d", z, x, y) }

// ParseTileID reads a TileID.
func ParseTileID(id string) (z, x, y int, err error) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 {
		return 0, 0, 0, fmt.Errorf("publicmap: bad tile id %q", id)
	}
	var v [3]int
	for i, p := range parts {
		if v[i], err = strconv.Atoi(p); err != nil {
			return 0, 0, 0, fmt.Errorf("publicmap: bad tile id %q", id)
		}
	}
	return v[0], v[1], v[2], nil
}

// tileXY returns the tile at level z holding the position (clamped to the Mercator range).
func tileXY(z int, lat, lng float64) (int, int) {
	n := float64(int(1) << z)
	lat = math.Max(-85.05112878, math.Min(85.05112878, lat))
	x := int(math.Floor((lng + 180) / 360 * n))
	rad := lat * math.Pi / 180
	y := int(math.Floor((1 - math.Log(math.Tan(rad)+1/math.Cos(rad))/math.Pi) / 2 * n))
	maxI := int(n) - 1
	return min(max(x, 0), maxI), min(max(y, 0), maxI)
}

// tileBounds returns the tile's west, south, east, north edges in degrees.
func tileBounds(z, x, y int) (w, s, e, n float64) {
	k := float64(int(1) << z)
	lat := func(y int) float64 { return math.Atan(math.Sinh(math.Pi*(1-2*float64(y)/k))) * 180 / math.Pi }
	return float64(x)/k*360 - 180, lat(y + 1), float64(x+1)/k*360 - 180, lat(y)
}

// LeafOf is the _id of the leaf tile of a position.
func LeafOf(lat, lng float64) string {
	x, y := tileXY(LeafLevel, lat, lng)
	return TileID(LeafLevel, x, y)
}

// ParentOf is the _id of the cluster tile two levels up, or "" for a top-level tile.
func ParentOf(id string) string {
	z, x, y, err := ParseTileID(id)
	if err != nil || z <= TopLevel {
		return ""
	}
	return TileID(z-2, x>>2, y>>2)
}

// Children are the 16 tiles two levels down.
func Children(id string) []string {
	z, x, y, _ := ParseTileID(id)
	out := make([]string, 0, 16)
	for dy := range 4 {
		for dx := range 4 {
			out = append(out, TileID(z+2, x*4+dx, y*4+dy))
		}
	}
	return out
}

// SetEntry puts s into the leaf tile, replacing an older entry of the same code. It reports whether the
// tile changed; an entry not newer than the stored one changes nothing.
func (t *Tile) SetEntry(s Summary) bool {
	for i, p := range t.Points {
		if p.Code == s.Code {
			if p.V >= s.V || p == s {
				return false
			}
			t.Points[i] = s
			t.count()
			return true
		}
	}
	t.Points = append(t.Points, s)
	sort.Slice(t.Points, func(i, j int) bool { return t.Points[i].Code < t.Points[j].Code })
	t.count()
	return true
}

func (t *Tile) count() {
	t.N = 0
	for _, p := range t.Points {
		if !p.Gone {
			t.N++
		}
	}
}

// groupKey is the breakdown key of a report.
func groupKey(s Summary) string {
	return s.Category + "|" + s.Agency + "|" + s.Commune + "|" + strconv.Itoa(s.Received/100)
}

// BuildParent computes the cluster tile id from its children (leaf or cluster tiles two levels down;
// missing children are simply absent).
func BuildParent(id string, children []Tile) Tile {
	z, x, y, _ := ParseTileID(id)
	t := Tile{Z: z, X: x, Y: y}
	type acc struct {
		n        int
		lat, lng float64
		g        map[string]int
	}
	cells := map[[2]int]*acc{}
	add := func(cx, cy, n int, lat, lng float64, groups map[string]int) {
		a := cells[[2]int{cx, cy}]
		if a == nil {
			a = &acc{g: map[string]int{}}
			cells[[2]int{cx, cy}] = a
		}
		a.n += n
		a.lat += lat * float64(n)
		a.lng += lng * float64(n)
		for k, v := range groups {
			a.g[k] += v
		}
	}
	var points []Summary
	allInline := true
	for _, c := range children {
		t.N += c.N
		if c.Z == LeafLevel {
			for _, p := range c.Points {
				if p.Gone {
					continue
				}
				cx, cy := tileXY(z+CellDepth, p.Lat, p.Lng)
				add(cx, cy, 1, p.Lat, p.Lng, map[string]int{groupKey(p): 1})
				points = append(points, p)
			}
			continue
		}
		if c.Points == nil && c.N > 0 {
			allInline = false
		}
		points = append(points, c.Points...)
		for _, cell := range c.Cells {
			g := make(map[string]int, len(cell.G))
			for _, gr := range cell.G {
				g[gr.K] = gr.N
			}
			add(cell.X>>2, cell.Y>>2, cell.N, cell.Lat, cell.Lng, g)
		}
	}
	for k, a := range cells {
		if a.n == 0 {
			continue
		}
		c := Cell{X: k[0], Y: k[1], N: a.n, Lat: round6(a.lat / float64(a.n)), Lng: round6(a.lng / float64(a.n))}
		for gk, gn := range a.g {
			c.G = append(c.G, Group{K: gk, N: gn})
		}
		sort.Slice(c.G, func(i, j int) bool { return c.G[i].K < c.G[j].K })
		t.Cells = append(t.Cells, c)
	}
	sort.Slice(t.Cells, func(i, j int) bool {
		if t.Cells[i].Y != t.Cells[j].Y {
			return t.Cells[i].Y < t.Cells[j].Y
		}
		return t.Cells[i].X < t.Cells[j].X
	})
	if t.Cells == nil {
		t.Cells = []Cell{}
	}
	if z >= 12 && allInline && t.N <= InlineMax {
		sort.Slice(points, func(i, j int) bool { return points[i].Code < points[j].Code })
		t.Points = points
	}
	return t
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
