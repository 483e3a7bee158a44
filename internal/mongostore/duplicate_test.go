package mongostore

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

func insertTestReport(t *testing.T, s *Store, r report.Report) {
	t.Helper()
	if r.CreatedAt.IsZero() {
		r.CreatedAt, r.UpdatedAt = time.Now().UTC(), time.Now().UTC()
	}
	if r.Version == 0 {
		r.Version = 1
	}
	r.Category = "garbage"
	if err := s.InsertReport(testenv.Context(t), r); err != nil {
		t.Fatal(err)
	}
}

// TestReportIDByCode: a code finds its report, an unknown code none.
func TestReportIDByCode(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	insertTestReport(t, s, report.Report{ID: "orig-1", Code: "QN-2611-00001", ReporterID: "u1", Status: report.Received})
	if id, err := s.ReportIDByCode(ctx, "QN-2611-00001"); err != nil || id != "orig-1" {
		t.Errorf("by code: %q %v", id, err)
	}
	insertTestReport(t, s, report.Report{ID: "other-1", Code: "QN-2611-00002", ReporterID: "u2", Status: report.Received})
	if id, err := s.ReportIDByCode(ctx, "QN-2611-00002"); err != nil || id != "other-1" {
		t.Errorf("by code: %q %v", id, err)
	}
	if _, err := s.ReportIDByCode(ctx, "QN-2611-09999"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}
}

// TestDuplicateFollowersMoveUnderConcurrency: twelve duplicates of one original move their people at once,
// while residents follow the original directly. Nobody is lost, the
// original's reporter is not made a follower of their own report, and repeating a move adds no one twice.
func TestDuplicateFollowersMoveUnderConcurrency(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC()
	insertTestReport(t, s, report.Report{ID: "orig", Code: "QN-2611-00100", ReporterID: "owner", Status: report.Accepted})
	desk := &report.Desk{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var want []string
	var dups []report.Report
	for i := range 12 {
		d := report.Report{ID: fmt.Sprintf("dup-%02d", i), Code: fmt.Sprintf("QN-2611-%05d", 200+i), ReporterID: fmt.Sprintf("reporter-%02d", i),
			Followers: []string{fmt.Sprintf("fan-%02d-a", i), fmt.Sprintf("fan-%02d-b", i), "owner"}, Status: report.Rejected,
			Ticket: report.Ticket{DuplicateOf: "QN-2611-00100", DuplicateOfID: "orig"}}
		insertTestReport(t, s, d)
		d.Version = 1
		dups = append(dups, d)
		want = append(want, d.ReporterID, d.Followers[0], d.Followers[1])
	}
	var wg sync.WaitGroup
	for _, d := range dups {
		wg.Go(func() {
			if err := desk.MoveFollowers(ctx, d); err != nil {
				t.Error(err)
			}
		})
	}
	for i := range 5 {
		u := fmt.Sprintf("direct-%d", i)
		want = append(want, u)
		wg.Go(func() {
			if err := s.AddFollower(ctx, "orig", u, now); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := desk.MoveFollowers(ctx, dups[0]); err != nil { // a retry of a finished move
		t.Fatal(err)
	}
	o, err := s.Report(ctx, "orig")
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Clone(o.Followers)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("original's followers:\n got %v\nwant %v", got, want)
	}
	for _, d := range dups {
		r, err := s.Report(ctx, d.ID)
		if err != nil || !r.Ticket.FollowersMoved || r.Ticket.DuplicateOfID != "orig" {
			t.Errorf("%s: moved %v, of %q, %v", d.ID, r.Ticket.FollowersMoved, r.Ticket.DuplicateOfID, err)
		}
	}
}

// TestInterruptedFollowerMoveIsFinishedBySweep: a process that died after saving the duplicate left its
// note; the sweep finishes the move from the duplicate's own state, once. A note whose duplicate was never
// saved as one is dropped, and a note younger than the grace time is left to the request that wrote it.
func TestInterruptedFollowerMoveIsFinishedBySweep(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	t0 := time.Now().UTC().Add(-5 * time.Minute)
	insertTestReport(t, s, report.Report{ID: "orig", Code: "QN-2611-00001", ReporterID: "owner", Status: report.InProgress})
	insertTestReport(t, s, report.Report{ID: "dup", Code: "QN-2611-00002", ReporterID: "rep", Followers: []string{"fan"},
		Status: report.Rejected, Ticket: report.Ticket{DuplicateOf: "QN-2611-00001", DuplicateOfID: "orig"}})
	insertTestReport(t, s, report.Report{ID: "never-saved", Code: "QN-2611-00003", ReporterID: "x", Status: report.Received})
	for _, id := range []string{"dup", "never-saved"} {
		if err := s.PutFollowerMove(ctx, id, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutFollowerMove(ctx, "young", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	desk := &report.Desk{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	n, err := desk.FinishFollowerMoves(ctx, t0.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("finished %d (want 1): %v", n, err)
	}
	o, _ := s.Report(ctx, "orig")
	if got := slices.Sorted(slices.Values(o.Followers)); !slices.Equal(got, []string{"fan", "rep"}) {
		t.Errorf("original's followers %v", got)
	}
	if d, _ := s.Report(ctx, "dup"); !d.Ticket.FollowersMoved {
		t.Errorf("the duplicate is not marked moved")
	}
	left, err := s.PendingFollowerMoves(ctx, time.Now().UTC().Add(time.Minute), 10)
	if err != nil || !slices.Equal(left, []string{"young"}) {
		t.Errorf("notes left %v (want only the young one): %v", left, err)
	}
	if n, err := desk.FinishFollowerMoves(ctx, t0.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("second sweep: %d %v", n, err)
	}
}
