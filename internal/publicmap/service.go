package publicmap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// Collection names the kind of precomputed document.
type Collection string

// The collections.
const (
	Records    Collection = "public_reports" // _id: report code
	Meta       Collection = "map_meta"       // _id: "format"
	Tiles      Collection = "map_tiles"      // _id: DocID of the tile
	Breakdowns Collection = "map_breakdowns" // _id: DocID of the tile whose breakdown it is
	Stats      Collection = "stats"          // _id: "YYYY-MM-DD|dimension"
)

// Store keeps the precomputed documents, addressed only by _id. Documents are opaque bytes.
type Store interface {
	// Doc returns a document; fault.ErrNotFound when there is none.
	Doc(ctx context.Context, c Collection, id string) ([]byte, error)
	// Docs returns the documents that exist among ids.
	Docs(ctx context.Context, c Collection, ids []string) (map[string][]byte, error)
	// UpdateDoc runs change on the document (nil when missing) and stores its result, arbitrating between
	// concurrent writers so that no change is lost: a writer that lost re-reads and runs change again.
	// A result equal to the input, or nil, writes nothing.
	UpdateDoc(ctx context.Context, c Collection, id string, change func(old []byte) ([]byte, error)) error
	// PutDocs overwrites documents (Rebuild).
	PutDocs(ctx context.Context, c Collection, docs map[string][]byte) error
	// DeleteDocs removes documents (missing ones are no error).
	DeleteDocs(ctx context.Context, c Collection, ids []string) error
	// ScanDocs returns up to limit documents with _id > after, in _id order.
	ScanDocs(ctx context.Context, c Collection, after string, limit int) (ids []string, docs [][]byte, err error)
	// AddReceived counts one report received on day (YYYY-MM-DD, Vietnam time) under each dimension's key.
	AddReceived(ctx context.Context, day string, keys map[Dimension]string) error
	// ReceivedOn returns the reports received on the days (those with any), by day, dimension and key.
	ReceivedOn(ctx context.Context, days []string) (map[string]map[Dimension]map[string]int, error)
}

// Service publishes reports and answers the public reads.
type Service struct {
	Store     Store
	Catalogue func() *catalogue.Catalogue
	Places    *jurisdiction.Index
	Calendar  *workcal.Calendar

	cacheOnce sync.Once
	cache     *breakdownCache
}

// CacheBytes is the budget, in bytes of memory, of each Service's cache of decoded tile breakdowns.
const CacheBytes = 64 << 20

func (s *Service) breakdownCache() *breakdownCache {
	s.cacheOnce.Do(func() { s.cache = newBreakdownCache(CacheBytes) })
	return s.cache
}

// record is the publication record of a report: its public view when public, and what it contributed to
// the tiles and the statistics.
//
// Lat, Lng is where the report is shown: its location at its category's public precision (PrecisionM,
// see catalogue.Category.PublicPoint), never the exact point. Placed says the point was decided, the
// first time the report was public: it is kept from then on, whatever later happens to the category.
type record struct {
	V          int64                `json:"v"`
	Public     bool                 `json:"public"`
	View       *PublicReport        `json:"view,omitempty"`
	Leaf       string               `json:"leaf"`
	Lat        float64              `json:"lat"`
	Lng        float64              `json:"lng"`
	PrecisionM int                  `json:"precision_m"`
	Placed     bool                 `json:"placed,omitempty"`
	Summary    *Summary             `json:"summary,omitempty"`
	Keys       map[Dimension]string `json:"keys"`
	RecvDay    string               `json:"recv_day"`
	ResDay     string               `json:"res_day,omitempty"`
	Stat       StatEntry            `json:"stat"` // Received/Resolved flags unset: they depend on the day
}

// Item is a report with its workflow state.
type Item struct {
	Report report.Report
	Ticket report.Ticket
}

