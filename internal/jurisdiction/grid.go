package jurisdiction

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// unitsPerDegree is the fixed-point scale of every stored coordinate. The source data is rounded to
// 5 decimals (about 1.1 m), so at this scale each vertex is an exact integer and the index can decide
// the cases that matter for correctness (an edge passing exactly through a grid corner) with exact
// integer arithmetic instead of floating point.
const unitsPerDegree = 1e5

// vertex is a position in fixed-point units: x is longitude, y is latitude.
type vertex struct{ x, y int32 }

// polygon is one part of a MultiPolygon: its outer ring and any holes. Rings are closed (first == last).
// Containment is even-odd over all rings of the polygon, which is how holes are cut out.
type polygon struct {
	owner int32 // index of the commune (or other area) this part belongs to
	rings [][]vertex
}

// grid is a uniform grid over a set of polygons, answering "which polygons contain this point" and
// "which boundary edge is nearest" without scanning every edge.
//
// Each cell stores the edges that touch it and, for the cell's lower-left corner, the set of polygons
// that contain that corner (computed once at build time by an exact sweep). A lookup starts from the
// corner's set and flips a polygon's parity for every one of its edges crossed by the two-leg path from
// the corner to the point (up the cell's left side, then right along the point's row). Only the edges
// of one cell are examined, so the cost does not depend on how long the boundaries are.
//
// Ties (a point exactly on an edge or a vertex) are broken as if the point were moved up and to the
// right by an infinitesimal amount, ε₂ ≪ ε₁ in (x+ε₁, y+ε₂). That is the same rule as the classic
// ray-casting test (a vertex on the ray counts as above it, an edge exactly at the point does not
// count), so the grid answers exactly what a brute-force crossing test over all edges answers. A point
// on a boundary shared by two polygons therefore belongs to exactly one of them, whichever lies above
// and to the right.
type grid struct {
	x0, y0 int64 // lower-left corner of cell (0, 0), in units
	size   int64 // cell side, in units
	nx, ny int

	cells []cell
	edges []cellEdge // grouped by cell
	polys []int32    // per cell, the local polygon ids → global polygon index
	owner []int32    // global polygon index → owner
}

type cell struct {
	edgeLo, edgeHi uint32 // edges[edgeLo:edgeHi]
	polyLo, polyN  uint32 // polys[polyLo:polyLo+polyN]
	corner         uint64 // bit k set: local polygon k contains the lower-left corner
}

// cellEdge is one boundary edge as seen from one cell; an edge crossing several cells is stored in each.
type cellEdge struct {
	ax, ay, bx, by int32
	local          uint8 // index into the cell's polygon list
}

// maxPolysPerCell is the width of the parity bitmask.
const maxPolysPerCell = 64

// newGrid indexes polys with square cells of the given side (in units).
//
// It fails when a cell meets more than 64 polygons, which a smaller cell size would fix.
func newGrid(polys []polygon, size int64) (*grid, error) {
	if size <= 0 {
		return nil, fmt.Errorf("cell size %d: must be positive", size)
	}
	minX, minY := int64(math.MaxInt64), int64(math.MaxInt64)
	maxX, maxY := int64(math.MinInt64), int64(math.MinInt64)
	for _, p := range polys {
		for _, r := range p.rings {
			for _, v := range r {
				minX, maxX = min(minX, int64(v.x)), max(maxX, int64(v.x))
				minY, maxY = min(minY, int64(v.y)), max(maxY, int64(v.y))
			}
		}
	}
	if minX > maxX {
		return nil, fmt.Errorf("no vertices to index")
	}
	g := &grid{size: size}
	g.x0, g.y0 = floorDiv(minX, size)*size, floorDiv(minY, size)*size
	g.nx = int(floorDiv(maxX-g.x0, size)) + 1
	g.ny = int(floorDiv(maxY-g.y0, size)) + 1
	g.owner = make([]int32, len(polys))
	for i, p := range polys {
		g.owner[i] = p.owner
	}

	// Bucket every edge into every cell whose closed square meets the edge's bounding box. Being
	// generous is harmless: each edge is tested exactly at lookup time.
	type placed struct {
		cell int32
		poly int32
		e    [2]vertex
	}
	var all []placed
	for pi, p := range polys {
		for _, r := range p.rings {
			for k := 0; k+1 < len(r); k++ {
				a, b := r[k], r[k+1]
				i0, i1 := g.closedSpan(int64(min(a.x, b.x)), int64(max(a.x, b.x)), g.x0, g.nx)
				j0, j1 := g.closedSpan(int64(min(a.y, b.y)), int64(max(a.y, b.y)), g.y0, g.ny)
				for j := j0; j <= j1; j++ {
					for i := i0; i <= i1; i++ {
						all = append(all, placed{int32(j*g.nx + i), int32(pi), [2]vertex{a, b}})
					}
				}
			}
		}
	}
	slices.SortStableFunc(all, func(a, b placed) int { return int(a.cell) - int(b.cell) })

	corners := g.cornerSets(polys)

	g.cells = make([]cell, g.nx*g.ny)
	g.edges = make([]cellEdge, 0, len(all))
	k := 0
	var local []int32
	for c := range g.cells {
		local = append(local[:0], corners[c]...)
		lo := len(g.edges)
		for ; k < len(all) && int(all[k].cell) == c; k++ {
			pl := all[k]
			li := slices.Index(local, pl.poly)
			if li < 0 {
				li = len(local)
				local = append(local, pl.poly)
			}
			g.edges = append(g.edges, cellEdge{pl.e[0].x, pl.e[0].y, pl.e[1].x, pl.e[1].y, uint8(min(li, 255))})
		}
		if len(local) > maxPolysPerCell {
			return nil, fmt.Errorf("cell %d meets %d polygons, more than %d: use smaller cells", c, len(local), maxPolysPerCell)
		}
		var mask uint64
		for li := range corners[c] {
			mask |= 1 << li
		}
		g.cells[c] = cell{
			edgeLo: uint32(lo), edgeHi: uint32(len(g.edges)),
			polyLo: uint32(len(g.polys)), polyN: uint32(len(local)),
			corner: mask,
		}
		g.polys = append(g.polys, local...)
	}
	g.edges = slices.Clip(g.edges)
	g.polys = slices.Clip(g.polys)
	return g, nil
}

