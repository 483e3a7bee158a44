package report_test

import (
	"context"
	"errors"
	"testing"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
)

func TestDeskAssignsWithinTheAgencyAndListsMyTickets(t *testing.T) {
	ctx := context.Background()
	store := newFakeDeskStore()
	desk, a, b := newFakeDesk(t, store, nil)
	desk.Staff = fakeStaff{"off-1": a, "off-2": a, "off-b": b}
	for _, id := range []string{"t1", "t2"} {
		r := ticketIn(t, id, a)
		store.reports[id] = r
		_ = store.PutQueueEntry(ctx, a, report.Entry(r, false), created)
	}
	boss := auth.Principal{UserID: "aa-1", Role: auth.RoleAgencyAdmin, AgencyID: a}
	officer := auth.Principal{UserID: "off-2", Role: auth.RoleOfficer, AgencyID: a}
	assign := func(p auth.Principal, id, to string) (report.Report, error) {
		r, _ := store.Report(ctx, id)
		return desk.Act(ctx, p, id, report.WorkflowVersion(r), report.Command{Action: report.ActionAssign, Actor: report.Actor{Principal: p}, AssigneeID: to}, nil, nil)
	}
	got, err := assign(boss, "t1", "off-2")
	if err != nil {
		t.Fatalf("assign: %v", err)
	}
	if got.Ticket.AssigneeID != "off-2" {
		t.Errorf("assignee = %q, want off-2", got.Ticket.AssigneeID)
	}
	if _, err := assign(officer, "t2", "off-2"); err != nil { // taking one
		t.Fatalf("take: %v", err)
	}
	var inv *fault.Invalid
	for _, who := range []string{"off-b", "nobody"} {
		if _, err := assign(boss, "t1", who); !errors.As(err, &inv) {
			t.Errorf("assign to %s: %v, want an invalid assignee", who, err)
		}
	}

	mine, err := desk.Queue(ctx, officer, report.QueueFilter{Assigned: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.Items) != 2 || mine.Items[0].AssigneeID != "off-2" || mine.Items[0].Steps != report.WorkflowVersion(got) {
		t.Errorf("my tickets = %+v, want t1 and t2 assigned to off-2 at their workflow version", mine.Items)
	}
	other, _ := desk.Queue(ctx, auth.Principal{UserID: "off-1", Role: auth.RoleOfficer, AgencyID: a}, report.QueueFilter{Assigned: "me"})
	none, _ := desk.Queue(ctx, officer, report.QueueFilter{Assigned: "none"})
	if len(other.Items) != 0 || len(none.Items) != 0 {
		t.Errorf("off-1's tickets %v, unassigned %v; want none of either", other.Items, none.Items)
	}
}

func TestDeskBulkSaysWhichTicketsFailedAndWhy(t *testing.T) {
	ctx := context.Background()
	store := newFakeDeskStore()
	desk, a, _ := newFakeDesk(t, store, fakeStaff{})
	var items []report.BulkItem
	for _, id := range []string{"t1", "t2", "t3"} {
		r := ticketIn(t, id, a)
		store.reports[id] = r
		items = append(items, report.BulkItem{ID: id, Version: report.WorkflowVersion(r)})
	}
	items[1].Version-- // t2 changed since the officer saw it
	r3 := store.reports["t3"]
	r3.Status = report.InProgress // t3 cannot be accepted any more
	store.reports["t3"] = r3
	items = append(items, report.BulkItem{ID: "missing", Version: 2})

	p := auth.Principal{UserID: "off-1", Role: auth.RoleOfficer, AgencyID: a}
	out, err := desk.Bulk(ctx, p, report.Command{Action: report.ActionAccept, Actor: report.Actor{Principal: p}}, items)
	if err != nil {
		t.Fatal(err)
	}
	want := []error{nil, fault.ErrPrecondition, fault.ErrConflict, fault.ErrNotFound}
	for i, o := range out {
		if o.ID != items[i].ID || (want[i] == nil) != (o.Err == nil) || want[i] != nil && !errors.Is(o.Err, want[i]) {
			t.Errorf("ticket %s: %v, want %v", o.ID, o.Err, want[i])
		}
	}
	if out[0].Ticket.Status != report.Accepted || store.reports["t1"].Status != report.Accepted {
		t.Errorf("t1 is %s, want accepted", store.reports["t1"].Status)
	}
	if store.reports["t2"].Status != report.Received {
		t.Errorf("t2 is %s, want untouched", store.reports["t2"].Status)
	}
}

func TestDeskBulkRefusesABadSelection(t *testing.T) {
	desk, a, _ := newFakeDesk(t, newFakeDeskStore(), fakeStaff{})
	p := auth.Principal{UserID: "off-1", Role: auth.RoleOfficer, AgencyID: a}
	many := make([]report.BulkItem, report.MaxBulk+1)
	for i := range many {
		many[i] = report.BulkItem{ID: string(rune('a'+i%26)) + string(rune('a'+i/26)), Version: 2}
	}
	for name, tc := range map[string]struct {
		action report.Action
		items  []report.BulkItem
		field  string
	}{
		"resolve":  {report.ActionResolve, []report.BulkItem{{ID: "t1", Version: 2}}, "body.action"},
		"empty":    {report.ActionAccept, nil, "body.tickets"},
		"too many": {report.ActionAccept, many, "body.tickets"},
		"twice":    {report.ActionAccept, []report.BulkItem{{ID: "t1", Version: 2}, {ID: "t1", Version: 2}}, "body.tickets[1].id"},
	} {
		_, err := desk.Bulk(context.Background(), p, report.Command{Action: tc.action, Actor: report.Actor{Principal: p}}, tc.items)
		var inv *fault.Invalid
		if !errors.As(err, &inv) || inv.Fields[0].Field != tc.field {
			t.Errorf("%s: %v, want invalid %s", name, err, tc.field)
		}
	}
}