// Sync brings the public map and the statistics in line with the report: call it whenever a report is
// resolved, closed, reopened, rated, hidden or unhidden (any call is safe: it is idempotent, and a call
// with an older Report.Version than one already synced changes nothing). It returns
// fault.ErrUnavailable when the database does not answer; documents already updated stay consistent
// and calling again completes the rest.
func (s *Service) Sync(ctx context.Context, r report.Report, t report.Ticket) error {
	return s.SyncAll(ctx, []Item{{r, t}})
}

// Publish is Sync for a report expected to be public.
func (s *Service) Publish(ctx context.Context, r report.Report, t report.Ticket) error {
	return s.Sync(ctx, r, t)
}

// Unpublish takes the report off the map (keeping its statistics), whatever its state.
func (s *Service) Unpublish(ctx context.Context, r report.Report, t report.Ticket) error {
	t.Hidden = true
	return s.Sync(ctx, r, t)
}

// recordOf is the publication record of the report, old its current one (nil when there is none).
func (s *Service) recordOf(r report.Report, t report.Ticket, old *record) record {
	cat, known := s.Catalogue().Category(r.Category)
	rec := record{V: r.Version, Public: Publishable(r, t, cat), RecvDay: dayString(r.CreatedAt),
		Keys: map[Dimension]string{ByAgency: r.Routing.AgencyID, ByCommune: r.Routing.CommuneCode, ByCategory: r.Category}}
	if old != nil && old.Placed {
		rec.Lat, rec.Lng, rec.PrecisionM, rec.Placed = old.Lat, old.Lng, old.PrecisionM, true
	} else {
		if !known {
			cat.PublicPrecisionM = catalogue.DefaultPublicPrecisionM
		}
		p := cat.PublicPoint(jurisdiction.Point{Lat: r.Location.Lat, Lng: r.Location.Lng})
		rec.Lat, rec.Lng, rec.PrecisionM, rec.Placed = p.Lat, p.Lng, cat.PublicPrecisionM, rec.Public
	}
	rec.Leaf = LeafOf(rec.Lat, rec.Lng)
	if rec.Public {
		v := View(r, t)
		v.Lat, v.Lng, v.LocationPrecisionM = rec.Lat, rec.Lng, rec.PrecisionM
		sm := summaryOf(v, r.Version)
		rec.View, rec.Summary = &v, &sm
	}
	rec.Stat = StatEntry{V: r.Version}
	if (r.Status == report.Resolved || r.Status == report.Closed) && !t.ResolvedAt.IsZero() {
		rec.ResDay = dayString(t.ResolvedAt)
		rec.Stat.OnTime = OnTime(t)
		rec.Stat.Hours = hoursToResolve(s.Calendar, r.CreatedAt, t.ResolvedAt)
		rec.Stat.Rating = t.Rating
	}
	return rec
}

// SyncAll is Sync for many reports at once, writing each tile and day document once.
func (s *Service) SyncAll(ctx context.Context, items []Item) error {
	leaves := map[string][]Summary{}
	statEntries := map[string]map[string]StatEntry{} // day doc → code → entry
	dayEntries := map[string]map[string]dayEntry{}   // request day index → code → entry
	for _, it := range items {
		var rec record
		var old *record
		stale := false
		err := s.Store.UpdateDoc(ctx, Records, it.Report.Code, func(raw []byte) ([]byte, error) {
			old, stale = nil, false
			if raw != nil {
				var o record
				if err := json.Unmarshal(raw, &o); err != nil {
					return nil, fmt.Errorf("decode record %s: %w", it.Report.Code, err)
				}
				old = &o
				if o.V > it.Report.Version {
					stale = true
					return nil, nil
				}
			}
			rec = s.recordOf(it.Report, it.Ticket, old)
			return json.Marshal(rec)
		})
		if err != nil {
			return fmt.Errorf("update record %s: %w", it.Report.Code, err)
		}
		if stale {
			continue
		}
		switch {
		case rec.Summary != nil:
			leaves[rec.Leaf] = append(leaves[rec.Leaf], *rec.Summary)
		case old != nil && old.Public:
			leaves[rec.Leaf] = append(leaves[rec.Leaf], Summary{Code: it.Report.Code, Lat: rec.Lat, Lng: rec.Lng, V: rec.V, Gone: true})
		}
		addStats(statEntries, it.Report.Code, rec, old)
		addRequestDays(dayEntries, it.Report.Code, rec, old)
	}
	// The tiles, the statistics and the day indexes are separate documents, written side by side.
	var stats sync.WaitGroup
	var statsErr, daysErr error
	stats.Go(func() { statsErr = s.updateStats(ctx, statEntries) })
	stats.Go(func() { daysErr = s.updateRequestDays(ctx, dayEntries) })
	err := s.updateTiles(ctx, leaves)
	stats.Wait()
	return errors.Join(err, statsErr, daysErr)
}

