package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// The desk's clock stands at Tuesday 3 March 2026, 09:00; Thursday 5 March is made a holiday.
func TestWorkingLeftCountsWorkingHoursAndHolidays(t *testing.T) {
	desk, _, _ := newFakeDesk(t, newFakeDeskStore(), nil)
	cal, err := workcal.New(workcal.DefaultHours(), []workcal.Holiday{
		{Date: workcal.Date{Year: 2026, Month: time.March, Day: 5}, Kind: workcal.KindHoliday, NameVI: "Nghỉ", NameEN: "Off"}})
	if err != nil {
		t.Fatal(err)
	}
	desk.Calendar = func() *workcal.Calendar { return cal }
	h := func(hours float64) time.Duration { return time.Duration(hours * float64(time.Hour)) }
	for _, tc := range []struct {
		name                string
		status              report.Status
		acceptBy, resolveBy time.Time
		want                time.Duration
		running             bool
	}{
		{"accepting, lunch skipped", report.Received, at(3, 3, 16, 0), at(3, 20, 17, 0), h(5), true},
		{"accepting, overdue since yesterday 16:00", report.Received, at(3, 2, 16, 0), at(3, 20, 17, 0), -h(2.5), true},
		{"resolving, over the holiday", report.Accepted, at(3, 2, 16, 0), at(3, 6, 17, 0), h(6 + 7.5 + 7.5), true},
		{"reopened runs the resolving deadline", report.Reopened, time.Time{}, at(3, 3, 11, 30), h(2.5), true},
		{"received without an accepting deadline", report.Received, time.Time{}, at(3, 3, 10, 0), h(1), true},
		{"waiting for the resident", report.InfoRequested, at(3, 2, 16, 0), at(3, 6, 17, 0), 0, false},
		{"resolved", report.Resolved, at(3, 2, 16, 0), at(3, 6, 17, 0), 0, false},
	} {
		left, ok := desk.WorkingLeft(tc.status, tc.acceptBy, tc.resolveBy)
		if left != tc.want || ok != tc.running {
			t.Errorf("%s: %v %v, want %v %v", tc.name, left, ok, tc.want, tc.running)
		}
	}
}

func TestQueueSaysTheWorkingTimeLeft(t *testing.T) {
	ctx := context.Background()
	store := newFakeDeskStore()
	desk, a, _ := newFakeDesk(t, store, nil)
	r := ticketIn(t, "t1", a)
	store.reports["t1"] = r
	if err := store.PutQueueEntry(ctx, a, report.Entry(r, false), created); err != nil {
		t.Fatal(err)
	}
	page, err := desk.Queue(ctx, auth.Principal{UserID: "off-1", Role: auth.RoleOfficer, AgencyID: a}, report.QueueFilter{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("queue: %v %+v", err, page)
	}
	want, _ := desk.WorkingLeft(r.Status, r.Ticket.AcceptBy, r.Ticket.ResolveBy)
	if got, ok := page.Left["t1"]; !ok || got != want || r.Ticket.AcceptBy.IsZero() {
		t.Errorf("left = %v %v, want %v (accept by %v)", got, ok, want, r.Ticket.AcceptBy)
	}
}
