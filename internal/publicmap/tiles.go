package publicmap

// The tile scheme. Web-Mercator tiles "z/x/y":
//
//   - LeafLevel (18, about 150 m): every report of the tile, as a Summary (tombstones included). A leaf is
//     small because it is small on the ground; only the highest zooms read leaves.
//   - cluster levels 16, 14, 12, 10 and 8: a cluster tile is two documents.
//     The tile itself ("z/x/y") holds the count and mean position of each sub-cell CellDepth levels deeper
//     (a 16 × 16 grid), and at levels ≥ InlineMinLevel the reports themselves when the tile holds at most
//     InlineMax. It stays small (at most 256 cells, or InlineMax summaries) whatever the number of reports,
//     and is all an unfiltered query reads.
//     Its breakdown counts each cell's reports by "category|agency|commune|YYYYMM", for filtered queries.
//     It grows with the variety of reports and months, so it is read only when a filter needs it. It is
//     written once and never changed, as a new document (in Breakdowns, _id BreakdownID) that the tile
//     names (Tile.B) when it replaces the tile's previous breakdown, which is then deleted: a tile read
//     fresh at every query names the current breakdown, which each process caches by that name.
//     Top-level tiles have none: theirs would hold the variety of the whole province and be rewritten by
//     every publication. A filtered query reads the level below instead (see Plan).
//
// A cluster tile is a function of its 16 children two levels down: each child's reports land in the
// tile's cells over that child, and nowhere else. So when children change, the tile is rebuilt from the
// changed children, read afresh, and its own cells (and breakdown) over the others (see split). A map
// query at zoom Z reads at most a dozen tiles of one level (see LevelFor; a filtered one at the lowest
// zooms, the 35 of level 10 over the province), each by _id.
//
// Trade-off of the filters: points are filtered exactly; clusters are filtered on the breakdown, which is
// exact for category, agency and commune (and any combination of them) but counts since/until by whole
// months of receipt, and positions a filtered cluster at the cell's unfiltered mean.

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Levels of the tile pyramid.
const (
	LeafLevel      = 18
	TopLevel       = 8
	CellDepth      = 4   // cells of a cluster tile are tiles CellDepth levels deeper (16 × 16)
	InlineMinLevel = 10  // cluster tiles from this level down carry their reports when they have few
	InlineMax      = 200 // ... at most this many
	PointsMinZoom  = 12  // below this zoom a map shows only clusters
	MaxFeatures    = 500 // per map response
	maxTiles       = 64  // per map query; a bigger box is served from a coarser level
)

// FormatVersion names the layout of the tile documents. It is part of their _id (DocID), so tiles of
// another format never answer for this one's; Service.Upgrade rebuilds the map when it changes.
const FormatVersion = 3

// formatID is the _id, in Meta, of the document naming the format of the tiles.
const formatID = "format"

// DocID is the _id of tile id's document in Tiles, and of its breakdown in Breakdowns:
// "<FormatVersion>:<z>/<x>/<y>".
func DocID(id string) string { return strconv.Itoa(FormatVersion) + ":" + id }

// BreakdownID is the _id, in Breakdowns, of the breakdown of tile id that the tile names ref (Tile.B).
func BreakdownID(id, ref string) string { return DocID(id) + "#" + ref }

// newRef names a new breakdown document: a random name, never reused, so that a writer deletes only the
// breakdowns it replaced or wrote in vain.
func newRef() string { return strconv.FormatUint(rand.Uint64(), 36) }

// TileOfDoc is the tile id of a DocID; false for a document of another format.
func TileOfDoc(docID string) (string, bool) {
	return strings.CutPrefix(docID, strconv.Itoa(FormatVersion)+":")
}

// Tile is one precomputed tile document.
type Tile struct {
	Z      int       `json:"z"`
	X      int       `json:"x"`
	Y      int       `json:"y"`
	N      int       `json:"n"`           // reports in the tile
	Points []Summary `json:"p,omitempty"` // the leaf's entries, or the inlined reports of a cluster tile
	Cells  []Cell    `json:"c,omitempty"` // cluster levels
	B      string    `json:"b,omitempty"` // names the tile's breakdown document (BreakdownID); "" when it has none
	H      string    `json:"h,omitempty"` // content hash of the breakdown, so that an unchanged one is kept
}

