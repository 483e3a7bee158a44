package mongostore

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// JustStored gives a report this process stored as a read returns it, once, and only for a minute.
func TestJustStoredGivesEachReportOnce(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	// With no dispatcher in this process, nothing is kept.
	if got := g.s.JustStored([]string{g.newReport("stored-00000").ID}); len(got) != 0 {
		t.Fatalf("kept with no dispatcher here: %+v", got)
	}
	g.s.OnOutbox(func() {})
	r := g.newReport("stored-00001")
	read, err := g.s.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := g.s.JustStored([]string{r.ID, "never-stored"})
	if len(got) != 1 || !reflect.DeepEqual(got[r.ID], read) {
		t.Fatalf("JustStored = %+v\nwant what a read returns: %+v", got, read)
	}
	if again := g.s.JustStored([]string{r.ID}); len(again) != 0 {
		t.Fatalf("given twice: %+v", again)
	}

	var c storedReports
	now := time.Now()
	c.add(reportDoc{ID: "old"}, now.Add(-2*storedKeep))
	c.add(reportDoc{ID: "new"}, now)
	if got := c.take([]string{"old", "new"}, now); len(got) != 1 {
		t.Fatalf("took %d, want only the one stored within storedKeep", len(got))
	}
	// Bounded: past storedMax, the expired are dropped first, then new reports are not kept.
	c.add(reportDoc{ID: "expired"}, now.Add(-2*storedKeep))
	for i := range storedMax + 10 {
		c.add(reportDoc{ID: fmt.Sprintf("r%05d", i)}, now)
	}
	if n := len(c.docs); n != storedMax {
		t.Fatalf("%d kept, want at most %d", n, storedMax)
	}
	if _, ok := c.docs["expired"]; ok {
		t.Fatal("an expired report was kept over a new one")
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
			ctx := testenv.Context(t)
			g.device("officer-1", "tok-officer-1", "vi")
			if err := g.s.InsertStaff(ctx, account.StoredUser{User: account.User{ID: "officer-1", Role: auth.RoleOfficer, AgencyID: "ubnd-06673", Username: "o1"}}); err != nil {
				t.Fatal(err)
			}
			g.s.OnOutbox(func() {}) // a dispatcher runs in g.s's process
			writer := g.s
			if !sameProcess {
				other, err := Open(ctx, testenv.Shared(t).MongoURI, g.s.db.Name(), Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = other.Close(context.Background()) })
				writer = other
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
