package mongostore

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Group commit of inserts. FerretDB/SQLite runs one write at a time for the whole database, and each write
// is a transaction with its own commit, so 32 submissions each inserting their own documents wait in line
// behind each other's commits. Inserts into one collection that arrive while an insert into it is under
// way are sent together as one unordered InsertMany when it returns: one commit for the group. Every
// caller still learns its own document's outcome (a duplicate key is reported per document), and returns
// only once its document is written, so nothing is acknowledged before it is stored. MongoDB gains a
// round trip per group.

// insertGroup is the documents for one collection gathered while an insert into it is under way.
type insertGroup struct {
	ctx  context.Context // the first caller's, without its cancellation: the write shows in its trace
	docs []any
	errs []error // per document, filled by the leader
	err  error   // for the whole group
	done chan struct{}
}

// inserter gathers grouped inserts, per collection.
type inserter struct {
	mu      sync.Mutex
	pending map[string]*insertGroup
	writing map[string]bool
}

// groupWriteTimeout bounds one group's InsertMany: it runs without the callers' cancellation (a caller
// giving up must not fail the others' writes), so it needs its own limit.
const groupWriteTimeout = 30 * time.Second

// insertGrouped inserts doc into col, sharing the write with other inserts into col made meanwhile. The
// error is the driver's for this document (isDuplicate works on it) or for the whole group.
func (s *Store) insertGrouped(ctx context.Context, col string, doc any) error {
	in := &s.inserts
	in.mu.Lock()
	if in.pending == nil {
		in.pending, in.writing = map[string]*insertGroup{}, map[string]bool{}
	}
	g := in.pending[col]
	if g == nil {
		g = &insertGroup{ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		in.pending[col] = g
	}
	idx := len(g.docs)
	g.docs = append(g.docs, doc)
	if !in.writing[col] {
		in.writing[col] = true
		go s.drainInserts(col)
	}
	in.mu.Unlock()
	select {
	case <-g.done:
		return g.result(idx)
	case <-ctx.Done():
		// The document may still be written with its group: the caller treats this like any write whose
		// outcome is unknown (a lost reply).
		return ctx.Err()
	}
}

// drainInserts writes col's pending groups, one after the other, until none is left.
func (s *Store) drainInserts(col string) {
	in := &s.inserts
	for {
		in.mu.Lock()
		g := in.pending[col]
		delete(in.pending, col)
		if g == nil {
			delete(in.writing, col)
			in.mu.Unlock()
			return
		}
		in.mu.Unlock()
		s.writeGroup(col, g)
	}
}

// writeGroup inserts a group's documents in one unordered InsertMany and records each one's outcome.
func (s *Store) writeGroup(col string, g *insertGroup) {
	defer close(g.done)
	g.errs = make([]error, len(g.docs))
	ctx, cancel := context.WithTimeout(g.ctx, groupWriteTimeout)
	defer cancel()
	_, err := s.db.Collection(col).InsertMany(ctx, g.docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
		for _, we := range bwe.WriteErrors {
			if we.Index >= 0 && we.Index < len(g.errs) {
				g.errs[we.Index] = mongo.WriteException{WriteErrors: []mongo.WriteError{we.WriteError}}
			}
		}
		return
	}
	g.err = err
}

func (g *insertGroup) result(idx int) error {
	if g.err != nil {
		return g.err
	}
	return g.errs[idx]
}