// Cell is a cluster cell of a tile.
type Cell struct {
	X   int     `json:"x"`
	Y   int     `json:"y"`
	N   int     `json:"n"`
	Lat float64 `json:"la"` // mean position
	Lng float64 `json:"lo"`
}

// inline reports whether the tile carries all its reports as points (leaves always do).
func (t Tile) inline() bool { return t.Z == LeafLevel || t.Points != nil || t.N == 0 }

// Breakdown counts the reports of each cell of a cluster tile by group key
// ("category|agency|commune|YYYYMM"). Cells are keyed by their absolute x, y at level Z+CellDepth.
type Breakdown struct {
	Keys  []string
	Cells map[[2]int][]KeyCount
}

// memory estimates the bytes b takes in memory: its keys, and per cell a map entry and its counts.
func (b *Breakdown) memory() int {
	n := 48
	for _, k := range b.Keys {
		n += 16 + len(k)
	}
	for _, kc := range b.Cells {
		n += 64 + 16*len(kc)
	}
	return n
}

// KeyCount is the number of reports of a cell with the key Keys[K].
type KeyCount struct{ K, N int }

// The stored form of a breakdown is a format byte, then this binary form compressed with DEFLATE (its
// numbers repeat a lot): its keys cut at "|" into parts, each distinct part stored once (most keys share
// their category, agency, commune and month with many others), then every cell as its key-count pairs.
// All numbers are unsigned varints:
//
//	parts: count, then each as length and bytes, sorted
//	keys: count, then each as its number of parts and their indexes
//	cells, sorted by y then x: count, then each as x, y, number of pairs, then each pair as the key's
//	index minus the previous pair's (pairs are sorted by key) and the count
const breakdownFormat = 1

// maxBreakdownSize bounds a breakdown's binary form: a document that inflates to more is refused as corrupt.
const maxBreakdownSize = 64 << 20

// storedBreakdown compresses a breakdown's binary form into its stored form.
func storedBreakdown(body []byte) []byte {
	var buf bytes.Buffer
	buf.WriteByte(breakdownFormat)
	w, _ := flate.NewWriter(&buf, flate.BestSpeed) // fails only for a bad level
	_, _ = w.Write(body)                           // writes to a bytes.Buffer do not fail
	_ = w.Close()
	return buf.Bytes()
}

// encodeBreakdown is the binary form of b.
func encodeBreakdown(b *Breakdown) []byte {
	partIndex := map[string]int{}
	for _, k := range b.Keys {
		for p := range strings.SplitSeq(k, "|") {
			partIndex[p] = 0
		}
	}
	parts := make([]string, 0, len(partIndex))
	for p := range partIndex {
		parts = append(parts, p)
	}
	sort.Strings(parts)
	out := binary.AppendUvarint(nil, uint64(len(parts)))
	for i, p := range parts {
		partIndex[p] = i
		out = binary.AppendUvarint(out, uint64(len(p)))
		out = append(out, p...)
	}
	out = binary.AppendUvarint(out, uint64(len(b.Keys)))
	for _, k := range b.Keys {
		ps := strings.Split(k, "|")
		out = binary.AppendUvarint(out, uint64(len(ps)))
		for _, p := range ps {
			out = binary.AppendUvarint(out, uint64(partIndex[p]))
		}
	}
	cells := make([][2]int, 0, len(b.Cells))
	for xy := range b.Cells {
		cells = append(cells, xy)
	}
	sort.Slice(cells, func(i, j int) bool {
		if cells[i][1] != cells[j][1] {
			return cells[i][1] < cells[j][1]
		}
		return cells[i][0] < cells[j][0]
	})
	out = binary.AppendUvarint(out, uint64(len(cells)))
	for _, xy := range cells {
		kcs := b.Cells[xy]
		out = binary.AppendUvarint(out, uint64(xy[0]))
		out = binary.AppendUvarint(out, uint64(xy[1]))
		out = binary.AppendUvarint(out, uint64(len(kcs)))
		prev := 0
		for _, kc := range kcs {
			out = binary.AppendUvarint(out, uint64(kc.K-prev))
			out = binary.AppendUvarint(out, uint64(kc.N))
			prev = kc.K
		}
	}
	return out
}

