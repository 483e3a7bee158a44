package mongostore

import (
	"io"
	"log/slog"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestProvinceQueueFollowsAgencyQueues: the province-wide queue that dispatchers read is kept by the same
// writes as the agencies' queues, through transfers and a late drop from a ticket's former agency; the sweep
// adds what only an agency's queue has (a crash between the two writes, or data from before) and removes, at
// its second look, what no agency's queue has.
func TestProvinceQueueFollowsAgencyQueues(t *testing.T) {
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
	province := func() map[string]string {
		t.Helper()
		q, err := s.ProvinceQueue(ctx)
		must(err)
		out := map[string]string{}
		for _, e := range q {
			out[e.ReportID] = e.AgencyID + "/" + string(e.Status)
		}
		return out
	}
	must(s.PutQueueEntry(ctx, "a1", entry("r1", 1, report.Received), now))
	must(s.PutQueueEntry(ctx, "a2", entry("r2", 1, report.Received), now))
	// r1 is transferred from a1 to a2; r3's drop from its former agency arrives after its new entry.
	must(s.DropQueueEntry(ctx, "a1", "r1", now))
	must(s.PutQueueEntry(ctx, "a2", entry("r1", 2, report.Received), now))
	must(s.PutQueueEntry(ctx, "a2", entry("r3", 2, report.Accepted), now))
	must(s.DropQueueEntry(ctx, "a1", "r3", now))
	// r2 is closed.
	must(s.PutQueueEntry(ctx, "a2", entry("r2", 2, report.Accepted), now))
	must(s.DropQueueEntry(ctx, "a2", "r2", now))
	if got, want := province(), map[string]string{"r1": "a2/received", "r3": "a2/accepted"}; !maps.Equal(got, want) {
		t.Errorf("province queue %v, want %v", got, want)
	}

	// r4 only in a3's queue (a crash after the agency's write); r5 only in the province's.
	e4 := toQueueEntryDoc(entry("r4", 1, report.InProgress))
	e4.AgencyID = "a3"
	must(s.modifyQueue(ctx, queueShardID("a3", "r4"), func(m map[string]queueEntryDoc) { m["r4"] = e4 }))
	orphan := entry("r5", 3, report.Accepted)
	orphan.AgencyID = "a1"
	must(s.FixProvinceQueue(ctx, []report.QueueEntry{orphan}, nil, now))

	desk := &report.Desk{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
	if _, err := desk.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := province(), map[string]string{"r1": "a2/received", "r3": "a2/accepted", "r4": "a3/in_progress", "r5": "a1/accepted"}; !maps.Equal(got, want) {
		t.Errorf("after one sweep %v, want %v", got, want)
	}
	if _, err := desk.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := province(), map[string]string{"r1": "a2/received", "r3": "a2/accepted", "r4": "a3/in_progress"}; !maps.Equal(got, want) {
		t.Errorf("after two sweeps %v, want %v", got, want)
	}

	// The dispatcher's view is the province's queue, filtered, sorted and counted like an officer's.
	page, err := desk.Queue(ctx, auth.Principal{Role: auth.RoleDispatcher}, report.QueueFilter{Sort: "deadline", Limit: 2})
	must(err)
	var ids []string
	for _, e := range page.Items {
		ids = append(ids, e.ReportID+"@"+e.AgencyID)
	}
	if !slices.Equal(ids, []string{"r1@a2", "r3@a2"}) || page.Next != 2 || page.Counts[report.Received] != 1 || page.Counts[report.InProgress] != 1 {
		t.Errorf("dispatcher's page %v next %d counts %v", ids, page.Next, page.Counts)
	}
	officer, err := desk.Queue(ctx, auth.Principal{Role: auth.RoleOfficer, AgencyID: "a3"}, report.QueueFilter{Limit: 10})
	if err != nil || len(officer.Items) != 1 || officer.Items[0].ReportID != "r4" {
		t.Errorf("a3's officer: %+v %v", officer.Items, err)
	}
}

// TestDispatcherListRenewsInBackground: a desk with ProvinceMaxAge lists from its copy of the province
// queue; another replica's change shows once the copy is older than ProvinceMaxAge and the background
// renewal it starts has landed, and never makes a listing wait.
func TestDispatcherListRenewsInBackground(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	entry := func(id string) report.QueueEntry {
		return report.QueueEntry{ReportID: id, Code: "QN-2611-" + id, Category: "garbage", Status: report.Received, CreatedAt: now, Version: 1,
			AcceptBy: now.Add(time.Hour), ResolveBy: now.Add(48 * time.Hour)}
	}
	if err := s.PutQueueEntry(ctx, "a1", entry("r1"), now); err != nil {
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
	held := &report.Desk{Store: s, Log: log, ProvinceMaxAge: time.Hour}
	renewing := &report.Desk{Store: s, Log: log, ProvinceMaxAge: 50 * time.Millisecond}
	for _, d := range []*report.Desk{held, renewing} {
		if got := list(d); !slices.Equal(got, []string{"r1"}) {
			t.Fatalf("first listing %v", got)
		}
	}
	// Another replica adds a ticket.
	if err := s.PutQueueEntry(ctx, "a2", entry("r2"), now); err != nil {
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
