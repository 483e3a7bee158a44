package mongostore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// BenchmarkBulkAccept100 measures a bulk accept of 100 received tickets of one agency (the most one
// request names): each ticket read, saved by compare-and-swap and its queue entry rewritten, as the desk
// does through the API. Each iteration files 100 fresh tickets first (not timed).
func BenchmarkBulkAccept100(b *testing.B) {
	s := openBenchStore(b)
	ctx := context.Background()
	cat, err := catalogue.Seed(jurisdiction.Default())
	if err != nil {
		b.Fatal(err)
	}
	cal, err := workcal.New(workcal.DefaultHours(), nil)
	if err != nil {
		b.Fatal(err)
	}
	desk := &report.Desk{Store: s, Router: staticRouter{cat}, Calendar: func() *workcal.Calendar { return cal },
		Policy: workcal.DefaultPolicy(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Staff: s}
	road, _ := cat.Category("road_damage")
	officer := auth.Principal{UserID: "officer-bench", Role: auth.RoleOfficer, AgencyID: baiChay}
	cmd := report.Command{Action: report.ActionAccept, Actor: report.Actor{Principal: officer}}
	var total time.Duration
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		items := make([]report.BulkItem, report.MaxBulk)
		now := time.Now().UTC()
		for i := range items {
			r := report.Report{ID: fmt.Sprintf("bulk-%03d-%03d", n, i), Code: fmt.Sprintf("QN-2612-%05d", n*1000+i), ReporterID: "res",
				Category: road.Code, Description: "Ổ gà giữa đường", Status: report.Received,
				Routing: catalogue.Decision{AgencyID: baiChay, Rule: catalogue.RuleCommunePolygon}, CreatedAt: now, UpdatedAt: now, Version: 1,
				Timeline: []report.Event{{At: now, Action: report.EventReceived, ActorRole: "resident", ActorID: "res", To: report.Received}}}
			if r.Ticket, err = report.NewTicket(r, desk.Env(road.Code)); err != nil {
				b.Fatal(err)
			}
			if err := s.InsertReport(ctx, r); err != nil {
				b.Fatal(err)
			}
			if err := s.PutQueueEntry(ctx, baiChay, report.Entry(r, false), now); err != nil {
				b.Fatal(err)
			}
			items[i] = report.BulkItem{ID: r.ID, Version: report.WorkflowVersion(r)}
		}
		b.StartTimer()
		start := time.Now()
		out, err := desk.Bulk(ctx, officer, cmd, items)
		total += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			if o.Err != nil {
				b.Fatalf("ticket %s: %v", o.ID, o.Err)
			}
		}
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/bulk")
	b.ReportMetric(float64(report.MaxBulk*b.N)/total.Seconds(), "tickets/s")
}