// DecodeBreakdown reads a breakdown document.
func DecodeBreakdown(raw []byte) (*Breakdown, error) {
	if len(raw) == 0 || raw[0] != breakdownFormat {
		return nil, fmt.Errorf("decode breakdown: not of format %d", breakdownFormat)
	}
	src := bytes.NewReader(raw[1:])
	body, err := io.ReadAll(io.LimitReader(flate.NewReader(src), maxBreakdownSize+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("decode breakdown: %w", err)
	case len(body) > maxBreakdownSize:
		return nil, fmt.Errorf("decode breakdown: over %d bytes", maxBreakdownSize)
	case src.Len() > 0:
		return nil, fmt.Errorf("decode breakdown: %d bytes after the end", src.Len())
	}
	return decodeBreakdown(body)
}

// decodeBreakdown reads the binary form of a breakdown.
func decodeBreakdown(body []byte) (*Breakdown, error) {
	r := breakdownReader{buf: body}
	parts := make([]string, r.count(1))
	for i := range parts {
		parts[i] = string(r.bytes(r.count(1)))
	}
	b := &Breakdown{Keys: make([]string, r.count(2))}
	var sb strings.Builder
	for i := range b.Keys {
		sb.Reset()
		for j := range r.count(1) {
			if j > 0 {
				sb.WriteByte('|')
			}
			if p := r.count(0); p < len(parts) {
				sb.WriteString(parts[p])
			} else {
				r.fail(fmt.Sprintf("part %d of %d", p, len(parts)))
			}
		}
		b.Keys[i] = sb.String()
	}
	cells := r.count(3)
	b.Cells = make(map[[2]int][]KeyCount, cells)
	for range cells {
		xy := [2]int{r.count(0), r.count(0)}
		kcs := make([]KeyCount, r.count(2))
		k := 0
		for j := range kcs {
			k += r.count(0)
			if k >= len(b.Keys) {
				r.fail(fmt.Sprintf("key %d of %d", k, len(b.Keys)))
			}
			kcs[j] = KeyCount{K: k, N: r.count(0)}
		}
		b.Cells[xy] = kcs
	}
	if r.err == nil && len(r.buf) > 0 {
		r.fail(fmt.Sprintf("%d bytes after the end", len(r.buf)))
	}
	if r.err != nil {
		return nil, fmt.Errorf("decode breakdown: %w", r.err)
	}
	return b, nil
}

// breakdownReader reads varints, remembering the first error (and then reading zeros).
type breakdownReader struct {
	buf []byte
	err error
}

func (r *breakdownReader) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
	r.buf = nil
}

// count reads a number; as a count, it must be possible for the rest of the buffer to hold that many items
// of at least minSize bytes each (so a corrupt count cannot make a huge allocation).
func (r *breakdownReader) count(minSize int) int {
	v, n := binary.Uvarint(r.buf)
	if n <= 0 {
		r.fail("truncated")
		return 0
	}
	r.buf = r.buf[n:]
	if v > math.MaxInt32 || (minSize > 0 && v > uint64(len(r.buf)/minSize)) {
		r.fail(fmt.Sprintf("number %d beyond the end", v))
		return 0
	}
	return int(v)
}

func (r *breakdownReader) bytes(n int) []byte {
	if n > len(r.buf) {
		r.fail("truncated")
		return nil
	}
	b := r.buf[:n]
	r.buf = r.buf[n:]
	return b
}

// contentHash names a breakdown's content (Tile.H).
func contentHash(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8])
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

// Node is a tile with its breakdown (nil for leaves and tiles that inline their reports): what a parent
// is built from, and what BuildParent returns.
type Node struct {
	Tile      Tile
	Breakdown *Breakdown
}

// EncodeBreakdown returns the breakdown document (nil when the tile has none) and sets Tile.H to the
// hash of its content. Tile.B, the breakdown document's name, is the caller's to set.
func (n *Node) EncodeBreakdown() []byte {
	n.Tile.H = ""
	if n.Breakdown == nil {
		n.Tile.B = ""
		return nil
	}
	body := encodeBreakdown(n.Breakdown)
	n.Tile.H = contentHash(body)
	return storedBreakdown(body)
}

