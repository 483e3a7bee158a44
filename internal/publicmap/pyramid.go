package publicmap

import (
	"encoding/json"
	"sort"
)

// pyramidBatch is how many documents BuildPyramid hands over at once.
const pyramidBatch = 500

// BuildPyramid builds the whole tile pyramid above the given leaves (keyed by tile id; their points need
// not be sorted) and hands every document to put in batches of at most 500 of one collection (Tiles or
// Breakdowns), keyed by _id (DocID, BreakdownID), leaves first, then each level up. Rebuild writes the map with it, and the
// benchmark seeds a million reports with it. It returns put's first error.
func BuildPyramid(leaves map[string]*Tile, put func(c Collection, docs map[string][]byte) error) error {
	batches := map[Collection]map[string][]byte{}
	emit := func(c Collection, id string, doc []byte) error {
		batch := batches[c]
		if batch == nil {
			batch = make(map[string][]byte)
			batches[c] = batch
		}
		batch[id] = doc
		if len(batch) < pyramidBatch {
			return nil
		}
		delete(batches, c)
		return put(c, batch)
	}
	level := make(map[string]Node, len(leaves))
	for id, t := range leaves {
		sort.Slice(t.Points, func(i, j int) bool { return t.Points[i].Code < t.Points[j].Code })
		t.count()
		level[id] = Node{Tile: *t}
	}
	for len(level) > 0 {
		parents := map[string][]Node{}
		for _, id := range sortedKeys(level) {
			n := level[id]
			if bd := n.EncodeBreakdown(); bd != nil {
				n.Tile.B = newRef()
				if err := emit(Breakdowns, BreakdownID(id, n.Tile.B), bd); err != nil {
					return err
				}
			}
			doc, err := json.Marshal(n.Tile)
			if err != nil {
				return err
			}
			if err := emit(Tiles, DocID(id), doc); err != nil {
				return err
			}
			if p := ParentOf(id); p != "" {
				parents[p] = append(parents[p], n)
			}
		}
		level = make(map[string]Node, len(parents))
		for id, children := range parents {
			level[id] = BuildParent(id, children)
		}
	}
	for _, c := range sortedKeys(batches) {
		if err := put(c, batches[c]); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
