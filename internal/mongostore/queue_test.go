package mongostore

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// Two agencies of the seeded catalogue (communes 06673 and 06676).
const (
	baiChay      = "ubnd-06673"
	otherCommune = "ubnd-06676"
)

// seededRouter is the seeded catalogue, for desks in store tests.
func seededRouter(t *testing.T) staticRouter {
	t.Helper()
	cat, err := catalogue.Seed(jurisdiction.Default())
	if err != nil {
		t.Fatal(err)
	}
	return staticRouter{cat}
}

// TestDispatcherSeesEveryAgencyQueue: the dispatcher's view is every agency's queue, through transfers and
// closes, filtered, sorted and counted like an officer's.
func TestDispatcherSeesEveryAgencyQueue(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	entry := func(id string, v int64, st report.Status) report.QueueEntry {
		return report.QueueEntry{ReportID: id, Code: "QN-2611-" + id, Category: "garbage", Status: st, CreatedAt: now, Version: v,
			AcceptBy: now.Add(time.Hour), ResolveBy: now.Add(48 * time.Hour)}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutQueueEntry(ctx, baiChay, entry("r1", 1, report.Received), now))
	must(s.PutQueueEntry(ctx, otherCommune, entry("r2", 1, report.Received), now))
	// r1 is transferred from Bãi Cháy to the other commune; r2 is closed; r3 is new in the other commune.
	must(s.DropQueueEntry(ctx, baiChay, "r1", now))
	must(s.PutQueueEntry(ctx, otherCommune, entry("r1", 2, report.Received), now))
	must(s.PutQueueEntry(ctx, otherCommune, entry("r2", 2, report.Accepted), now))
	must(s.DropQueueEntry(ctx, otherCommune, "r2", now))
	must(s.PutQueueEntry(ctx, otherCommune, entry("r3", 2, report.InProgress), now))

	desk := &report.Desk{Store: s, Router: seededRouter(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
	page, err := desk.Queue(ctx, auth.Principal{Role: auth.RoleDispatcher}, report.QueueFilter{Sort: "deadline", Limit: 1})
	must(err)
	var ids []string
	for _, e := range page.Items {
		ids = append(ids, e.ReportID+"@"+e.AgencyID)
	}
	if !slices.Equal(ids, []string{"r1@" + otherCommune}) || page.Next != 1 || page.Counts[report.Received] != 1 || page.Counts[report.InProgress] != 1 {
		t.Errorf("dispatcher's page %v next %d counts %v", ids, page.Next, page.Counts)
	}
	officer, err := desk.Queue(ctx, auth.Principal{Role: auth.RoleOfficer, AgencyID: baiChay}, report.QueueFilter{Limit: 10})
	if err != nil || len(officer.Items) != 0 {
		t.Errorf("Bãi Cháy's officer after the transfer: %+v %v", officer.Items, err)
	}
}

// TestDispatcherListRenewsInBackground: a desk with ProvinceMaxAge lists from its copy of every queue;
// another replica's change shows once the copy is older than ProvinceMaxAge and the background renewal it
// starts has landed, and never makes a listing wait.
func TestDispatcherListRenewsInBackground(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	entry := func(id string) report.QueueEntry {
		return report.QueueEntry{ReportID: id, Code: "QN-2611-" + id, Category: "garbage", Status: report.Received, CreatedAt: now, Version: 1,
			AcceptBy: now.Add(time.Hour), ResolveBy: now.Add(48 * time.Hour)}
	}
	if err := s.PutQueueEntry(ctx, baiChay, entry("r1"), now); err != nil {
		t.Fatal(err)
	}
	dispatcher := auth.Principal{UserID: "d", Role: auth.RoleDispatcher}
	list := func(d *report.Desk) []string {
		t.Helper()
		page, err := d.Queue(ctx, dispatcher, report.QueueFilter{Sort: "newest"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range page.Items {
			ids = append(ids, e.ReportID)
		}
		slices.Sort(ids)
		return ids
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	router := seededRouter(t)
	held := &report.Desk{Store: s, Router: router, Log: log, ProvinceMaxAge: time.Hour}
	renewing := &report.Desk{Store: s, Router: router, Log: log, ProvinceMaxAge: 50 * time.Millisecond}
	for _, d := range []*report.Desk{held, renewing} {
		if got := list(d); !slices.Equal(got, []string{"r1"}) {
			t.Fatalf("first listing %v", got)
		}
	}
	// Another replica adds a ticket.
	if err := s.PutQueueEntry(ctx, otherCommune, entry("r2"), now); err != nil {
		t.Fatal(err)
	}
	if got := list(held); !slices.Equal(got, []string{"r1"}) {
		t.Errorf("within ProvinceMaxAge the copy is listed; got %v", got)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !slices.Equal(list(renewing), []string{"r1", "r2"}) {
		if time.Now().After(deadline) {
			t.Fatal("the other replica's ticket never showed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConcurrentQueuePutsLoseNothing: 40 tickets of two agencies put at once (each agency's writers racing
// for its shards, as replicas would: two stores) all land in their agency's queue, and a put of an older
// version leaves the newer entry.
func TestConcurrentQueuePutsLoseNothing(t *testing.T) {
	s1 := openTestStore(t)
	ctx := testenv.Context(t)
	s2, err := Open(ctx, testenv.Shared(t).MongoURI, s1.db.Name(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	newer := report.QueueEntry{ReportID: "batch-00000", Code: "QN-2611-00000", Status: report.Accepted, Version: 3, CreatedAt: now}
	if err := s1.PutQueueEntry(ctx, baiChay, newer, now); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		agency := []string{baiChay, otherCommune}[i%2]
		s := []*Store{s1, s2}[i/2%2]
		e := report.QueueEntry{ReportID: fmt.Sprintf("batch-%05d", i), Code: fmt.Sprintf("QN-2611-%05d", i), Status: report.Received, Version: 1, CreatedAt: now}
		wg.Go(func() {
			if err := s.PutQueueEntry(ctx, agency, e, now); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, agency := range []string{baiChay, otherCommune} {
		q, err := s1.Queue(ctx, agency)
		if err != nil || len(q) != 20 {
			t.Errorf("%s queue: %d entries (%v), want 20", agency, len(q), err)
		}
		for _, e := range q {
			if e.ReportID == newer.ReportID && (e.Version != 3 || e.Status != report.Accepted) {
				t.Errorf("an older entry replaced a newer one: %+v", e)
			}
		}
	}
}