// split is BuildParent undone: for each child two levels down that the cluster tile n counts reports in,
// a node that BuildParent takes for that child (the child's reports as the tile holds them: its points,
// or its cells with their breakdown counts, at the cells' level). BuildParent of the changed children and
// of the others' split nodes is the tile BuildParent of all the children gives, except that a tile that
// holds cells stays so (see Service.rebuildTile).
func split(n Node) map[string]Node {
	t := n.Tile
	out := map[string]Node{}
	if t.inline() {
		for _, p := range t.Points {
			if p.Gone {
				continue
			}
			x, y := tileXY(t.Z+2, p.Lat, p.Lng)
			id := TileID(t.Z+2, x, y)
			c := out[id]
			if c.Tile.Points == nil {
				c.Tile = Tile{Z: t.Z + 2, X: x, Y: y, Points: []Summary{}}
			}
			c.Tile.Points = append(c.Tile.Points, p)
			c.Tile.N++
			out[id] = c
		}
		return out
	}
	const shift = CellDepth - 2 // the tile's cells are CellDepth levels below it, its children 2
	for _, cell := range t.Cells {
		x, y := cell.X>>shift, cell.Y>>shift
		id := TileID(t.Z+2, x, y)
		c := out[id]
		if c.Breakdown == nil {
			c.Tile = Tile{Z: t.Z + 2, X: x, Y: y}
			c.Breakdown = &Breakdown{Cells: map[[2]int][]KeyCount{}}
			if n.Breakdown != nil {
				c.Breakdown.Keys = n.Breakdown.Keys
			}
		}
		// A cell of the child's level: BuildParent takes cells two levels up, this one.
		xy := [2]int{cell.X << 2, cell.Y << 2}
		c.Tile.N += cell.N
		c.Tile.Cells = append(c.Tile.Cells, Cell{X: xy[0], Y: xy[1], N: cell.N, Lat: cell.Lat, Lng: cell.Lng})
		if n.Breakdown != nil {
			if kc, ok := n.Breakdown.Cells[[2]int{cell.X, cell.Y}]; ok {
				c.Breakdown.Cells[xy] = kc
			}
		}
		out[id] = c
	}
	return out
}

