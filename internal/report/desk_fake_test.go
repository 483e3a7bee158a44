package report_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// fakeDeskStore keeps reports and queues in memory, with the store's compare-and-swap on Version. The
// methods a test does not use are the nil embedded interface's (they panic).
type fakeDeskStore struct {
	report.DeskStore
	mu      sync.Mutex
	reports map[string]report.Report
	queues  map[string]map[string]report.QueueEntry
}

func newFakeDeskStore(rs ...report.Report) *fakeDeskStore {
	f := &fakeDeskStore{reports: map[string]report.Report{}, queues: map[string]map[string]report.QueueEntry{}}
	for _, r := range rs {
		f.reports[r.ID] = r
		f.PutQueueEntry(context.Background(), r.Routing.AgencyID, report.Entry(r, false), time.Time{})
	}
	return f
}

func (f *fakeDeskStore) Report(_ context.Context, id string) (report.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reports[id]
	if !ok {
		return report.Report{}, fault.New(fault.ErrNotFound, "no such report")
	}
	return r, nil
}

func (f *fakeDeskStore) SaveReport(_ context.Context, before, after report.Report, _ time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reports[before.ID].Version != before.Version {
		return false, nil
	}
	after.Version = before.Version + 1
	f.reports[before.ID] = after
	return true, nil
}

func (f *fakeDeskStore) PutQueueEntry(_ context.Context, agencyID string, e report.QueueEntry, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.queues[agencyID] == nil {
		f.queues[agencyID] = map[string]report.QueueEntry{}
	}
	f.queues[agencyID][e.ReportID] = e
	return nil
}

func (f *fakeDeskStore) DropQueueEntry(_ context.Context, agencyID, reportID string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.queues[agencyID], reportID)
	return nil
}

func (f *fakeDeskStore) Queue(_ context.Context, agencyID string) ([]report.QueueEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []report.QueueEntry
	for _, e := range f.queues[agencyID] {
		out = append(out, e)
	}
	return out, nil
}

// fakeStaff is a staff directory: user ID → agency of an enabled officer or agency admin.
type fakeStaff map[string]string

func (s fakeStaff) AssignableAgency(_ context.Context, id string) (string, error) { return s[id], nil }

// seededRouter routes nothing; it serves the seeded catalogue.
type seededRouter struct{ cat *catalogue.Catalogue }

func (r seededRouter) Catalogue() *catalogue.Catalogue { return r.cat }
func (r seededRouter) Route(string, jurisdiction.Point) (catalogue.Decision, error) {
	return catalogue.Decision{}, fault.New(fault.ErrUnprocessable, "not routing in this test")
}

// newFakeDesk returns a desk on the store whose clock stands at created plus a day, with two agencies
// known to the catalogue: ubnd-a and ubnd-b stand for the first two of the seed.
func newFakeDesk(t *testing.T, store *fakeDeskStore, staff fakeStaff) (*report.Desk, string, string) {
	t.Helper()
	cat, err := catalogue.Seed(jurisdiction.Default())
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workcal.New(workcal.DefaultHours(), nil)
	if err != nil {
		t.Fatal(err)
	}
	as := cat.Agencies()
	return &report.Desk{Store: store, Router: seededRouter{cat}, Calendar: func() *workcal.Calendar { return cal },
		Policy: workcal.DefaultPolicy(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Staff: staff,
		Now: func() time.Time { return created.Add(24 * time.Hour) }}, as[0].ID, as[1].ID
}

// ticketIn returns a received report of agency, with its ticket.
func ticketIn(t *testing.T, id, agency string) report.Report {
	t.Helper()
	r := newReport(report.Received)
	r.ID, r.Code = id, "QN-2603-"+id
	r.Routing.AgencyID = agency
	r.Timeline[1].AgencyID = agency
	r.Ticket = MustTicket(t, r, MustEnv(t))
	return r
}