// addStats lists the day-document entries of rec (its resolution), and blanks those of old that rec no
// longer has. Receipts are counted apart, when a report arrives (CountReceived).
func addStats(out map[string]map[string]StatEntry, code string, rec record, old *record) {
	put := func(day string, d Dimension, e StatEntry) {
		id := StatsDayID(day, d)
		if out[id] == nil {
			out[id] = map[string]StatEntry{}
		}
		out[id][code] = e
	}
	for _, d := range Dimensions {
		want := map[string]StatEntry{}
		e := rec.Stat
		e.Key = rec.Keys[d]
		if rec.ResDay != "" {
			rs := e
			rs.Resolved = true
			want[rec.ResDay] = rs
		}
		if old != nil {
			if _, ok := want[old.ResDay]; old.ResDay != "" && !ok {
				want[old.ResDay] = StatEntry{Key: e.Key, V: e.V} // no longer counted that day
			}
		}
		for day, e := range want {
			put(day, d, e)
		}
	}
}

func (s *Service) updateTiles(ctx context.Context, leaves map[string][]Summary) error {
	parents := map[string]map[string]bool{} // parent → the children to read afresh to rebuild it
	for id, entries := range leaves {
		err := s.Store.UpdateDoc(ctx, Tiles, DocID(id), func(raw []byte) ([]byte, error) {
			t, err := decodeTile(raw, id)
			if err != nil {
				return nil, err
			}
			changed := false
			for _, e := range entries {
				changed = t.SetEntry(e) || changed
			}
			if !changed {
				return nil, nil
			}
			return json.Marshal(t)
		})
		if err != nil {
			return fmt.Errorf("update tile %s: %w", id, err)
		}
		// Even when the leaf did not change: a call that failed after writing it left the tiles above
		// behind, and calling again brings them in line (a rebuild that changes nothing writes nothing).
		addChanged(parents, id)
	}
	// The breakdowns a level's rebuild replaced are deleted while the levels above are rebuilt.
	var cleanup sync.WaitGroup
	defer cleanup.Wait()
	for len(parents) > 0 {
		next := map[string]map[string]bool{}
		for id, changed := range parents {
			garbage, err := s.rebuildTile(ctx, id, changed)
			if err != nil {
				return err
			}
			if len(garbage) > 0 {
				// A breakdown left by a failure is unused, and Rebuild deletes it: no reason to fail
				// the publication.
				cleanup.Go(func() { _ = s.Store.DeleteDocs(ctx, Breakdowns, garbage) })
			}
			addChanged(next, id)
		}
		parents = next
	}
	return nil
}

func addChanged(parents map[string]map[string]bool, child string) {
	p := ParentOf(child)
	if p == "" {
		return
	}
	if parents[p] == nil {
		parents[p] = map[string]bool{}
	}
	parents[p][child] = true
}