// BuildParent computes the cluster tile id from its children (leaf or cluster tiles two levels down;
// missing children are simply absent). A child that is not inline needs its breakdown; without it the
// child's reports are counted in the cells but not in the parent's breakdown. Equal children give equal
// documents, in whatever order: the breakdown's keys are sorted, and each cell's counts by key.
func BuildParent(id string, children []Node) Node {
	z, x, y, _ := ParseTileID(id)
	t := Tile{Z: z, X: x, Y: y}
	withBreakdown := z > TopLevel
	var (
		keys      []string
		pointKey  map[string]int
		translate func([]string) []int
	)
	if withBreakdown {
		keys, pointKey, translate = parentKeys(children)
	}
	type acc struct {
		n        int
		lat, lng float64
		counts   []KeyCount // by key index in keys, unsorted, repeated keys to add up
	}
	cells := map[[2]int]*acc{}
	cell := func(cx, cy int) *acc {
		a := cells[[2]int{cx, cy}]
		if a == nil {
			a = &acc{}
			cells[[2]int{cx, cy}] = a
		}
		return a
	}
	var points []Summary
	allInline := true
	for _, c := range children {
		t.N += c.Tile.N
		if c.Tile.inline() {
			for _, p := range c.Tile.Points {
				if p.Gone {
					continue
				}
				a := cell(tileXY(z+CellDepth, p.Lat, p.Lng))
				a.n++
				a.lat += p.Lat
				a.lng += p.Lng
				if withBreakdown {
					a.counts = append(a.counts, KeyCount{K: pointKey[groupKey(p)], N: 1})
				}
				points = append(points, p)
			}
			continue
		}
		allInline = false
		for _, cc := range c.Tile.Cells {
			a := cell(cc.X>>2, cc.Y>>2)
			a.n += cc.N
			a.lat += cc.Lat * float64(cc.N)
			a.lng += cc.Lng * float64(cc.N)
		}
		if c.Breakdown == nil || !withBreakdown {
			continue
		}
		tr := translate(c.Breakdown.Keys)
		for xy, kcs := range c.Breakdown.Cells {
			a := cell(xy[0]>>2, xy[1]>>2)
			for _, kc := range kcs {
				a.counts = append(a.counts, KeyCount{K: tr[kc.K], N: kc.N})
			}
		}
	}
	bd := &Breakdown{Cells: map[[2]int][]KeyCount{}}
	used := make([]bool, len(keys))
	for k, a := range cells {
		if a.n == 0 {
			continue
		}
		t.Cells = append(t.Cells, Cell{X: k[0], Y: k[1], N: a.n, Lat: round6(a.lat / float64(a.n)), Lng: round6(a.lng / float64(a.n))})
		slices.SortFunc(a.counts, func(p, q KeyCount) int { return p.K - q.K })
		kc := a.counts[:0]
		for _, c := range a.counts {
			if len(kc) > 0 && kc[len(kc)-1].K == c.K {
				kc[len(kc)-1].N += c.N
				continue
			}
			kc = append(kc, c)
			used[c.K] = true
		}
		bd.Cells[k] = kc
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
	if z >= InlineMinLevel && allInline && t.N <= InlineMax {
		if points == nil {
			points = []Summary{}
		}
		sort.Slice(points, func(i, j int) bool { return points[i].Code < points[j].Code })
		t.Points = points
		return Node{Tile: t}
	}
	if !withBreakdown {
		return Node{Tile: t}
	}
	// Keep the keys some cell counts (a child's may name keys of reports that left), numbered anew.
	renum := make([]int, len(keys))
	for i, k := range keys {
		if used[i] {
			renum[i] = len(bd.Keys)
			bd.Keys = append(bd.Keys, k)
		}
	}
	for _, kcs := range bd.Cells {
		for i := range kcs {
			kcs[i].K = renum[kcs[i].K]
		}
	}
	return Node{Tile: t, Breakdown: bd}
}

// parentKeys returns the sorted union of the children's breakdown keys and their inline points' group
// keys, the index in it of each point key, and a function giving, for a child's breakdown keys, the index
// in it of each. Children split from one tile share their key list, which is then read once.
func parentKeys(children []Node) (keys []string, pointKey map[string]int, translate func([]string) []int) {
	type list struct {
		first *string
		n     int
	}
	var lists [][]string
	seen := map[list]bool{}
	points := map[string]bool{}
	for _, c := range children {
		switch {
		case c.Tile.inline():
			for _, p := range c.Tile.Points {
				if !p.Gone {
					points[groupKey(p)] = true
				}
			}
		case c.Breakdown != nil && len(c.Breakdown.Keys) > 0:
			if l := (list{&c.Breakdown.Keys[0], len(c.Breakdown.Keys)}); !seen[l] {
				seen[l] = true
				lists = append(lists, c.Breakdown.Keys)
			}
		}
	}
	if len(points) > 0 {
		lists = append(lists, slices.Sorted(maps.Keys(points)))
	}
	for _, l := range lists {
		if !slices.IsSorted(l) {
			l = slices.Sorted(slices.Values(l))
		}
		keys = mergeSorted(keys, l)
	}
	pointKey = make(map[string]int, len(points))
	for k := range points {
		pointKey[k], _ = slices.BinarySearch(keys, k)
	}
	translations := map[list][]int{}
	translate = func(l []string) []int {
		if len(l) == 0 {
			return nil
		}
		if tr, ok := translations[list{&l[0], len(l)}]; ok {
			return tr
		}
		tr := make([]int, len(l))
		for i, k := range l {
			tr[i], _ = slices.BinarySearch(keys, k)
		}
		translations[list{&l[0], len(l)}] = tr
		return tr
	}
	return keys, pointKey, translate
}

// mergeSorted returns the sorted union of two sorted lists of distinct strings.
func mergeSorted(a, b []string) []string {
	out := make([]string, 0, max(len(a), len(b)))
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] < b[0]:
			out, a = append(out, a[0]), a[1:]
		case b[0] < a[0]:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return append(append(out, a...), b...)
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
