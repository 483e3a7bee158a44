package mongostore

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/telemetry"
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

// TestOverdueHintsRaiseTheAlarm: a hint due for over a minute that no dispatcher takes (the wedge of issue
// #22) shows in qn_outbox_overdue and qn_outbox_most_overdue_seconds and in one warning a minute; hints
// due only just, leased or parked do not count. Once a dispatcher takes them, both clear.
func TestOverdueHintsRaiseTheAlarm(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, h := range []hintDoc{
		{ID: "stuck:1", ReportID: "stuck", Seq: 1, NotBefore: now.Add(-3 * time.Minute), CreatedAt: now.Add(-3 * time.Minute)},
		{ID: "stuck:2", ReportID: "stuck", Seq: 2, NotBefore: now.Add(-2 * time.Minute), CreatedAt: now.Add(-2 * time.Minute)},
		{ID: "fresh:1", ReportID: "fresh", Seq: 1, NotBefore: now.Add(-10 * time.Second), CreatedAt: now.Add(-10 * time.Second)},
		{ID: "leased:1", ReportID: "leased", Seq: 1, NotBefore: now.Add(time.Minute), CreatedAt: now.Add(-time.Hour), Attempts: 1},
		{ID: "parked:1", ReportID: "parked", Seq: 1, NotBefore: now.Add(-time.Hour), CreatedAt: now.Add(-time.Hour)},
	} {
		if _, err := s.db.Collection(colOutbox).InsertOne(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RescheduleHint(ctx, "parked:1", now, true, "8 of 8 pushes failed"); err != nil {
		t.Fatal(err)
	}

	o, err := s.OutboxOverdue(ctx, now.Add(-notify.OverdueAfter))
	if err != nil || o.Count != 2 || !o.OldestDue.Equal(now.Add(-3*time.Minute)) {
		t.Fatalf("overdue %+v (%v), want 2, the oldest due 3 minutes ago", o, err)
	}

	// The metrics, as Prometheus scrapes them.
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.NewState(nil, s, 0, slog.New(slog.NewTextHandler(io.Discard, nil))))
	gauges := func() (overdue, age float64) {
		t.Helper()
		fams, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fams {
			switch f.GetName() {
			case "qn_outbox_overdue":
				overdue = f.GetMetric()[0].GetGauge().GetValue()
			case "qn_outbox_most_overdue_seconds":
				age = f.GetMetric()[0].GetGauge().GetValue()
			}
		}
		return overdue, age
	}
	if n, age := gauges(); n != 2 || age < 180 || age > 240 {
		t.Errorf("qn_outbox_overdue %v, qn_outbox_most_overdue_seconds %v; want 2 and about 180", n, age)
	}

	// The log: one warning, again a minute later while it lasts, then a word that it ended.
	var logged bytes.Buffer
	clock := now
	w := &notify.Watchdog{Store: s, Log: slog.New(slog.NewJSONHandler(&logged, nil)), Now: func() time.Time { return clock }}
	check := func(wantWarnings, wantEnded int) {
		t.Helper()
		if _, err := w.Check(ctx); err != nil {
			t.Fatal(err)
		}
		out := logged.String()
		if n := strings.Count(out, `"level":"WARN","msg":"notifications overdue`); n != wantWarnings {
			t.Errorf("%d warnings, want %d:\n%s", n, wantWarnings, out)
		}
		if n := strings.Count(out, "overdue notifications went out"); n != wantEnded {
			t.Errorf("%d all-clear lines, want %d:\n%s", n, wantEnded, out)
		}
	}
	check(1, 0)
	if !strings.Contains(logged.String(), `"overdue":2`) || !strings.Contains(logged.String(), `"overdue_for":"3m0s"`) {
		t.Errorf("the warning does not say how many and for how long: %s", logged.String())
	}
	clock = now.Add(30 * time.Second)
	check(1, 0) // within the minute: quiet
	clock = now.Add(time.Minute)
	check(2, 0)

	// A dispatcher comes back and leases them: nothing is overdue.
	if hs, err := s.LeaseDueHints(ctx, time.Now(), time.Now().Add(time.Minute), 10); err != nil || len(hs) != 3 {
		t.Fatalf("lease: %d hints (%v), want 3", len(hs), err)
	}
	clock = time.Now()
	check(2, 1)
	check(2, 1)
	if n, age := gauges(); n != 0 || age != 0 {
		t.Errorf("after the lease: qn_outbox_overdue %v, qn_outbox_most_overdue_seconds %v; want 0", n, age)
	}
}