// closedSpan returns the cell indices (clamped to [0, n)) whose closed interval [o+i·s, o+(i+1)·s]
// meets [lo, hi].
func (g *grid) closedSpan(lo, hi, o int64, n int) (int, int) {
	i0 := floorDiv(lo-o, g.size)
	if (lo-o)%g.size == 0 {
		i0-- // lo sits on a grid line, so the cell below/left touches it too
	}
	i1 := floorDiv(hi-o, g.size)
	return int(max(i0, 0)), int(min(i1, int64(n-1)))
}

// cornerSets returns, for every cell, the polygons containing its lower-left corner, in increasing
// polygon order. It sweeps each grid row with the ray-casting rule in exact integer arithmetic.
func (g *grid) cornerSets(polys []polygon) [][]int32 {
	sets := make([][]int32, g.nx*g.ny)
	type crossing struct {
		k    int // corners 0..k-1 of the row lie strictly left of the crossing
		poly int32
	}
	var xs []crossing
	parity := make([]bool, len(polys))
	for j := range g.ny {
		y := g.y0 + int64(j)*g.size
		xs = xs[:0]
		for pi, p := range polys {
			for _, r := range p.rings {
				for k := 0; k+1 < len(r); k++ {
					a, b := r[k], r[k+1]
					if (int64(a.y) > y) == (int64(b.y) > y) {
						continue
					}
					if a.y > b.y {
						a, b = b, a
					}
					ax, ay := int64(a.x), int64(a.y)
					dx, dy := int64(b.x)-ax, int64(b.y)-ay // dy > 0
					// Corner X is left of the crossing iff X·dy < ax·dy + (y-ay)·dx.
					n := ax*dy + (y-ay)*dx - g.x0*dy
					kk := ceilDiv(n, g.size*dy)
					xs = append(xs, crossing{int(max(0, min(kk, int64(g.nx)))), int32(pi)})
				}
			}
		}
		// Walk the row right to left; a crossing toggles its polygon for every corner left of it.
		slices.SortFunc(xs, func(a, b crossing) int { return b.k - a.k })
		clear(parity)
		var odd []int32
		next := 0
		for i := g.nx - 1; i >= 0; i-- {
			for ; next < len(xs) && xs[next].k > i; next++ {
				pi := xs[next].poly
				parity[pi] = !parity[pi]
				if parity[pi] {
					odd = append(odd, pi)
				} else {
					odd = slices.DeleteFunc(odd, func(v int32) bool { return v == pi })
				}
			}
			if len(odd) > 0 {
				s := slices.Clone(odd)
				slices.Sort(s)
				sets[j*g.nx+i] = s
			}
		}
	}
	return sets
}

// cellOf returns the cell holding (x, y) in units, or false outside the grid (or for NaN).
func (g *grid) cellOf(x, y float64) (i, j int, ok bool) {
	fi := math.Floor((x - float64(g.x0)) / float64(g.size))
	fj := math.Floor((y - float64(g.y0)) / float64(g.size))
	if !(fi >= 0 && fi < float64(g.nx) && fj >= 0 && fj < float64(g.ny)) {
		return 0, 0, false
	}
	return int(fi), int(fj), true
}

