package publicmap

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

// synthetic returns n summaries around Hạ Long (dense) and Móng Cái (sparse), three categories, two
// agencies, received over 2025.
func synthetic(n int) []Summary {
	rng := rand.New(rand.NewPCG(7, 8))
	out := make([]Summary, n)
	for i := range out {
		lat, lng := 20.955+rng.NormFloat64()*0.02, 107.05+rng.NormFloat64()*0.03
		if i%5 == 0 {
			lat, lng = 21.53+rng.NormFloat64()*0.05, 107.96+rng.NormFloat64()*0.05
		}
		out[i] = Summary{Code: fmt.Sprintf("QN-T-%06d", i), Lat: round6(lat), Lng: round6(lng),
			Category: []string{"road_damage", "garbage", "flooding"}[i%3], Agency: []string{"ubnd-1", "ubnd-2"}[i%2],
			Commune: []string{"06673", "06700"}[i%2], Received: 20250100 + (i%12)*100 + 1 + i%28, V: 1}
	}
	return out
}

// pyramid builds the tiles of the summaries in memory, as Rebuild and the benchmark do, checking that every
// tile goes to Tiles under its DocID and every breakdown to Breakdowns under the BreakdownID its tile names.
// It returns the documents by collection and tile id, and the decoded tiles.
func pyramid(t *testing.T, points []Summary) (map[Collection]map[string][]byte, map[string]Node) {
	t.Helper()
	leaves := map[string]*Tile{}
	for _, p := range points {
		id := LeafOf(p.Lat, p.Lng)
		if leaves[id] == nil {
			z, x, y, _ := ParseTileID(id)
			leaves[id] = &Tile{Z: z, X: x, Y: y}
		}
		leaves[id].Points = append(leaves[id].Points, p)
	}
	docs := map[Collection]map[string][]byte{}
	refs := map[string]string{}
	err := BuildPyramid(leaves, func(c Collection, batch map[string][]byte) error {
		if len(batch) > pyramidBatch {
			t.Errorf("batch of %d documents", len(batch))
		}
		if c != Tiles && c != Breakdowns {
			t.Fatalf("documents handed over for collection %s", c)
		}
		if docs[c] == nil {
			docs[c] = map[string][]byte{}
		}
		for key, d := range batch {
			doc, ref, isBreakdown := strings.Cut(key, "#")
			id, ok := TileOfDoc(doc)
			if _, _, _, err := ParseTileID(id); !ok || err != nil || isBreakdown != (c == Breakdowns) || DocID(id) != doc {
				t.Fatalf("%s: _id %q is not the DocID or BreakdownID of a tile", c, key)
			}
			if isBreakdown {
				refs[id] = ref
			}
			if _, dup := docs[c][id]; dup {
				t.Errorf("%s %s handed over twice", c, key)
			}
			docs[c][id] = d
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]Node{}
	for id := range docs[Breakdowns] {
		if _, ok := docs[Tiles][id]; !ok {
			t.Errorf("breakdown %s without its tile", id)
		}
	}
	for id, raw := range docs[Tiles] {
		tile, err := decodeTile(raw, id)
		if err != nil {
			t.Fatal(err)
		}
		if TileID(tile.Z, tile.X, tile.Y) != id {
			t.Errorf("document %s holds tile %d/%d/%d", id, tile.Z, tile.X, tile.Y)
		}
		n := Node{Tile: tile}
		if bd, ok := docs[Breakdowns][id]; ok {
			if n.Breakdown, err = DecodeBreakdown(bd); err != nil {
				t.Fatal(err)
			}
			if h := contentHash(encodeBreakdown(n.Breakdown)); refs[id] != tile.B || h != tile.H {
				t.Errorf("%s names breakdown %s of hash %s, has %s of hash %s", id, tile.B, tile.H, refs[id], h)
			}
		} else if tile.B != "" {
			t.Errorf("%s names breakdown %s that was not written", id, tile.B)
		}
		nodes[id] = n
	}
	return docs, nodes
}

func TestPyramidCountsEveryReportOnceAtEveryLevel(t *testing.T) {
	points := synthetic(5000)
	_, nodes := pyramid(t, points)
	total := map[int]int{}
	for id, n := range nodes {
		total[n.Tile.Z] += n.Tile.N
		if n.Tile.Z == LeafLevel {
			continue
		}
		cells := 0
		for _, c := range n.Tile.Cells {
			cells += c.N
			if n.Breakdown == nil {
				continue
			}
			g := 0
			for _, kc := range n.Breakdown.Cells[[2]int{c.X, c.Y}] {
				g += kc.N
			}
			if g != c.N {
				t.Errorf("%s cell %d,%d: breakdown %d, count %d", id, c.X, c.Y, g, c.N)
			}
		}
		if cells != n.Tile.N {
			t.Errorf("%s: cells hold %d of %d", id, cells, n.Tile.N)
		}
		if len(n.Tile.Cells) > 1<<(2*CellDepth) {
			t.Errorf("%s: %d cells", id, len(n.Tile.Cells))
		}
		if n.Tile.Points != nil && (n.Tile.Z < InlineMinLevel || n.Tile.N > InlineMax || n.Breakdown != nil) {
			t.Errorf("%s inlines %d reports at level %d (breakdown %v)", id, n.Tile.N, n.Tile.Z, n.Breakdown != nil)
		}
	}
	for z := TopLevel; z <= LeafLevel; z += 2 {
		if total[z] != len(points) {
			t.Errorf("level %d counts %d reports, want %d", z, total[z], len(points))
		}
	}
}

func TestFilteredClustersAgreeWithPoints(t *testing.T) {
	points := synthetic(3000)
	_, nodes := pyramid(t, points)
	box := Extent
	filters := []Filter{
		{},
		{Category: "garbage"},
		{Agency: "ubnd-2", Commune: "06700"},
		{Category: "road_damage", Agency: "ubnd-1"},
		{Since: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC)},
		{Category: "flooding", Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, f := range filters {
		want := 0
		for _, p := range points {
			if f.matchPoint(p) {
				want++
			}
		}
		for _, zoom := range []int{8, 10, 12, 14, 16, 18, 20} {
			_, ids := Plan(box, zoom, !f.IsZero())
			var tiles []Tile
			bds := map[string]*Breakdown{}
			for _, id := range ids {
				if n, ok := nodes[id]; ok {
					tiles = append(tiles, n.Tile)
					bds[id] = n.Breakdown
				}
			}
			features, truncated := Features(tiles, bds, box, zoom, f)
			got := 0
			for _, ft := range features {
				got += max(ft.Count, 1)
				if ft.Point != nil && !f.matchPoint(*ft.Point) {
					t.Errorf("%+v zoom %d: %s does not match", f, zoom, ft.Point.Code)
				}
			}
			if !truncated && got != want {
				t.Errorf("%+v zoom %d: %d reports in %d features, want %d", f, zoom, got, len(features), want)
			}
			if len(features) > MaxFeatures {
				t.Errorf("zoom %d: %d features", zoom, len(features))
			}
		}
	}
}

func TestBreakdownsEncodeCanonically(t *testing.T) {
	points := synthetic(800)
	id := TileID(10, 0, 0)
	{
		x, y := tileXY(10, points[1].Lat, points[1].Lng)
		id = TileID(10, x, y)
	}
	children := func(reverse bool) []Node {
		_, nodes := pyramid(t, points)
		var out []Node
		for _, cid := range Children(id) {
			if n, ok := nodes[cid]; ok {
				out = append(out, n)
			}
		}
		if reverse {
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
		}
		return out
	}
	a, b := BuildParent(id, children(false)), BuildParent(id, children(true))
	ba, bb := a.EncodeBreakdown(), b.EncodeBreakdown()
	ta, err := json.Marshal(a.Tile)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := json.Marshal(b.Tile)
	if string(ta) != string(tb) || string(ba) != string(bb) || a.Tile.H == "" {
		t.Errorf("the same children in another order encode differently (hash %q)", a.Tile.H)
	}
	back, err := DecodeBreakdown(ba)
	if err != nil || string(storedBreakdown(encodeBreakdown(back))) != string(ba) {
		t.Errorf("breakdown does not survive a round trip: %v", err)
	}
	if len(ba) > len(encodeJSON(back))/5 {
		t.Errorf("breakdown of %d bytes, %d as JSON: not compact", len(ba), len(encodeJSON(back)))
	}
	// Truncated, extended or corrupt documents are refused, never read past their end.
	for n := range len(ba) {
		if _, err := DecodeBreakdown(ba[:n]); err == nil {
			t.Fatalf("breakdown cut to %d of %d bytes decoded", n, len(ba))
		}
	}
	body := encodeBreakdown(back)
	bad := [][]byte{append(append([]byte(nil), ba...), 0), append([]byte{breakdownFormat + 1}, ba[1:]...),
		storedBreakdown(body[:len(body)-1]), storedBreakdown(append(append([]byte(nil), body...), 0)),
		storedBreakdown([]byte{1, 1, 'a', 1, 1, 0, 1, 0, 0, 1, 5, 1}), // a cell naming key 5 of 1
		storedBreakdown([]byte{1, 1, 'a', 1, 1, 7}),                   // a key naming part 7 of 1
		storedBreakdown([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}),         // 4 billion parts
		storedBreakdown(make([]byte, maxBreakdownSize+1))}
	for _, b := range bad {
		if _, err := DecodeBreakdown(b); err == nil {
			t.Errorf("% .20x decoded", b)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := append([]byte(nil), ba...)
		b[rng.IntN(len(b))] = byte(rng.IntN(256))
		_, _ = DecodeBreakdown(b) // must not panic
	}
	for range 2000 {
		b := append([]byte(nil), body...)
		b[rng.IntN(len(b))] = byte(rng.IntN(256))
		_, _ = decodeBreakdown(b) // must not panic
	}
}

// encodeJSON is the breakdown as the JSON of its keys and cells, to compare sizes.
func encodeJSON(b *Breakdown) []byte {
	raw, _ := json.Marshal(struct {
		K []string
		C map[string][]KeyCount
	}{b.Keys, func() map[string][]KeyCount {
		m := map[string][]KeyCount{}
		for xy, kc := range b.Cells {
			m[fmt.Sprint(xy)] = kc
		}
		return m
	}()})
	return raw
}

// screen is the box of a 1280 × 800 px map centred on lat, lng at zoom.
func screen(lat, lng float64, zoom int) BBox {
	degPerPx := 360 / (256 * math.Pow(2, float64(zoom)))
	return BBox{MinLng: lng - 640*degPerPx, MaxLng: lng + 640*degPerPx,
		MinLat: lat - 400*degPerPx*math.Cos(lat*math.Pi/180), MaxLat: lat + 400*degPerPx*math.Cos(lat*math.Pi/180)}
}

// TestPlanReadsFewTilesAtEveryZoom: a screen reads at most a dozen tiles, unless it is filtered and shows
// more than the top level's tiles (which have no breakdown): then at most the 35 of the level below over
// the province. Cells are never coarser than the grid clusters are drawn on.
func TestPlanReadsFewTilesAtEveryZoom(t *testing.T) {
	for zoom := 0; zoom <= 22; zoom++ {
		for _, filtered := range []bool{false, true} {
			level, ids := Plan(screen(20.955, 107.05, zoom), zoom, filtered)
			most := 12
			if filtered && LevelFor(zoom) == TopLevel {
				most = 35
			}
			if len(ids) == 0 || len(ids) > most || (filtered && level == TopLevel) {
				t.Errorf("zoom %d, filtered %v: %d tiles of level %d", zoom, filtered, len(ids), level)
			}
			if zoom <= LeafLevel && level != LeafLevel && level+CellDepth < clusterLevel(zoom) {
				t.Errorf("zoom %d: level %d cells are coarser than the %d grid", zoom, level, clusterLevel(zoom))
			}
		}
	}
	if _, ids := Plan(Extent, 0, true); len(ids) != 35 {
		t.Errorf("the whole province filtered reads %d tiles", len(ids))
	}
	if _, ids := Plan(BBox{MinLng: 0, MinLat: 0, MaxLng: 1, MaxLat: 1}, 12, false); ids != nil {
		t.Errorf("a box outside the province reads %v", ids)
	}
}

func TestDocIDNamesFormatAndTile(t *testing.T) {
	seen := map[string]string{}
	for z := TopLevel; z <= LeafLevel; z += 2 {
		x, y := tileXY(z, 20.955, 107.05)
		for _, id := range []string{TileID(z, x, y), TileID(z, x+1, y), TileID(z, x, y+1)} {
			key := DocID(id)
			if want := fmt.Sprintf("%d:%s", FormatVersion, id); key != want {
				t.Errorf("DocID(%s) = %q, want %q", id, key, want)
			}
			if back, ok := TileOfDoc(key); !ok || back != id {
				t.Errorf("TileOfDoc(%q) = %q, %v", key, back, ok)
			}
			if other, dup := seen[key]; dup {
				t.Errorf("%s and %s share the _id %s", id, other, key)
			}
			seen[key] = id
		}
	}
	for _, key := range []string{fmt.Sprintf("%d:8/204/112", FormatVersion-1), "8/204/112", fmt.Sprintf("%d8/204/112", FormatVersion)} {
		if id, ok := TileOfDoc(key); ok {
			t.Errorf("TileOfDoc(%q) = %q: a document of another format taken for this one's", key, id)
		}
	}
}

func TestBreakdownCacheKeepsItsBudget(t *testing.T) {
	c := newBreakdownCache(100)
	b := &Breakdown{}
	c.put("a", "h1", b, 40)
	c.put("b", "h1", b, 40)
	if c.get("a", "h2") != nil || c.get("a", "h1") != b {
		t.Fatal("get ignores the hash")
	}
	c.put("c", "h1", b, 40) // evicts b, the least recently used
	if c.get("b", "h1") != nil || c.get("a", "h1") == nil || c.get("c", "h1") == nil || c.size != 80 {
		t.Errorf("eviction: size %d", c.size)
	}
	c.put("a", "h2", b, 10) // replaces a
	if c.get("a", "h1") != nil || c.get("a", "h2") == nil || c.size != 50 {
		t.Errorf("replacement: size %d", c.size)
	}
	c.put("huge", "h", b, 1000)
	if c.get("huge", "h") != nil || c.size != 50 {
		t.Error("an entry above the budget was kept")
	}
}

// TestSplitRebuildsAsFromAllChildren: a tile rebuilt from its changed child and the split of its stored
// form is the tile built from all its children, at every level above a changed leaf, as reports are added,
// taken off, and a sparse tile's reports outgrow InlineMax; when the tile might carry its reports inline
// again, the rebuild is told to read all the children.
func TestSplitRebuildsAsFromAllChildren(t *testing.T) {
	points := synthetic(3000)
	_, nodes := pyramid(t, points)
	dense := LeafOf(points[1].Lat, points[1].Lng)
	sparse := LeafOf(points[0].Lat, points[0].Lng) // Móng Cái
	many := func(leaf string, n int) []Summary {
		z, x, y, _ := ParseTileID(leaf)
		w, so, e, no := tileBounds(z, x, y)
		out := make([]Summary, n)
		for i := range out {
			out[i] = Summary{Code: fmt.Sprintf("QN-NEW-%04d", i), Lat: round6(so + (no-so)*float64(i+1)/float64(n+2)),
				Lng: round6(w + (e-w)/2), Category: "garbage", Agency: "ubnd-9", Commune: "06999", Received: 20251201, V: 1}
		}
		return out
	}
	steps := []struct {
		name string
		leaf string
		edit func(tile *Tile)
	}{
		{"a report added to a dense leaf", dense, func(tl *Tile) { tl.SetEntry(many(dense, 1)[0]) }},
		{"a report taken off", dense, func(tl *Tile) {
			p := tl.Points[0]
			p.V++
			p.Gone = true
			tl.SetEntry(p)
		}},
		{"a sparse leaf outgrows InlineMax", sparse, func(tl *Tile) {
			for _, p := range many(sparse, InlineMax+1) {
				tl.SetEntry(p)
			}
		}},
		{"and falls back under it", sparse, func(tl *Tile) {
			for _, p := range many(sparse, InlineMax+1) {
				p.V, p.Gone = 2, true
				tl.SetEntry(p)
			}
		}},
	}
	encode := func(n Node) string {
		bd := n.EncodeBreakdown()
		n.Tile.B = ""
		tile, _ := json.Marshal(n.Tile)
		return string(tile) + "|" + hex.EncodeToString(bd)
	}
	fullRebuilds := 0
	for _, st := range steps {
		leaf := nodes[st.leaf].Tile
		leaf.Points = append([]Summary(nil), leaf.Points...)
		st.edit(&leaf)
		nodes[st.leaf] = Node{Tile: leaf}
		for child, p := st.leaf, ParentOf(st.leaf); p != ""; child, p = p, ParentOf(p) {
			var all []Node
			for _, c := range Children(p) {
				if n, ok := nodes[c]; ok {
					all = append(all, n)
				}
			}
			want := BuildParent(p, all)
			parts := []Node{nodes[child]}
			for cid, n := range split(nodes[p]) {
				if cid != child {
					parts = append(parts, n)
				}
			}
			got := BuildParent(p, parts)
			mayInline := !got.Tile.inline() && got.Tile.Z >= InlineMinLevel && got.Tile.N <= InlineMax
			if mayInline {
				fullRebuilds++
			}
			if !mayInline && encode(got) != encode(want) {
				t.Errorf("%s: %s rebuilt from its split differs from its children's:\n%s\n%s", st.name, p, encode(got), encode(want))
			}
			if mayInline && !want.Tile.inline() && encode(got) != encode(want) {
				t.Errorf("%s: %s: a full rebuild was due, and the split one differs too", st.name, p)
			}
			nodes[p] = want
		}
	}
	if fullRebuilds == 0 {
		t.Error("falling back under InlineMax called for no full rebuild")
	}
}

// TestBuildParentAsReference: BuildParent computes what the reference does, at every level of a pyramid,
// with the children in any order and with a breakdown missing.
func TestBuildParentAsReference(t *testing.T) {
	_, nodes := pyramid(t, synthetic(4000))
	encode := func(n Node) string {
		bd := n.EncodeBreakdown()
		tile, _ := json.Marshal(n.Tile)
		return string(tile) + "|" + hex.EncodeToString(bd)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for id, n := range nodes {
		if n.Tile.Z == LeafLevel {
			continue
		}
		var children []Node
		for _, c := range Children(id) {
			if cn, ok := nodes[c]; ok {
				children = append(children, cn)
			}
		}
		rng.Shuffle(len(children), func(i, j int) { children[i], children[j] = children[j], children[i] })
		if rng.IntN(4) == 0 {
			for i := range children {
				if children[i].Breakdown != nil {
					children[i].Breakdown = nil
					break
				}
			}
		}
		want := referenceParent(id, children)
		if n.Tile.Z == TopLevel {
			want.Breakdown = nil // top-level tiles have none
		}
		if got, want := encode(BuildParent(id, children)), encode(want); got != want {
			t.Fatalf("%s:\n%s\nwant\n%s", id, got, want)
		}
		checked++
	}
	if checked < 50 {
		t.Errorf("%d tiles checked", checked)
	}
}

// referenceParent is BuildParent as first written, with maps of keys: what BuildParent must compute.
func referenceParent(id string, children []Node) Node {
	z, x, y, _ := ParseTileID(id)
	t := Tile{Z: z, X: x, Y: y}
	type acc struct {
		n        int
		lat, lng float64
		g        map[string]int
	}
	cells := map[[2]int]*acc{}
	cell := func(cx, cy int) *acc {
		a := cells[[2]int{cx, cy}]
		if a == nil {
			a = &acc{g: map[string]int{}}
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
				a.g[groupKey(p)]++
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
		if c.Breakdown == nil {
			continue
		}
		for xy, kcs := range c.Breakdown.Cells {
			a := cell(xy[0]>>2, xy[1]>>2)
			for _, kc := range kcs {
				a.g[c.Breakdown.Keys[kc.K]] += kc.N
			}
		}
	}
	bd := &Breakdown{Cells: map[[2]int][]KeyCount{}}
	keyIndex := map[string]int{}
	for k, a := range cells {
		if a.n == 0 {
			continue
		}
		t.Cells = append(t.Cells, Cell{X: k[0], Y: k[1], N: a.n, Lat: round6(a.lat / float64(a.n)), Lng: round6(a.lng / float64(a.n))})
		keys := make([]string, 0, len(a.g))
		for gk := range a.g {
			keys = append(keys, gk)
		}
		sort.Strings(keys)
		kc := make([]KeyCount, 0, len(keys))
		for _, gk := range keys {
			i, ok := keyIndex[gk]
			if !ok {
				i = len(bd.Keys)
				keyIndex[gk] = i
				bd.Keys = append(bd.Keys, gk)
			}
			kc = append(kc, KeyCount{K: i, N: a.g[gk]})
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
	referenceCanonicalKeys(bd)
	return Node{Tile: t, Breakdown: bd}
}

func referenceCanonicalKeys(b *Breakdown) {
	order := make([]int, len(b.Keys))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return b.Keys[order[i]] < b.Keys[order[j]] })
	renum := make([]int, len(b.Keys))
	keys := make([]string, len(b.Keys))
	for newI, oldI := range order {
		renum[oldI] = newI
		keys[newI] = b.Keys[oldI]
	}
	b.Keys = keys
	for xy, kcs := range b.Cells {
		for i := range kcs {
			kcs[i].K = renum[kcs[i].K]
		}
		sort.Slice(kcs, func(i, j int) bool { return kcs[i].K < kcs[j].K })
		b.Cells[xy] = kcs
	}
}