// rebuildTile recomputes cluster tile id after its children named in changed changed, under the store's
// arbitration of the tile document: the changed children are read after the tile's version, so the last
// writer saw every child change made before it. The tile's part over the other children is kept as
// stored (see split); it is built from all its children when it is new, when its breakdown is gone, or
// when it may carry its reports inline again.
//
// A changed breakdown is written as a new document before the tile that names it, so a reader never meets
// a tile naming a breakdown not written yet. rebuildTile returns the breakdowns to delete: the one it
// replaced, and those of attempts that lost the tile to another writer.
func (s *Service) rebuildTile(ctx context.Context, id string, changed map[string]bool) (garbage []string, _ error) {
	var (
		old, tile Tile
		built     *Breakdown
		wrote     bool
		inserted  []string // breakdown documents written by the attempts
	)
	err := s.Store.UpdateDoc(ctx, Tiles, DocID(id), func(raw []byte) ([]byte, error) {
		var err error
		if old, err = decodeTile(raw, id); err != nil {
			return nil, err
		}
		n, err := s.rebuilt(ctx, id, raw, old, changed)
		if err != nil {
			return nil, err
		}
		bd := n.EncodeBreakdown()
		switch {
		case bd == nil:
		case n.Tile.H == old.H && old.B != "":
			n.Tile.B = old.B
		default:
			n.Tile.B = newRef()
			key := BreakdownID(id, n.Tile.B)
			if err := s.Store.PutDocs(ctx, Breakdowns, map[string][]byte{key: bd}); err != nil {
				return nil, fmt.Errorf("write breakdown %s: %w", key, err)
			}
			inserted = append(inserted, key)
		}
		doc, err := json.Marshal(n.Tile)
		if err != nil {
			return nil, err
		}
		tile, built, wrote = n.Tile, n.Breakdown, !bytes.Equal(doc, raw)
		if !wrote {
			return nil, nil
		}
		return doc, nil
	})
	if err != nil {
		// The breakdowns written are left: the tile may name one if its write failed only to answer.
		return nil, fmt.Errorf("rebuild tile %s: %w", id, err)
	}
	for _, key := range inserted {
		if !wrote || key != BreakdownID(id, tile.B) {
			garbage = append(garbage, key)
		}
	}
	if wrote && old.B != "" && old.B != tile.B {
		garbage = append(garbage, BreakdownID(id, old.B))
	}
	if wrote && built != nil {
		// The parent's rebuild, next, reads it: spare it reading back what this process just wrote.
		s.breakdownCache().put(id, tile.B, built, built.memory())
	}
	return garbage, nil
}

// rebuilt computes cluster tile id from its stored form old (raw nil when there is none) and its changed
// children, read now.
func (s *Service) rebuilt(ctx context.Context, id string, raw []byte, old Tile, changed map[string]bool) (Node, error) {
	parent := Node{Tile: old}
	full := raw == nil
	if !full && !old.inline() {
		bds, _, err := s.breakdowns(ctx, []Tile{old})
		if err != nil {
			return Node{}, err
		}
		parent.Breakdown = bds[id]
		// A later rebuild replaced it: this attempt will lose, but build right.
		full = parent.Breakdown == nil && old.B != ""
	}
	if !full {
		ids := make([]string, 0, len(changed))
		for _, c := range Children(id) {
			if changed[c] {
				ids = append(ids, c)
			}
		}
		children, err := s.nodes(ctx, ids)
		if err != nil {
			return Node{}, err
		}
		for cid, n := range split(parent) {
			if !changed[cid] {
				children = append(children, n)
			}
		}
		n := BuildParent(id, children)
		if n.Tile.inline() || n.Tile.Z < InlineMinLevel || n.Tile.N > InlineMax {
			return n, nil
		}
	}
	ids, err := childrenToRead(raw, id, changed)
	if err != nil {
		return Node{}, err
	}
	children, err := s.nodes(ctx, ids)
	if err != nil {
		return Node{}, err
	}
	return BuildParent(id, children), nil
}