// containing returns the owner of the lowest-numbered polygon containing (x, y), in units, or -1.
func (g *grid) containing(x, y float64) int32 {
	i, j, ok := g.cellOf(x, y)
	if !ok {
		return -1
	}
	c := &g.cells[j*g.nx+i]
	mask := c.corner
	cx, cy := float64(g.x0+int64(i)*g.size), float64(g.y0+int64(j)*g.size)
	for _, e := range g.edges[c.edgeLo:c.edgeHi] {
		ax, ay, bx, by := float64(e.ax), float64(e.ay), float64(e.bx), float64(e.by)
		crossV := (ax > cx) != (bx > cx) // edge spans the left side's line
		crossH := (ay > y) != (by > y)   // edge spans the point's row
		if !crossV && !crossH {
			continue
		}
		dx, dy := bx-ax, by-ay
		// o is the orientation of (cx, y) against the edge. Both legs meet at that point, so both
		// decide a near-tie from this one number and can never disagree.
		o := (cx-ax)*dy - (y-ay)*dx
		if crossV {
			// Where the edge meets x = cx, relative to the corner (exact: integer operands)
			// and to the point's row.
			lower := (ay-cy)*dx + (cx-ax)*dy // sign of (yi - cy)·dx
			upper := o                       // sign of (yi - y)·dx
			if dx < 0 {
				lower, upper = -lower, -upper
			}
			if (lower > 0 || lower == 0 && dy*dx > 0) && (upper < 0 || upper == 0 && dy*dx <= 0) {
				mask ^= 1 << e.local
			}
		}
		if crossH {
			// Where the edge meets the row, relative to the corner's column and to the point.
			left := -o                     // sign of (xi - cx)·dy
			right := (ax-x)*dy + (y-ay)*dx // sign of (xi - x)·dy
			if dy < 0 {
				left, right = -left, -right
			}
			if left > 0 && right <= 0 {
				mask ^= 1 << e.local
			}
		}
	}
	if mask == 0 {
		return -1
	}
	best := int32(-1)
	for m := mask; m != 0; m &= m - 1 {
		li := bits.TrailingZeros64(m)
		if o := g.owner[g.polys[c.polyLo+uint32(li)]]; best < 0 || o < best {
			best = o
		}
	}
	return best
}

// nearest returns the owner of the boundary edge nearest to (x, y), in units, and its distance in
// metres, looking no further than maxMetres. It returns -1 when no edge is that close. Equal distances
// go to the lowest owner, so the answer does not depend on storage order.
func (g *grid) nearest(x, y float64, maxMetres float64) (int32, float64) {
	lat := y / unitsPerDegree
	kx := metresPerDegree * math.Cos(lat*math.Pi/180) / unitsPerDegree
	ky := metresPerDegree / unitsPerDegree
	cellMetres := float64(g.size) * min(kx, ky)

	fi := math.Floor((x - float64(g.x0)) / float64(g.size))
	fj := math.Floor((y - float64(g.y0)) / float64(g.size))
	if !(math.Abs(fi) < 1e6 && math.Abs(fj) < 1e6) || !(cellMetres > 0) { // NaN, or absurdly far
		return -1, math.Inf(1)
	}
	ci, cj := int(fi), int(fj)
	// Rings that can hold a cell of the grid: from the grid's Chebyshev distance to its far corner.
	minRing := max(0, -ci, ci-(g.nx-1), -cj, cj-(g.ny-1))
	maxRing := max(abs(ci), abs(g.nx-1-ci), abs(cj), abs(g.ny-1-cj))

	best, bestD := int32(-1), math.Inf(1)
	visit := func(i, j int) {
		if i < 0 || i >= g.nx || j < 0 || j >= g.ny {
			return
		}
		c := &g.cells[j*g.nx+i]
		for _, e := range g.edges[c.edgeLo:c.edgeHi] {
			d := segmentDistance(x, y, e, kx, ky)
			if d > bestD {
				continue
			}
			o := g.owner[g.polys[c.polyLo+uint32(e.local)]]
			if d < bestD || o < best {
				best, bestD = o, d
			}
		}
	}
	for r := minRing; r <= maxRing; r++ {
		// Every cell in ring r is at least (r-1) cells away from the point.
		if lb := float64(r-1) * cellMetres; lb > bestD || lb > maxMetres {
			break
		}
		if r == 0 {
			visit(ci, cj)
			continue
		}
		for i := max(ci-r, 0); i <= min(ci+r, g.nx-1); i++ {
			visit(i, cj-r)
			visit(i, cj+r)
		}
		for j := max(cj-r+1, 0); j <= min(cj+r-1, g.ny-1); j++ {
			visit(ci-r, j)
			visit(ci+r, j)
		}
	}
	if bestD > maxMetres {
		return -1, math.Inf(1)
	}
	return best, bestD
}

// metresPerDegree is the length of one degree of latitude on the mean Earth sphere (R = 6,371,008.8 m).
const metresPerDegree = 6371008.8 * math.Pi / 180

// segmentDistance is the distance in metres from (x, y) to the edge, on a plane scaled by kx, ky metres
// per unit around the point (an equirectangular projection, accurate to well under 1% over tens of km).
func segmentDistance(x, y float64, e cellEdge, kx, ky float64) float64 {
	ax, ay := (float64(e.ax)-x)*kx, (float64(e.ay)-y)*ky
	bx, by := (float64(e.bx)-x)*kx, (float64(e.by)-y)*ky
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = max(0, min(1, -(ax*dx+ay*dy)/l))
	}
	px, py := ax+t*dx, ay+t*dy
	return math.Hypot(px, py)
}

// bytes is the memory the grid holds, counting slice capacity.
func (g *grid) bytes() int {
	const cellSize, edgeSize = 24, 20
	return cap(g.cells)*cellSize + cap(g.edges)*edgeSize + cap(g.polys)*4 + cap(g.owner)*4
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
