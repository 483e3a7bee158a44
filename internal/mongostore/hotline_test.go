package mongostore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// TestHotlineResidentIsTheSignInAccount: the account a call-taker's report goes to is the one the caller
// later signs in to with the number, also when several calls from one number are filed at once.
func TestHotlineResidentIsTheSignInAccount(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	number, err := phone.Parse("0987 654 321")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 5)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			id, err := e.svc.ResidentForPhone(ctx, number)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || id == "" {
			t.Fatalf("resident IDs %v, want one account", ids)
		}
	}
	tok := e.signIn(t, "+84987654321")
	if p := e.principal(t, tok); p.UserID != ids[0] || p.Role != auth.RoleResident {
		t.Errorf("signed in as %+v, want the hotline's resident %s", p, ids[0])
	}
}

// TestBulkOnTheStore: a bulk accept through the store accepts the tickets still at the version named and
// reports the one someone else moved since, leaving it as it was.
func TestBulkOnTheStore(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	router := seededRouter(t)
	cal, err := workcal.New(workcal.DefaultHours(), nil)
	if err != nil {
		t.Fatal(err)
	}
	desk := &report.Desk{Store: s, Router: router, Calendar: func() *workcal.Calendar { return cal },
		Policy: workcal.DefaultPolicy(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Staff: s}
	now := time.Now().UTC()
	var items []report.BulkItem
	for i := range 5 {
		r := report.Report{ID: fmt.Sprintf("bulk-store-%02d", i), Code: fmt.Sprintf("QN-2612-%05d", i+1), ReporterID: "res",
			Category: "road_damage", Description: "Ổ gà giữa đường", Status: report.Received,
			Routing: catalogue.Decision{AgencyID: baiChay, Rule: catalogue.RuleCommunePolygon}, CreatedAt: now, UpdatedAt: now, Version: 1,
			Timeline: []report.Event{{At: now, Action: report.EventReceived, ActorRole: "resident", ActorID: "res", To: report.Received}}}
		if r.Ticket, err = report.NewTicket(r, desk.Env("road_damage")); err != nil {
			t.Fatal(err)
		}
		if err := s.InsertReport(ctx, r); err != nil {
			t.Fatal(err)
		}
		items = append(items, report.BulkItem{ID: r.ID, Version: report.WorkflowVersion(r)})
	}
	officer := auth.Principal{UserID: "officer-1", Role: auth.RoleOfficer, AgencyID: baiChay}
	act := report.Actor{Principal: officer}
	if _, err := desk.Act(ctx, officer, items[2].ID, items[2].Version, report.Command{Action: report.ActionComment, Actor: act, Note: "gọi lại"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	out, err := desk.Bulk(ctx, officer, report.Command{Action: report.ActionAccept, Actor: act}, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		got, _ := s.Report(ctx, o.ID)
		switch {
		case i == 2 && (!errors.Is(o.Err, fault.ErrPrecondition) || got.Status != report.Received):
			t.Errorf("the ticket commented on meanwhile: %v, now %s; want a precondition failure, still received", o.Err, got.Status)
		case i != 2 && (o.Err != nil || got.Status != report.Accepted):
			t.Errorf("ticket %d: %v, now %s; want accepted", i, o.Err, got.Status)
		}
	}
	q, err := s.Queue(ctx, baiChay)
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for _, e := range q {
		if e.Status == report.Accepted {
			accepted++
		}
	}
	if accepted != 4 {
		t.Errorf("%d accepted tickets in the queue, want 4", accepted)
	}
}