// childrenToRead are the children a full rebuild of tile id reads: those the tile counts reports in, and
// the changed ones. The others are empty (or were, when the tile was last built): reading them would be
// round trips for nothing. Rebuild reads everything.
func childrenToRead(raw []byte, id string, changed map[string]bool) ([]string, error) {
	t, err := decodeTile(raw, id)
	if err != nil {
		return nil, err
	}
	has := map[string]bool{}
	for c := range changed {
		has[c] = true
	}
	for _, c := range t.Cells {
		shift := CellDepth - 2 // cells are CellDepth levels below the tile, children 2
		has[TileID(t.Z+2, c.X>>shift, c.Y>>shift)] = true
	}
	for _, p := range t.Points {
		x, y := tileXY(t.Z+2, p.Lat, p.Lng)
		has[TileID(t.Z+2, x, y)] = true
	}
	var ids []string
	for _, c := range Children(id) {
		if has[c] {
			ids = append(ids, c)
		}
	}
	return ids, nil
}

// nodes reads tiles and, for those that need them, their breakdowns; missing tiles are left out.
func (s *Service) nodes(ctx context.Context, ids []string) ([]Node, error) {
	docs, err := s.readTiles(ctx, ids)
	if err != nil {
		return nil, err
	}
	tiles := make([]Tile, 0, len(docs))
	for _, id := range ids {
		if raw, ok := docs[id]; ok {
			t, err := decodeTile(raw, id)
			if err != nil {
				return nil, err
			}
			tiles = append(tiles, t)
		}
	}
	bds, _, err := s.breakdowns(ctx, tiles)
	if err != nil {
		return nil, err
	}
	out := make([]Node, len(tiles))
	for i, t := range tiles {
		out[i] = Node{Tile: t, Breakdown: bds[TileID(t.Z, t.X, t.Y)]}
	}
	return out, nil
}

// breakdowns returns the breakdowns of the tiles that have one, by tile id, from the cache or else read
// (and cached). settled is false when one is missing: a later rebuild replaced it since its tile was read.
func (s *Service) breakdowns(ctx context.Context, tiles []Tile) (_ map[string]*Breakdown, settled bool, _ error) {
	out := map[string]*Breakdown{}
	cache := s.breakdownCache()
	byKey := map[string]string{} // breakdown _id → tile id
	var keys []string
	for _, t := range tiles {
		if t.inline() || t.B == "" {
			continue
		}
		id := TileID(t.Z, t.X, t.Y)
		if b := cache.get(id, t.B); b != nil {
			out[id] = b
			continue
		}
		key := BreakdownID(id, t.B)
		byKey[key] = id
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return out, true, nil
	}
	docs, err := s.Store.Docs(ctx, Breakdowns, keys)
	if err != nil {
		return nil, false, err
	}
	for key, raw := range docs {
		b, err := DecodeBreakdown(raw)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", key, err)
		}
		id := byKey[key]
		out[id] = b
		_, ref, _ := strings.Cut(key, "#")
		cache.put(id, ref, b, b.memory())
	}
	return out, len(docs) == len(keys), nil
}

// readTiles reads the documents of tiles, by tile id; missing ones are left out.
func (s *Service) readTiles(ctx context.Context, ids []string) (map[string][]byte, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = DocID(id)
	}
	docs, err := s.Store.Docs(ctx, Tiles, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(docs))
	for i, id := range ids {
		if d, ok := docs[keys[i]]; ok {
			out[id] = d
		}
	}
	return out, nil
}

func decodeTile(raw []byte, id string) (Tile, error) {
	if raw == nil {
		z, x, y, err := ParseTileID(id)
		return Tile{Z: z, X: x, Y: y}, err
	}
	var t Tile
	if err := json.Unmarshal(raw, &t); err != nil {
		return Tile{}, fmt.Errorf("decode tile %s: %w", id, err)
	}
	return t, nil
}

