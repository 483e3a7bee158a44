package mongostore

import (
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/quangninh/feedback/internal/report"
)

// A dispatcher's batch of new reports used to begin with one read of those reports. On FerretDB that read
// decodes the whole reports collection (a $in is a scan there), and it came twice per batch: measured under
// the intake benchmark, the two reads took 0.3 to 3.5 s each as the collection grew to 2,000 reports, the
// larger part of a batch. The reports a process stores are what its own dispatcher, woken by the same
// writes, leases next: so the store keeps them, as stored, for a minute, and hands each to the dispatcher
// once (JustStored). Another replica's dispatcher reads them, as before.
const (
	// storedKeep is how long a stored report is kept for the dispatcher.
	storedKeep = time.Minute
	// storedMax bounds the reports kept (a burst beyond it is read, as before).
	storedMax = 4096
)

// storedReports keeps the documents of the reports this process stored moments ago.
type storedReports struct {
	mu     sync.Mutex
	docs   map[string]storedDoc
	purged time.Time // when the expired were last dropped (at most once per storedPurgeEvery)
}

// storedPurgeEvery bounds how often a full storedReports looks for expired reports (a scan of all of them).
const storedPurgeEvery = 5 * time.Second

type storedDoc struct {
	raw []byte // the report's document, in BSON: what a read would decode
	at  time.Time
}

// add keeps d, unless storedMax reports younger than storedKeep are kept already.
func (c *storedReports) add(d reportDoc, now time.Time) {
	raw, err := bson.Marshal(d)
	if err != nil {
		return // the dispatcher reads it
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.docs == nil {
		c.docs = map[string]storedDoc{}
	}
	if len(c.docs) >= storedMax {
		if now.Sub(c.purged) < storedPurgeEvery {
			return
		}
		c.purged = now
		for id, s := range c.docs {
			if now.Sub(s.at) > storedKeep {
				delete(c.docs, id)
			}
		}
		if len(c.docs) >= storedMax {
			return
		}
	}
	c.docs[d.ID] = storedDoc{raw: raw, at: now}
}

// take removes and returns the documents of those of ids kept, younger than storedKeep.
func (c *storedReports) take(ids []string, now time.Time) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][]byte
	for _, id := range ids {
		s, ok := c.docs[id]
		if !ok {
			continue
		}
		delete(c.docs, id)
		if now.Sub(s.at) <= storedKeep {
			out = append(out, s.raw)
		}
	}
	return out
}

// JustStored returns, of the reports with these IDs, those this process stored within the last minute, as
// a read would return them then, each once: a dispatcher needs no read for the new reports of its batch.
// Reports stored by another process, or longer ago, or before a dispatcher registered here (OnOutbox), are
// absent.
func (s *Store) JustStored(ids []string) map[string]report.Report {
	out := map[string]report.Report{}
	for _, raw := range s.stored.take(ids, time.Now()) {
		var d reportDoc
		if err := bson.Unmarshal(raw, &d); err == nil { // else absent: read
			out[d.ID] = d.report()
		}
	}
	return out
}
