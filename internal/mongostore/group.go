package mongostore

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Group commit. FerretDB/SQLite runs one write at a time for the whole database, and each write is a
// transaction with its own commit, so 32 submissions each writing on their own wait in line behind each
// other's commits. Writes to one target (a collection, a queue shard) that arrive while a write to it is
// under way are gathered and made together, in one command, when it returns. Every caller still learns
// its own outcome and returns only once its part is written, so nothing is acknowledged before it is
// stored. MongoDB gains a round trip per group.

// coalescer gathers items per target while a write to that target is under way; one goroutine per busy
// target writes group after group until none is left (so no caller is held writing others' groups).
type coalescer[T any] struct {
	mu      sync.Mutex
	pending map[string]*group[T]
	writing map[string]bool
}

// group is the items for one target gathered while a write to it was under way.
type group[T any] struct {
	ctx   context.Context // the first caller's, without its cancellation: the write shows in its trace
	items []T
	errs  []error // per item, when the write reports them; else nil
	err   error   // for the whole group
	done  chan struct{}
}

// groupWriteTimeout bounds one group's write: it runs without the callers' cancellation (a caller giving
// up must not fail the others' writes), so it needs its own limit.
const groupWriteTimeout = 30 * time.Second

// do adds item to target's next group and waits for that group's write. write makes one group's write and
// returns either an error per item (nil entries for those written) or an error for the whole group.
func (c *coalescer[T]) do(ctx context.Context, target string, item T, write func(ctx context.Context, target string, items []T) ([]error, error)) error {
	c.mu.Lock()
	if c.pending == nil {
		c.pending, c.writing = map[string]*group[T]{}, map[string]bool{}
	}
	g := c.pending[target]
	if g == nil {
		g = &group[T]{ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		c.pending[target] = g
	}
	idx := len(g.items)
	g.items = append(g.items, item)
	if !c.writing[target] {
		c.writing[target] = true
		go c.drain(target, write)
	}
	c.mu.Unlock()
	select {
	case <-g.done:
		if g.err != nil {
			return g.err
		}
		if g.errs != nil {
			return g.errs[idx]
		}
		return nil
	case <-ctx.Done():
		// The item may still be written with its group: the caller treats this like any write whose
		// outcome is unknown (a lost reply). A deadline is the database not answering in time.
		return mapErr(ctx.Err(), target)
	}
}

// drain writes target's pending groups, one after the other, until none is left.
func (c *coalescer[T]) drain(target string, write func(ctx context.Context, target string, items []T) ([]error, error)) {
	for {
		c.mu.Lock()
		g := c.pending[target]
		delete(c.pending, target)
		if g == nil {
			delete(c.writing, target)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(g.ctx, groupWriteTimeout)
		g.errs, g.err = write(ctx, target, g.items)
		cancel()
		close(g.done)
	}
}

// insertGrouped inserts doc into col, sharing the write (one unordered InsertMany) with other inserts into
// col made meanwhile. The error is the driver's for this document (isDuplicate works on it) or for the
// whole group.
func (s *Store) insertGrouped(ctx context.Context, col string, doc any) error {
	return s.inserts.do(ctx, col, doc, s.insertMany)
}

// insertMany inserts a group's documents in one unordered InsertMany and returns each one's outcome.
func (s *Store) insertMany(ctx context.Context, col string, docs []any) ([]error, error) {
	_, err := s.db.Collection(col).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, err
	}
	errs := make([]error, len(docs))
	for _, we := range bwe.WriteErrors {
		if we.Index >= 0 && we.Index < len(errs) {
			errs[we.Index] = mongo.WriteException{WriteErrors: []mongo.WriteError{we.WriteError}}
		}
	}
	return errs, nil
}
