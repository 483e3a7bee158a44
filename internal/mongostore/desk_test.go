package mongostore

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/audit"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/reply"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestAssigneeIsKept: a ticket's assignee, the assign event's assignee and the queue entry's assignee and
// workflow version survive the round trip through the database.
func TestAssigneeIsKept(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	r := report.Report{ID: "report-assign-1", Code: "QN-2612-00001", ReporterID: "u0", Category: "garbage", Status: report.Received,
		Routing: catalogue.Decision{AgencyID: baiChay}, CreatedAt: now, UpdatedAt: now, Version: 1,
		Timeline: []report.Event{{At: now, Action: report.EventReceived, ActorRole: "resident", ActorID: "u0", To: report.Received}}}
	if err := s.InsertReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	after := r
	after.Ticket.AssigneeID = "off-2"
	after.Timeline = append(after.Timeline, report.Event{At: now, Action: string(report.ActionAssign), ActorRole: "officer", ActorID: "off-1",
		From: report.Received, To: report.Received, Assignee: "off-2"})
	if ok, err := s.SaveReport(ctx, r, after, now); err != nil || !ok {
		t.Fatalf("SaveReport: %v %v", ok, err)
	}
	got, err := s.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ticket.AssigneeID != "off-2" || got.Timeline[1].Assignee != "off-2" {
		t.Errorf("read back assignee %q, event %+v; want off-2 in both", got.Ticket.AssigneeID, got.Timeline[1])
	}
	after.Version = 2
	if err := s.PutQueueEntry(ctx, baiChay, report.Entry(after, false), now); err != nil {
		t.Fatal(err)
	}
	q, err := s.Queue(ctx, baiChay)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].AssigneeID != "off-2" || q[0].Steps != 2 {
		t.Errorf("queue %+v, want the ticket assigned to off-2 at workflow version 2", q)
	}
}

// TestAssignableAgency: only enabled officers and agency admins may be given tickets, read by _id.
func TestAssignableAgency(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC()
	for i, u := range []account.User{
		{ID: "officer-enabled", Role: auth.RoleOfficer, AgencyID: baiChay},
		{ID: "officer-disabled", Role: auth.RoleOfficer, AgencyID: baiChay},
		{ID: "agency-admin-1", Role: auth.RoleAgencyAdmin, AgencyID: otherCommune},
		{ID: "dispatcher-1", Role: auth.RoleDispatcher},
	} {
		u.Username, u.Language, u.CreatedAt = fmt.Sprintf("user%d", i), "vi", now
		if err := s.InsertStaff(ctx, account.StoredUser{User: u, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	disabled := true
	if _, err := s.UpdateUser(ctx, "officer-disabled", account.UserChange{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"officer-enabled": baiChay, "officer-disabled": "", "agency-admin-1": otherCommune,
		"dispatcher-1": "", "nobody-at-all": ""} {
		got, err := s.AssignableAgency(ctx, id)
		if err != nil || got != want {
			t.Errorf("AssignableAgency(%s) = %q, %v; want %q", id, got, err, want)
		}
	}
}

// TestReplyTemplatesStore: an agency's templates are listed through its index, and replaced only at the
// version they were read at.
func TestReplyTemplatesStore(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i, agency := range []string{baiChay, baiChay, otherCommune} {
		tp := reply.Template{ID: fmt.Sprintf("template-%02d", i), AgencyID: agency, Category: "garbage", TitleVi: "Rác", TitleEn: "Garbage",
			BodyVi: "Đã thu gom.", BodyEn: "Collected.", Version: 1, UpdatedAt: now, UpdatedBy: "aa"}
		if err := s.InsertTemplate(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.AgencyTemplates(ctx, baiChay)
	if err != nil || len(list) != 2 {
		t.Fatalf("Bãi Cháy's templates: %v %v, want 2", list, err)
	}
	tp, err := s.Template(ctx, "template-00")
	if err != nil || tp.BodyVi != "Đã thu gom." || !tp.UpdatedAt.Equal(now) {
		t.Fatalf("Template: %+v %v", tp, err)
	}
	tp.Version, tp.BodyVi = 2, "Đã thu gom xong."
	if ok, err := s.ReplaceTemplate(ctx, tp); err != nil || !ok {
		t.Fatalf("ReplaceTemplate at version 1: %v %v", ok, err)
	}
	tp.BodyVi = "lost"
	if ok, err := s.ReplaceTemplate(ctx, tp); err != nil || ok {
		t.Errorf("ReplaceTemplate at a stale version: %v %v, want false", ok, err)
	}
	if got, _ := s.Template(ctx, "template-00"); got.BodyVi != "Đã thu gom xong." || got.Version != 2 {
		t.Errorf("after the stale write: %+v", got)
	}
	if err := s.DeleteTemplate(ctx, "template-00"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTemplate(ctx, "template-00"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("deleting again: %v, want not found", err)
	}
}

// TestAuditTrailStore: entries filtered by actor, agency and time, paged newest first through the
// declared indexes.
func TestAuditTrailStore(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	clock := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	trail := &audit.Trail{Store: s, Now: func() time.Time { return clock }}
	for i := range 6 {
		clock = clock.Add(time.Second)
		e := audit.Entry{ActorID: "off-a", ActorRole: auth.RoleOfficer, AgencyID: baiChay, Operation: "actOnTicket", Action: "accept",
			Method: "POST", Path: "/v1/tickets/x/actions", TargetID: "x", Status: 200, Address: "203.0.113.7", RequestID: fmt.Sprint(i)}
		if i%3 == 2 {
			e.ActorID, e.ActorRole, e.AgencyID, e.Operation = "root", auth.RoleAdmin, "", "updateStaff"
		}
		if err := trail.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	admin := auth.Principal{UserID: "root", Role: auth.RoleAdmin}
	var all []audit.Entry
	cursor := ""
	for {
		p, err := trail.List(ctx, admin, audit.Filter{Limit: 4, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Entries...)
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if len(all) != 6 || all[0].RequestID != "5" || all[5].RequestID != "0" || all[5].Address != "203.0.113.7" || all[5].Status != 200 {
		t.Errorf("the whole trail in pages of 4: %+v, want 6 entries newest first", all)
	}
	byActor, _ := trail.List(ctx, admin, audit.Filter{ActorID: "root"})
	byAgency, _ := trail.List(ctx, admin, audit.Filter{AgencyID: baiChay, From: clock.Add(-3 * time.Second)})
	if len(byActor.Entries) != 2 || len(byAgency.Entries) != 2 {
		t.Errorf("root's entries %d (want 2), Bãi Cháy's of the last 3 s %d (want 2)", len(byActor.Entries), len(byAgency.Entries))
	}
}
