package publicmap

import (
	"container/list"
	"sync"
)

// breakdownCache keeps decoded breakdowns by tile _id and content hash, least recently used out first,
// within a budget of encoded bytes. An entry is used only when the tile document read at the same query
// names the same hash, so the cache never serves a breakdown other than the current one: it saves reading
// and decoding a big document that did not change, not freshness.
type breakdownCache struct {
	mu     sync.Mutex
	budget int
	size   int
	order  *list.List // of *cacheEntry, most recent first
	byID   map[string]*list.Element
}

type cacheEntry struct {
	id, hash string
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

// put remembers b as the breakdown of tile id with the hash; size is its encoded size.
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