func (s *Service) updateStats(ctx context.Context, entries map[string]map[string]StatEntry) error {
	for id, byCode := range entries {
		err := s.Store.UpdateDoc(ctx, Stats, id, func(raw []byte) ([]byte, error) {
			d := Day{Entries: map[string]StatEntry{}}
			if raw != nil {
				if err := json.Unmarshal(raw, &d); err != nil {
					return nil, fmt.Errorf("decode stats %s: %w", id, err)
				}
			}
			if d.Entries == nil {
				d.Entries = map[string]StatEntry{}
			}
			changed := false
			for code, e := range byCode {
				if cur, ok := d.Entries[code]; ok && (cur.V > e.V || cur == e) {
					continue
				}
				d.Entries[code] = e
				changed = true
			}
			if !changed {
				return nil, nil
			}
			return json.Marshal(d)
		})
		if err != nil {
			return fmt.Errorf("update stats %s: %w", id, err)
		}
	}
	return nil
}

// Rebuild recomputes every map tile from the publication records (recovery after a bug or a lost write,
// or a change of FormatVersion) and deletes the tile and breakdown documents it did not write (those of
// tiles left empty, and of other formats). It returns the number of records read. Run it when no report
// is being published: it overwrites tiles without arbitration.
func (s *Service) Rebuild(ctx context.Context) (int, error) {
	leaves := map[string]*Tile{}
	days := map[string][]string{} // request day list → codes
	after, n := "", 0
	for {
		ids, docs, err := s.Store.ScanDocs(ctx, Records, after, scanBatch)
		if err != nil {
			return n, fmt.Errorf("scan records after %q: %w", after, err)
		}
		for i, raw := range docs {
			var rec record
			if err := json.Unmarshal(raw, &rec); err != nil {
				return n, fmt.Errorf("decode record %s: %w", ids[i], err)
			}
			n++
			listRequestDays(days, ids[i], rec)
			if rec.Summary == nil {
				continue
			}
			id := LeafOf(rec.Lat, rec.Lng) // the leaf of this format; rec.Leaf is that of the record's
			t := leaves[id]
			if t == nil {
				z, x, y, _ := ParseTileID(id)
				t = &Tile{Z: z, X: x, Y: y}
				leaves[id] = t
			}
			t.Points = append(t.Points, *rec.Summary)
		}
		if len(ids) < scanBatch {
			break
		}
		after = ids[len(ids)-1]
	}
	written := map[Collection]map[string]bool{Tiles: {}, Breakdowns: {}}
	err := BuildPyramid(leaves, func(c Collection, docs map[string][]byte) error {
		for id := range docs {
			written[c][id] = true
		}
		if err := s.Store.PutDocs(ctx, c, docs); err != nil {
			return fmt.Errorf("write %d documents of %s: %w", len(docs), c, err)
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	for _, c := range []Collection{Tiles, Breakdowns} {
		if err := s.deleteUnwritten(ctx, c, written[c]); err != nil {
			return n, err
		}
	}
	if err := s.writeRequestDays(ctx, days); err != nil {
		return n, err
	}
	if err := s.Store.PutDocs(ctx, Meta, builtMarks()); err != nil {
		return n, fmt.Errorf("write %s %s: %w", Meta, formatID, err)
	}
	return n, nil
}

const scanBatch = 500

// deleteUnwritten deletes the documents of c that are not in keep.
func (s *Service) deleteUnwritten(ctx context.Context, c Collection, keep map[string]bool) error {
	for after := ""; ; {
		ids, _, err := s.Store.ScanDocs(ctx, c, after, scanBatch)
		if err != nil {
			return fmt.Errorf("scan %s after %q: %w", c, after, err)
		}
		var stale []string
		for _, id := range ids {
			if !keep[id] {
				stale = append(stale, id)
			}
		}
		if err := s.Store.DeleteDocs(ctx, c, stale); err != nil {
			return fmt.Errorf("delete %d documents of %s: %w", len(stale), c, err)
		}
		if len(ids) < scanBatch {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

// builtMarks are the Meta documents Rebuild writes.
func builtMarks() map[string][]byte {
	return map[string][]byte{formatID: formatDoc(), requestDaysID: formatDoc()}
}

func formatDoc() []byte { return []byte(fmt.Sprintf(`{"v":%d}`, FormatVersion)) }

// Upgrade makes the tiles follow FormatVersion: a database whose tiles were written in another format (or
// before formats were recorded) is rebuilt from the publication records, an empty one only marked. Call
// it at start-up, before reports are published. It returns fault.ErrUnavailable when the database does
// not answer.
func (s *Service) Upgrade(ctx context.Context) (rebuilt bool, err error) {
	raw, err := s.Store.Doc(ctx, Meta, formatID)
	switch {
	case err == nil:
		var f struct{ V int }
		if json.Unmarshal(raw, &f) == nil && f.V == FormatVersion {
			// The request day indexes came later than the tiles: a database without them is rebuilt once.
			docs, err := s.Store.Docs(ctx, Meta, []string{requestDaysID})
			if err != nil || len(docs) == 1 {
				return false, err
			}
		}
	case !errors.Is(err, fault.ErrNotFound):
		return false, fmt.Errorf("read %s %s: %w", Meta, formatID, err)
	}
	// Nothing was ever published: nothing to rebuild.
	ids, _, err := s.Store.ScanDocs(ctx, Records, "", 1)
	if err != nil {
		return false, fmt.Errorf("scan records: %w", err)
	}
	if len(ids) == 0 {
		if err := s.Store.PutDocs(ctx, Meta, builtMarks()); err != nil {
			return false, fmt.Errorf("write %s %s: %w", Meta, formatID, err)
		}
		return false, nil
	}
	_, err = s.Rebuild(ctx)
	return err == nil, err
}

// MapResult is the answer to a map query.
type MapResult struct {
	Features  []Feature
	Truncated bool
	ETag      string // changes when any tile read or the query changes
}

// Map answers a map query: bbox (see ParseBBox), zoom 0 to 22, filter. When etag equals the result's
// ETag it returns only the ETag (NotModified set). It returns fault.ErrUnavailable when the database
// does not answer.
func (s *Service) Map(ctx context.Context, b BBox, zoom int, f Filter, etag string) (res MapResult, notModified bool, err error) {
	_, ids := Plan(b, zoom, !f.IsZero())
	docs, err := s.readTiles(ctx, ids)
	if err != nil {
		return MapResult{}, false, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%v|%d|%+v|", b, zoom, f)
	for _, id := range ids {
		sum := sha256.Sum256(docs[id])
		fmt.Fprintf(h, "%s:%x|", id, sum[:8])
	}
	res.ETag = `"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`
	if etag != "" && etagMatches(etag, res.ETag) {
		return res, true, nil
	}
	tiles := make([]Tile, 0, len(docs))
	for _, id := range ids {
		if raw, ok := docs[id]; ok {
			t, err := decodeTile(raw, id)
			if err != nil {
				return MapResult{}, false, err
			}
			tiles = append(tiles, t)
		}
	}
	var bds map[string]*Breakdown
	if !f.IsZero() {
		var settled bool
		if bds, settled, err = s.breakdowns(ctx, tiles); err != nil {
			return MapResult{}, false, err
		}
		if !settled {
			// A breakdown replaced since its tile was read: an ETag no later request carries, so the
			// next one is answered afresh.
			sum := sha256.Sum256([]byte(fmt.Sprintf("%s|unsettled|%d", res.ETag, time.Now().UnixNano())))
			res.ETag = `"` + hex.EncodeToString(sum[:12]) + `"`
		}
	}
	res.Features, res.Truncated = Features(tiles, bds, b, zoom, f)
	return res, false, nil
}

func etagMatches(header, etag string) bool {
	for _, part := range bytes.Split([]byte(header), []byte(",")) {
		p := string(bytes.TrimPrefix(bytes.TrimSpace(part), []byte("W/")))
		if p == "*" || p == etag {
			return true
		}
	}
	return false
}

// Report returns the public view of a report; fault.ErrNotFound when the code is unknown or not public.
func (s *Service) Report(ctx context.Context, code string) (PublicReport, error) {
	raw, err := s.Store.Doc(ctx, Records, code)
	if errors.Is(err, fault.ErrNotFound) {
		return PublicReport{}, fault.Wrap(fault.ErrNotFound, noPublicReport, err)
	}
	if err != nil {
		return PublicReport{}, fmt.Errorf("read record %s: %w", code, err)
	}
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return PublicReport{}, fmt.Errorf("decode record %s: %w", code, err)
	}
	if !rec.Public || rec.View == nil {
		return PublicReport{}, fault.New(fault.ErrNotFound, noPublicReport)
	}
	return *rec.View, nil
}

// noPublicReport is the one answer for a code that is unknown and for a report that is not public, so
// that the answer does not tell which.
const noPublicReport = "No public report has this code."

// Stats returns the statistics from the first to the last day (inclusive, Vietnam time) by d, with names.
// It returns *fault.Invalid for a bad range and fault.ErrUnavailable when the database does not answer.
func (s *Service) Stats(ctx context.Context, from, to time.Time, d Dimension) ([]StatsRow, error) {
	days, err := StatsRange(from, to)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(days))
	for i, day := range days {
		ids[i] = StatsDayID(day, d)
	}
	var (
		docs     map[string][]byte
		received map[string]map[Dimension]map[string]int
		recvErr  error
		wg       sync.WaitGroup
	)
	wg.Go(func() { received, recvErr = s.Store.ReceivedOn(ctx, days) })
	docs, err = s.Store.Docs(ctx, Stats, ids)
	wg.Wait()
	if err = errors.Join(err, recvErr); err != nil {
		return nil, fmt.Errorf("read stats %s to %s: %w", ids[0], ids[len(ids)-1], err)
	}
	parsed := make([]Day, 0, len(docs))
	for id, raw := range docs {
		var day Day
		if err := json.Unmarshal(raw, &day); err != nil {
			return nil, fmt.Errorf("decode stats %s: %w", id, err)
		}
		parsed = append(parsed, day)
	}
	counts := map[string]int{}
	for _, byDim := range received {
		for key, n := range byDim[d] {
			counts[key] += n
		}
	}
	rows := aggregate(parsed, counts)
	for i := range rows {
		rows[i].NameVi, rows[i].NameEn = s.Name(d, rows[i].Key)
	}
	return rows, nil
}

// CountReceived counts a report in the statistics of the day it was received (Vietnam time), by agency,
// commune and category. Call it once per report, when it is stored: a count is an increment, not a record.
// It returns fault.ErrUnavailable when the database does not answer.
func (s *Service) CountReceived(ctx context.Context, r report.Report) error {
	keys := map[Dimension]string{ByAgency: r.Routing.AgencyID, ByCommune: r.Routing.CommuneCode, ByCategory: r.Category}
	if err := s.Store.AddReceived(ctx, dayString(r.CreatedAt), keys); err != nil {
		return fmt.Errorf("count report %s as received: %w", r.ID, err)
	}
	return nil
}

// Name returns the Vietnamese and English names of an agency, commune or category ("" when unknown).
func (s *Service) Name(d Dimension, key string) (vi, en string) {
	switch d {
	case ByAgency:
		if a, ok := s.Catalogue().Agency(key); ok {
			return a.NameVi, a.NameEn
		}
	case ByCategory:
		if c, ok := s.Catalogue().Category(key); ok {
			return c.NameVi, c.NameEn
		}
	case ByCommune:
		if s.Places != nil {
			if c, ok := s.Places.ByCode(key); ok {
				return c.FullName, c.FullNameEn
			}
		}
	}
	return "", ""
}
