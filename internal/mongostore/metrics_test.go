package mongostore

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestReportsByStatusFollowsTheQueues: the counts kept beside each queue shard follow puts, status
// changes and drops, across agencies.
func TestReportsByStatusFollowsTheQueues(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC()
	put := func(agency, id string, st report.Status, version int64) {
		t.Helper()
		e := report.QueueEntry{ReportID: id, Code: "QN-" + id, Category: "road_damage", Status: st, CreatedAt: now, Version: version}
		if err := s.PutQueueEntry(ctx, agency, e, now); err != nil {
			t.Fatal(err)
		}
	}
	check := func(want map[string]int) {
		t.Helper()
		got, err := s.ReportsByStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range got {
			if v == 0 {
				delete(got, k)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("reports by status (-want +got):\n%s", diff)
		}
	}
	check(map[string]int{})
	for i := range 12 {
		put("ubnd-06673", fmt.Sprintf("r%02d", i), report.Received, 1)
	}
	put("so-xay-dung", "p01", report.InProgress, 3)
	check(map[string]int{"received": 12, "in_progress": 1})

	put("ubnd-06673", "r03", report.Accepted, 2)
	put("ubnd-06673", "r04", report.Resolved, 5)
	put("ubnd-06673", "r04", report.InProgress, 4) // older: ignored
	if err := s.DropQueueEntry(ctx, "ubnd-06673", "r05", now); err != nil {
		t.Fatal(err)
	}
	check(map[string]int{"received": 9, "accepted": 1, "resolved": 1, "in_progress": 1})

}

// TestOutboxBacklog: pending and parked hints are counted, and the oldest pending one found.
func TestOutboxBacklog(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	b, err := s.OutboxBacklog(ctx)
	if err != nil || b.Pending != 0 || b.Parked != 0 || !b.OldestPending.IsZero() {
		t.Fatalf("empty outbox: %+v %v", b, err)
	}
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	for i, h := range []hintDoc{
		{ID: "a:1", ReportID: "a", Seq: 1, NotBefore: t0, CreatedAt: t0.Add(time.Minute)},
		{ID: "a:2", ReportID: "a", Seq: 2, NotBefore: t0, CreatedAt: t0.Add(-time.Hour), Failed: true},
		{ID: "b:1", ReportID: "b", Seq: 1, NotBefore: t0, CreatedAt: t0},
		{ID: "c:1", ReportID: "c", Seq: 1, NotBefore: t0, CreatedAt: t0.Add(2 * time.Minute)},
	} {
		if _, err := s.db.Collection(colOutbox).InsertOne(ctx, h); err != nil {
			t.Fatal(i, err)
		}
	}
	if err := s.RescheduleHint(ctx, "c:1", t0, true, "parked"); err != nil {
		t.Fatal(err)
	}
	b, err = s.OutboxBacklog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Pending != 2 || b.Parked != 2 || !b.OldestPending.Equal(t0) {
		t.Errorf("backlog %+v, want 2 pending (oldest %s) and 2 parked", b, t0)
	}
}
