package mongostore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A new report's hint is written leased to its own process's dispatcher, which takes it with the report
// as a read returns it, once; with no dispatcher there, the hint is due at once and nothing is kept.
func TestTakeStoredGivesEachNewReportOnce(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	hint := func(id string) hintDoc {
		t.Helper()
		var h hintDoc
		if err := g.s.db.Collection(colOutbox).FindOne(ctx, byID(notify.HintID(id, 0))).Decode(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	plain := g.newReport("stored-00000")
	if hints, got := g.s.TakeStored(10); len(hints) != 0 || len(got) != 0 {
		t.Fatalf("kept with no dispatcher here: %+v %+v", hints, got)
	}
	if h := hint(plain.ID); h.NotBefore.After(time.Now()) || h.Attempts != 0 {
		t.Fatalf("with no dispatcher here the hint is due at once, not attempted: %+v", h)
	}

	const lease = time.Minute
	g.s.OnOutbox(func() {}, lease)
	before := time.Now()
	r := g.newReport("stored-00001")
	read, err := g.s.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	h := hint(r.ID)
	if h.NotBefore.Before(before.Add(lease).Truncate(time.Millisecond)) || h.Attempts != 1 {
		t.Fatalf("the hint is not written leased for %v, one attempt counted: %+v", lease, h)
	}
	if due, err := g.s.DueHints(ctx, time.Now(), 10); err != nil || len(due) != 1 || due[0].ReportID != plain.ID {
		t.Fatalf("due hints = %+v (%v), want only the first report's: a leased hint is nobody else's", due, err)
	}
	hints, got := g.s.TakeStored(10)
	if len(hints) != 1 || hints[0].ID != h.ID || hints[0].Attempts != 1 || !hints[0].NotBefore.Equal(h.NotBefore.UTC()) {
		t.Fatalf("took hints %+v, want the one written: %+v", hints, h)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[r.ID], read) {
		t.Fatalf("took %+v\nwant what a read returns: %+v", got, read)
	}
	if hints, got := g.s.TakeStored(10); len(hints) != 0 || len(got) != 0 {
		t.Fatalf("given twice: %+v", hints)
	}
	// Once its lease is half gone, a hint is left to the outbox (another dispatcher takes it when due).
	g.newReport("stored-00002")
	if taken := g.s.stored.take(10, time.Now().Add(lease/2+time.Second)); len(taken) != 0 {
		t.Fatalf("handed out a hint with less than half its lease left: %d", len(taken))
	}
}

// TakeStored takes oldest first, up to its limit (but at least one report), and keeps at most storedMax.
func TestStoredReportsAreBounded(t *testing.T) {
	var c storedReports
	now := time.Now()
	two := []notify.Hint{{ID: "a"}, {ID: "b"}}
	for i := range 3 {
		c.add(reportDoc{ID: fmt.Sprintf("r%d", i)}, two, now.Add(time.Minute), time.Minute)
	}
	if got := c.take(3, now); len(got) != 1 {
		t.Fatalf("took %d reports for a limit of 3 hints, want 1 (2 hints)", len(got))
	}
	if got := c.take(1, now); len(got) != 1 {
		t.Fatalf("took %d reports for a limit of 1 hint, want 1: a report's hints go together", len(got))
	}
	for range storedMax {
		if !c.room() {
			break
		}
		c.add(reportDoc{ID: "x"}, two, now.Add(time.Minute), time.Minute)
	}
	if c.room() || len(c.q)-c.head != storedMax {
		t.Fatalf("%d kept, want at most %d", len(c.q)-c.head, storedMax)
	}
	got := c.take(2*storedMax+2, now)
	if len(got) != storedMax || got[0].raw == nil {
		t.Fatalf("took %d, want %d", len(got), storedMax)
	}
	if !c.room() || len(c.q) != 0 {
		t.Fatalf("space not given back: %d left", len(c.q))
	}
}

// reportReads counts the reports a dispatcher reads.
type reportReads struct {
	*Store
	mu  sync.Mutex
	ids [][]string
}

func (c *reportReads) Reports(ctx context.Context, ids []string) (map[string]report.Report, error) {
	c.mu.Lock()
	c.ids = append(c.ids, slices.Clone(ids))
	c.mu.Unlock()
	return c.Store.Reports(ctx, ids)
}

// A dispatcher's batch of new reports that its own process stored reads them once (to see what changed
// since), not twice; another process's dispatcher reads them first, as before. Both queue and push alike.
func TestDispatcherReadsNewReportsItStoredOnce(t *testing.T) {
	for _, sameProcess := range []bool{true, false} {
		t.Run(fmt.Sprintf("same process %v", sameProcess), func(t *testing.T) {
			g := newPushRig(t)
			g.officer()
			g.s.OnOutbox(func() {}, time.Minute) // a dispatcher runs in g.s's process
			writer := g.s
			if !sameProcess {
				writer = g.otherProcess()
			}
			var ids []string
			for i := range 3 {
				r := g.newReportIn(writer, fmt.Sprintf("fresh-%v-%05d", sameProcess, i))
				ids = append(ids, r.ID)
			}
			reads := &reportReads{Store: g.s}
			d := g.dispatcher(nil)
			d.Store = reads
			g.drain(d)
			want := 2
			if sameProcess {
				want = 1
			}
			if len(reads.ids) != want {
				t.Errorf("%d reads of reports %v, want %d", len(reads.ids), reads.ids, want)
			}
			for _, id := range ids {
				if _, ok := g.queued(id); !ok {
					t.Errorf("report %s is not queued", id)
				}
			}
			if n := len(g.standin.MessagesFor("tok-officer-1")); n != len(ids) {
				t.Errorf("the officer got %d pushes, want %d", n, len(ids))
			}
		})
	}
}

// A hint written leased to its own process's dispatcher goes out once: from that dispatcher, and then not
// again from another once the lease is over; or, when that process died with it (its memory gone), from
// another dispatcher once the lease is over.
func TestOwnHintsGoOutOnce(t *testing.T) {
	for _, dies := range []bool{false, true} {
		t.Run(fmt.Sprintf("process dies %v", dies), func(t *testing.T) {
			g := newPushRig(t)
			ctx := testenv.Context(t)
			g.officer()
			g.s.OnOutbox(func() {}, time.Minute)
			r := g.newReport(fmt.Sprintf("own-%v-00001", dies))
			if !dies {
				g.drain(g.dispatcher(nil))
				if n := len(g.standin.MessagesFor("tok-officer-1")); n != 1 {
					t.Fatalf("its own dispatcher sent %d pushes, want 1", n)
				}
			}
			// Another process's dispatcher, a lease later.
			later := time.Minute + time.Second
			d := g.dispatcher(&later)
			d.Store = g.otherProcess()
			g.drain(d)
			if n := len(g.standin.MessagesFor("tok-officer-1")); n != 1 {
				t.Fatalf("the officer got %d pushes, want 1", n)
			}
			if _, ok := g.queued(r.ID); !ok {
				t.Error("the ticket is not queued")
			}
			if n, err := g.s.db.Collection(colOutbox).CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
				t.Errorf("%d hints left (%v)", n, err)
			}
		})
	}
}

// A process that stops dispatching hands the hints written leased to it back to the outbox: due at once,
// no attempt counted; afterwards its new reports' hints are written due. Another dispatcher sends each once.
func TestReleaseStoredHandsHintsBack(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	g.officer()
	g.s.OnOutbox(func() {}, time.Minute)
	held := g.newReport("release-00001")
	if n, err := g.s.ReleaseStored(ctx); err != nil || n != 1 {
		t.Fatalf("released %d (%v), want 1", n, err)
	}
	after := g.newReport("release-00002")
	due, err := g.s.DueHints(ctx, time.Now(), 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due hints = %+v (%v), want both", due, err)
	}
	for _, h := range due {
		if h.Attempts != 0 {
			t.Errorf("hint %s counts %d attempts, want 0", h.ID, h.Attempts)
		}
	}
	if hints, _ := g.s.TakeStored(10); len(hints) != 0 {
		t.Fatalf("still kept after the release: %+v", hints)
	}
	d := g.dispatcher(nil)
	d.Store = g.otherProcess()
	g.drain(d)
	if n := len(g.standin.MessagesFor("tok-officer-1")); n != 2 {
		t.Fatalf("the officer got %d pushes, want 2", n)
	}
	for _, id := range []string{held.ID, after.ID} {
		if _, ok := g.queued(id); !ok {
			t.Errorf("report %s is not queued", id)
		}
	}
}

// A retry whose report is stored already (its first attempt's hint sent and settled) writes its hint leased
// to this process, then fails: the hint is made due at once rather than left to its lease, and is settled
// without a second push.
func TestFailedInsertReleasesItsHints(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	g.officer()
	g.s.OnOutbox(func() {}, time.Minute)
	r := g.newReport("retried-00001")
	g.drain(g.dispatcher(nil))
	r.UpdatedAt = r.UpdatedAt.Add(time.Second) // the retry's time
	if err := g.s.InsertReport(ctx, r); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("the retry's insert: %v, want a conflict", err)
	}
	due, err := g.s.DueHints(ctx, time.Now(), 10)
	if err != nil || len(due) != 1 || due[0].Attempts != 0 {
		t.Fatalf("due hints = %+v (%v), want the retry's, due now, not attempted", due, err)
	}
	if hints, _ := g.s.TakeStored(10); len(hints) != 0 {
		t.Fatalf("a failed insert's hints were kept: %+v", hints)
	}
	g.drain(g.dispatcher(nil))
	if n := len(g.standin.MessagesFor("tok-officer-1")); n != 1 {
		t.Fatalf("the officer got %d pushes, want 1", n)
	}
	if n, err := g.s.db.Collection(colOutbox).CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("%d hints left (%v)", n, err)
	}
}
