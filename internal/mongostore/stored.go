package mongostore

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/report"
)

// A new report's "received" hint goes to the dispatcher of the process that stored it, without a lease
// and without a read.
//
// Leasing a batch of hints is an update of the outbox documents, and on FerretDB/SQLite an update of 500
// hints by _id $in held the database's single writer for 0.4-1.3 s per batch (measured under the intake
// benchmark): every report insert waited behind it. And the batch's new reports were read back, a $in that
// decodes the whole reports collection there. So where a dispatcher runs (OnOutbox with a lease), a new
// report's hints are written already leased to it (not_before = now + lease, one attempt counted), as if
// its dispatcher had leased them at once, and the store keeps the report as stored with its hints, in
// arrival order, for that dispatcher to take (TakeStored). No other dispatcher sees those hints before the
// lease ends; if this process dies first, they come due then and go out from another, like any hint whose
// dispatcher died. A hint is handed out only while at least half of its lease is left (what a batch has
// to finish in); later, it is left to the outbox.
const (
	// storedMax bounds the reports kept; beyond it, new reports' hints are written due at once, as before.
	storedMax = 4096
)

// storedReports keeps, in arrival order, the reports this process stored whose hints it wrote leased to
// its own dispatcher.
type storedReports struct {
	mu   sync.Mutex
	q    []storedDoc
	head int // q[:head] were taken or dropped
}

type storedDoc struct {
	raw    []byte        // the report's document, in BSON: what a read would decode
	hints  []notify.Hint // its hints, as written (leased)
	takeBy time.Time     // the last moment to hand them out: half their lease left
}

// room tells whether another report may be kept.
func (c *storedReports) room() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.q)-c.head < storedMax
}

// add keeps a report whose hints were written leased for lease until `until`.
func (c *storedReports) add(d reportDoc, hints []notify.Hint, until time.Time, lease time.Duration) {
	raw, err := bson.Marshal(d)
	if err != nil {
		return // the hints go out from the outbox when their lease ends
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.q = append(c.q, storedDoc{raw: raw, hints: hints, takeBy: until.Add(-lease / 2)})
}

// take removes and returns, oldest first, the reports whose hints have at least half their lease left, up
// to limit hints (and at least one report when any is there); it drops the older ones.
func (c *storedReports) take(limit int, now time.Time) []storedDoc {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []storedDoc
	n := 0
	for c.head < len(c.q) {
		s := c.q[c.head]
		if now.After(s.takeBy) {
			c.q[c.head] = storedDoc{}
			c.head++
			continue
		}
		if len(out) > 0 && n+len(s.hints) > limit {
			break
		}
		out = append(out, s)
		n += len(s.hints)
		c.q[c.head] = storedDoc{}
		c.head++
	}
	if c.head > len(c.q)/2 { // reuse the space of what was taken
		c.q = append(c.q[:0], c.q[c.head:]...)
		c.head = 0
	}
	return out
}

// TakeStored returns, oldest first and up to limit, the hints this process wrote leased to its own
// dispatcher (OnOutbox) with at least half their lease left, and their reports as stored (what a read
// would have returned then). Each is given once; none is a valid answer.
func (s *Store) TakeStored(limit int) ([]notify.Hint, map[string]report.Report) {
	var hints []notify.Hint
	reports := map[string]report.Report{}
	for _, sd := range s.stored.take(limit, time.Now()) {
		var d reportDoc
		if err := bson.Unmarshal(sd.raw, &d); err != nil {
			continue // its hints go out from the outbox when their lease ends
		}
		reports[d.ID] = d.report()
		hints = append(hints, sd.hints...)
	}
	return hints, reports
}

// takeAll removes and returns every report kept.
func (c *storedReports) takeAll() []storedDoc {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.q[c.head:]
	c.q, c.head = nil, 0
	return out
}

// ReleaseStored is for a process that stops dispatching (at shutdown, once its HTTP server has drained):
// new reports' hints are written due from then on, and the hints written leased to its dispatcher that it
// did not take are made due now, with no attempt counted, so another dispatcher sends them at once rather
// than when the lease ends. A hint another dispatcher leased meanwhile (its lease having ended) is left
// alone. It returns how many it released.
func (s *Store) ReleaseStored(ctx context.Context) (int, error) {
	if l := s.wake.Load(); l != nil {
		s.wake.Store(&localDispatcher{wake: l.wake})
	}
	var hints []notify.Hint
	for _, sd := range s.stored.takeAll() {
		hints = append(hints, sd.hints...)
	}
	return s.releaseHints(ctx, hints)
}

// releaseHints makes hints written leased to this process's dispatcher due now, with no attempt counted,
// unless another dispatcher leased them meanwhile (their lease having ended).
func (s *Store) releaseHints(ctx context.Context, hints []notify.Hint) (int, error) {
	if len(hints) == 0 {
		return 0, nil
	}
	ids := make([]string, len(hints))
	for i, h := range hints {
		ids[i] = h.ID
	}
	res, err := s.db.Collection(colOutbox).UpdateMany(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "attempts", Value: 1}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "not_before", Value: time.Now()}, {Key: "attempts", Value: 0}}}})
	if err != nil {
		return 0, mapErr(err, "outbox")
	}
	return int(res.ModifiedCount), nil
}
