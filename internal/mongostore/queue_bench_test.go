package mongostore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// BenchmarkQueue100k measures the officers' queue for 100,000 tickets. Queues are precomputed per agency
// and hold only the tickets still being handled (closed and rejected ones leave), so the closed tickets
// in the reports collection never take part in the read: what matters is how many are open. It measures
// 5,000 open (5% of 100,000, a busy province) and the worst case where all 100,000 are open, spread over
// the agencies: an officer's filtered, sorted first page (one read of the agency's shards by _id) and a
// dispatcher's view of every agency (every agency's shards, read by _id).
func BenchmarkQueue100k(b *testing.B) {
	for _, open := range []int{5_000, 100_000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) { benchQueue(b, open) })
	}
}

func benchQueue(b *testing.B, total int) {
	s := openBenchStore(b)
	ctx := context.Background()
	cat, err := catalogue.Seed(jurisdiction.Default())
	if err != nil {
		b.Fatal(err)
	}
	agencies := cat.Agencies()
	cats := cat.Categories()
	statuses := []report.Status{report.Received, report.Accepted, report.InProgress, report.InfoRequested, report.Resolved, report.Reopened}
	now := time.Now().UTC()
	docs := make(map[string]map[string]queueEntryDoc, len(agencies))
	for i := range total {
		agency := agencies[i%len(agencies)].ID
		id := fmt.Sprintf("r%06d", i)
		by := now.Add(time.Duration(i%500-100) * time.Hour)
		e := queueEntryDoc{ReportID: id, Code: fmt.Sprintf("QN-2611-%05d", i), Category: cats[i%len(cats)].Code,
			CommuneCode: "06673", Status: string(statuses[(i/len(agencies))%len(statuses)]), Urgent: i%7 == 0, ResolveBy: &by, AcceptBy: &by,
			CreatedAt: now.Add(-time.Duration(i) * time.Minute), Version: 1, AgencyID: agency, Steps: 3}
		if n := i / len(agencies); n%3 != 0 { // two tickets in three of each agency assigned, among four officers
			e.AssigneeID = fmt.Sprintf("o%d", n%4)
		}
		shard := queueShardID(agency, id)
		if docs[shard] == nil {
			docs[shard] = map[string]queueEntryDoc{}
		}
		docs[shard][id] = e
	}
	for a, entries := range docs {
		if _, err := s.db.Collection(colQueues).InsertOne(ctx, queueDoc{ID: a, Entries: entries, Counts: countByStatus(entries), Version: 1}); err != nil {
			b.Fatal(err)
		}
	}
	router := staticRouter{cat}
	desk := &report.Desk{Store: s, Router: router, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// As the service runs it: the province-wide list reused for up to report.ProvinceQueueMaxAge.
	cached := &report.Desk{Store: s, Router: router, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), ProvinceMaxAge: report.ProvinceQueueMaxAge}
	officer := auth.Principal{UserID: "o1", Role: auth.RoleOfficer, AgencyID: agencies[0].ID}
	dispatcher := auth.Principal{UserID: "d", Role: auth.RoleDispatcher}
	for _, tc := range []struct {
		name string
		desk *report.Desk
		p    auth.Principal
		f    report.QueueFilter
	}{
		{"officer_overdue_by_deadline", desk, officer, report.QueueFilter{Overdue: true, Sort: "deadline", Limit: 50}},
		{"officer_status_newest", desk, officer, report.QueueFilter{Status: report.Accepted, Sort: "newest", Limit: 50}},
		{"officer_my_tickets_by_deadline", desk, officer, report.QueueFilter{Assigned: "me", Sort: "deadline", Limit: 50}},
		{"dispatcher_all_agencies_priority_uncached", desk, dispatcher, report.QueueFilter{Sort: "priority", Limit: 50}},
		{"dispatcher_all_agencies_priority_max_age_5s", cached, dispatcher, report.QueueFilter{Sort: "priority", Limit: 50}},
		{"dispatcher_overdue_category_max_age_5s", cached, dispatcher, report.QueueFilter{Overdue: true, Category: "road_damage", Sort: "deadline", Limit: 50}},
		// The staff console's own requests: an officer's first screen, and a dispatcher's (escalations, then the rest).
		{"console_officer_by_deadline", desk, officer, report.QueueFilter{Sort: "deadline", Limit: 50}},
		{"console_dispatcher_escalations_max_age_5s", cached, dispatcher, report.QueueFilter{Overdue: true, Sort: "deadline", Limit: 50}},
		{"console_dispatcher_by_deadline_max_age_5s", cached, dispatcher, report.QueueFilter{Sort: "deadline", Limit: 50}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var d []time.Duration
			for b.Loop() {
				start := time.Now()
				page, err := tc.desk.Queue(ctx, tc.p, tc.f)
				if err != nil || len(page.Items) == 0 {
					b.Fatalf("queue: %v, %d items", err, len(page.Items))
				}
				d = append(d, time.Since(start))
			}
			sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
			b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(total), "open-tickets")
		})
	}
}

// openBenchStore opens a store on a fresh database of the shared test servers for a benchmark.
func openBenchStore(b *testing.B) *Store {
	b.Helper()
	srv := testenvShared(b)
	s, err := Open(context.Background(), srv.MongoURI, "bench_"+fmt.Sprint(time.Now().UnixNano()), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Drop(context.Background()) })
	return s
}

func testenvShared(tb testing.TB) *testenv.Servers { return testenv.Shared(tb) }
