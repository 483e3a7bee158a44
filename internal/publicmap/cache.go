package publicmap

import (
	"container/list"
	"sync"
)

// breakdownCache keeps decoded breakdowns by tile id and the name of their document (Tile.B), least
// recently used out first, within a budget of bytes of memory. An entry is used only when the tile document
// read at the same query names it, and a breakdown document never changes, so the cache never serves a
// breakdown other than the current one: it saves reading and decoding a big document, not freshness.
type breakdownCache struct {
	mu     sync.Mutex
	budget int
	size   int
	order  *list.List // of *cacheEntry, most recent first
	byID   map[string]*list.Element
}

type cacheEntry struct {
	id, hash string // hash: the name of the breakdown's document
	b        *Breakdown
	size     int
}

func newBreakdownCache(budget int) *breakdownCache {
	return &breakdownCache{budget: budget, order: list.New(), byID: map[string]*list.Element{}}
}

// get returns the breakdown of tile id when the cached one has the hash.
func (c *breakdownCache) get(id, hash string) *Breakdown {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok || e.Value.(*cacheEntry).hash != hash {
		return nil
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).b
}

// put remembers b as the breakdown of tile id in the document named hash; size is b.memory().
func (c *breakdownCache) put(id, hash string, b *Breakdown, size int) {
	if size > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		c.size -= e.Value.(*cacheEntry).size
		c.order.Remove(e)
	}
	c.byID[id] = c.order.PushFront(&cacheEntry{id: id, hash: hash, b: b, size: size})
	c.size += size
	for c.size > c.budget {
		last := c.order.Back()
		old := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byID, old.id)
		c.size -= old.size
	}
}
