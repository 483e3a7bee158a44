package e2e

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// newOfficer has the demo agency admin create an officer of their agency, and signs them in.
func newOfficer(t *testing.T, c *api.ClientWithResponses, agencyAdmin api.RequestEditorFn, username string) (string, api.RequestEditorFn) {
	t.Helper()
	pw := "Ha-Long-Bay-Officer-2026"
	r, err := c.CreateStaffWithResponse(context.Background(), api.StaffCreate{Username: username, Password: pw, Role: api.StaffCreateRoleOfficer}, agencyAdmin)
	if err != nil || r.JSON201 == nil {
		t.Fatalf("create officer %s: %v %s", username, err, r.Body)
	}
	return r.JSON201.Id, staffLogin(t, c, username, pw)
}

// ticketVersion reads a ticket's ETag.
func ticketVersion(t *testing.T, c *api.ClientWithResponses, id string, as api.RequestEditorFn) string {
	t.Helper()
	g, err := c.GetTicketWithResponse(context.Background(), id, as)
	if err != nil || g.JSON200 == nil {
		t.Fatalf("ticket %s: %v %s", id, err, g.Body)
	}
	return g.HTTPResponse.Header.Get("ETag")
}

// TestAssignmentEndToEnd: the agency admin assigns a new ticket to an officer, who is told by push and
// finds it among their tickets; staff of another agency cannot be assigned; every step is in the audit
// trail with who, what and from where, and stays there when the officer is disabled, which signs the
// officer out at their next request.
func TestAssignmentEndToEnd(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	boss := staffLogin(t, c, "demo.agency-admin", "Bai-Chay-Agency-2026")
	admin := staffLogin(t, c, "demo.admin", "Quang-Ninh-Admin-2026")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	lanID, lan := newOfficer(t, c, boss, "officer.lan")
	registerDevice(t, c, lan, "tok-officer-lan-0001", api.Vi)
	// An officer picks whom to assign among their agency's staff.
	colleagues, _ := c.ListStaffWithResponse(ctx, officer)
	if colleagues.JSON200 == nil || !slices.ContainsFunc(colleagues.JSON200.Items, func(s api.Staff) bool { return s.Id == lanID }) {
		t.Fatalf("the officer's colleagues: %s", colleagues.Body)
	}

	sub := submit(t, c, resident(t, a, "resident-assign"), "key-assign-00001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	id := sub.JSON201.Id
	g, _ := c.GetTicketWithResponse(ctx, id, boss)
	if g.JSON200 == nil || !slices.Contains(g.JSON200.AllowedActions, "assign") || g.JSON200.AssigneeId != nil {
		t.Fatalf("new ticket: %s", g.Body)
	}

	assign := func(as api.RequestEditorFn, to string) *api.ActOnTicketResponse {
		t.Helper()
		r, err := c.ActOnTicketWithResponse(ctx, id, &api.ActOnTicketParams{IfMatch: ticketVersion(t, c, id, as)},
			api.TicketAction{Action: api.Assign, AssigneeId: &to}, as)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Only staff of the handling agency can be given the ticket.
	r := assign(boss, "dispatcher-not-an-officer")
	if p := expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusBadRequest); p.Errors == nil || (*p.Errors)[0].Field != "body.assignee_id" {
		t.Errorf("assigning to a stranger: %s", r.Body)
	}
	r = assign(boss, lanID)
	if r.JSON200 == nil || r.JSON200.AssigneeId == nil || *r.JSON200.AssigneeId != lanID {
		t.Fatalf("assign: %s", r.Body)
	}
	if got := pushesFor(t, c, "tok-officer-lan-0001", 2); len(got) != 2 || got[1] != "assign|Phản ánh được giao cho bạn: Ổ gà lớn giữa đường, xe máy dễ ngã khi trời tối." {
		t.Errorf("the assignee's pushes %q, want the new ticket then the assignment", got)
	}

	// "My tickets": the assignee's, with its version for the next action; nobody else's.
	me := api.AssignedMe
	mine, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{Assigned: &me}, lan)
	if mine.JSON200 == nil || len(mine.JSON200.Items) != 1 || mine.JSON200.Items[0].Id != id ||
		mine.JSON200.Items[0].Version == nil || ticketVersion(t, c, id, lan) != `"v`+itoa(*mine.JSON200.Items[0].Version)+`"` {
		t.Fatalf("lan's tickets: %s", mine.Body)
	}
	if others, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{Assigned: &me}, officer); others.JSON200 == nil || len(others.JSON200.Items) != 0 {
		t.Errorf("demo officer's tickets: %s", others.Body)
	}
	acc, _ := c.ActOnTicketWithResponse(ctx, id, &api.ActOnTicketParams{IfMatch: ticketVersion(t, c, id, lan)}, api.TicketAction{Action: api.Accept}, lan)
	if acc.JSON200 == nil {
		t.Fatalf("lan accepts: %s", acc.Body)
	}

	// The admin disables lan: lan's next request is refused, and lan's actions stay in the trail.
	yes := true
	if u, _ := c.UpdateStaffWithResponse(ctx, lanID, api.StaffUpdate{Disabled: &yes}, admin); u.JSON200 == nil || !u.JSON200.Disabled {
		t.Fatalf("disable: %s", u.Body)
	}
	gone, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, lan)
	if p := expectProblemBody(t, gone.HTTPResponse, gone.Body, http.StatusUnauthorized); p.Detail == nil || !strings.Contains(*p.Detail, "disabled") {
		t.Errorf("a disabled officer's request: %s", gone.Body)
	}
	trail, _ := c.ListAuditEntriesWithResponse(ctx, &api.ListAuditEntriesParams{ActorId: &lanID}, admin)
	if trail.JSON200 == nil || len(trail.JSON200.Items) != 2 {
		t.Fatalf("lan's trail: %s", trail.Body)
	}
	accepted := trail.JSON200.Items[0] // newest first: the acceptance, then the device registration
	if accepted.Operation != "actOnTicket" || accepted.Action == nil || *accepted.Action != "accept" || accepted.TargetId == nil ||
		*accepted.TargetId != id || accepted.Status != 200 || accepted.Address == "" || accepted.AgencyId == nil {
		t.Errorf("lan's acceptance in the trail: %+v", accepted)
	}
	// The agency admin's assignments, refused one included, in their agency's trail; not the admin's.
	from := time.Now().Add(-time.Minute)
	own, _ := c.ListAuditEntriesWithResponse(ctx, &api.ListAuditEntriesParams{From: &from}, boss)
	var ops []string
	for _, e := range own.JSON200.Items {
		if e.ActorRole == api.RoleAdmin {
			t.Errorf("an agency admin reads the admin's entry %+v", e)
		}
		ops = append(ops, e.Operation+"/"+deref(e.Action)+"/"+itoa(e.Status))
	}
	if want := "actOnTicket/assign/200,actOnTicket/assign/400"; !strings.Contains(strings.Join(ops, ","), want) {
		t.Errorf("agency trail %v lacks %s", ops, want)
	}
	if f, _ := c.ListFailedNotificationsWithResponse(ctx, admin); f.JSON200 == nil {
		t.Errorf("failed notifications for the admin screens: %s", f.Body)
	}
}

// TestBulkActionsEndToEnd: a bulk accept where one ticket changed meanwhile reports that one (412) and
// accepts the others; a dispatcher transfers a selection in bulk.
func TestBulkActionsEndToEnd(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	dispatcher := staffLogin(t, c, "demo.dispatcher", "Ha-Long-Dispatch-2026")
	res := resident(t, a, "resident-bulk")
	var ids []string
	for _, key := range []string{"key-bulk-000001", "key-bulk-000002", "key-bulk-000003"} {
		sub := submit(t, c, res, key, reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
		if sub.JSON201 == nil {
			t.Fatalf("submit: %s", sub.Body)
		}
		ids = append(ids, sub.JSON201.Id)
	}
	q, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officer)
	if q.JSON200 == nil || len(q.JSON200.Items) != 3 {
		t.Fatalf("queue: %s", q.Body)
	}
	var sel []api.TicketVersion
	for _, it := range q.JSON200.Items {
		sel = append(sel, api.TicketVersion{Id: it.Id, Version: *it.Version})
	}
	// Someone comments on the second one meanwhile.
	note := "Đã gọi cho người dân"
	if r, _ := c.ActOnTicketWithResponse(ctx, sel[1].Id, &api.ActOnTicketParams{IfMatch: ticketVersion(t, c, sel[1].Id, officer)},
		api.TicketAction{Action: api.Comment, Note: &note}, officer); r.JSON200 == nil {
		t.Fatalf("comment: %s", r.Body)
	}
	b, err := c.BulkActOnTicketsWithResponse(ctx, api.TicketBulkAction{Action: api.BulkAccept, Tickets: sel}, officer)
	if err != nil || b.JSON200 == nil {
		t.Fatalf("bulk accept: %v %s", err, b.Body)
	}
	res0 := b.JSON200
	if res0.Succeeded != 2 || res0.Failed != 1 || len(res0.Results) != 3 {
		t.Fatalf("bulk accept: %s", b.Body)
	}
	for i, it := range res0.Results {
		switch {
		case it.Id != sel[i].Id:
			t.Errorf("result %d is for %s, want %s (the order sent)", i, it.Id, sel[i].Id)
		case i == 1 && (it.Ok || it.Problem == nil || it.Problem.Status != http.StatusPreconditionFailed || it.Problem.Detail == nil):
			t.Errorf("the changed ticket: %+v, want a 412 problem", it)
		case i != 1 && (!it.Ok || it.Status == nil || *it.Status != api.Accepted || it.Version == nil):
			t.Errorf("ticket %d: %+v, want accepted with its new version", i, it)
		}
	}

	// The dispatcher moves the two accepted ones to another commune, each at the version bulk answered.
	to, why := "ubnd-06676", "Thuộc địa bàn phường bên cạnh"
	moved, _ := c.BulkActOnTicketsWithResponse(ctx, api.TicketBulkAction{Action: api.BulkTransfer, ToAgency: &to, Note: &why,
		Tickets: []api.TicketVersion{{Id: sel[0].Id, Version: *res0.Results[0].Version}, {Id: sel[2].Id, Version: *res0.Results[2].Version}}}, dispatcher)
	if moved.JSON200 == nil || moved.JSON200.Succeeded != 2 {
		t.Fatalf("bulk transfer: %s", moved.Body)
	}
	if q, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officer); q.JSON200 == nil || len(q.JSON200.Items) != 1 || q.JSON200.Items[0].Id != sel[1].Id {
		t.Errorf("the officer's queue after the transfer: %s", q.Body)
	}
	// A selection naming a ticket twice is refused as a whole.
	dup, _ := c.BulkActOnTicketsWithResponse(ctx, api.TicketBulkAction{Action: api.BulkAccept, Tickets: []api.TicketVersion{sel[1], sel[1]}}, officer)
	expectProblemBody(t, dup.HTTPResponse, dup.Body, http.StatusBadRequest)
}

// TestReplyTemplatesEndToEnd: the agency admin writes templates; the agency's officers list them by
// category; changes are guarded by If-Match; officers cannot change them.
func TestReplyTemplatesEndToEnd(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	boss := staffLogin(t, c, "demo.agency-admin", "Bai-Chay-Agency-2026")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	road := "road_damage"
	in := api.ReplyTemplateInput{Category: &road, TitleVi: "Đã vá ổ gà", TitleEn: "Pothole filled",
		BodyVi: "Đơn vị đã vá ổ gà tại vị trí bạn phản ánh. Cảm ơn bạn!", BodyEn: "The pothole you reported was filled. Thank you!"}
	cr, err := c.CreateReplyTemplateWithResponse(ctx, in, boss)
	if err != nil || cr.JSON201 == nil || cr.HTTPResponse.Header.Get("ETag") != `"v1"` {
		t.Fatalf("create: %v %s", err, cr.Body)
	}
	general := api.ReplyTemplateInput{TitleVi: "Cảm ơn", TitleEn: "Thanks", BodyVi: "Cảm ơn bạn đã phản ánh.", BodyEn: "Thank you for reporting."}
	if g, _ := c.CreateReplyTemplateWithResponse(ctx, general, boss); g.JSON201 == nil {
		t.Fatalf("create general: %s", g.Body)
	}
	if f, _ := c.CreateReplyTemplateWithResponse(ctx, general, officer); f.StatusCode() != http.StatusForbidden {
		t.Errorf("an officer creating a template: %d", f.StatusCode())
	}
	list, _ := c.ListReplyTemplatesWithResponse(ctx, &api.ListReplyTemplatesParams{Category: &road}, officer)
	if list.JSON200 == nil || len(list.JSON200.Items) != 2 || list.JSON200.Items[1].Id != cr.JSON201.Id {
		t.Fatalf("officer's road templates: %s", list.Body)
	}
	id := cr.JSON201.Id
	in.BodyVi = "Đơn vị đã vá xong ổ gà."
	up, _ := c.UpdateReplyTemplateWithResponse(ctx, id, &api.UpdateReplyTemplateParams{IfMatch: `"v1"`}, in, boss)
	if up.JSON200 == nil || up.JSON200.Version != 2 || up.JSON200.BodyVi != in.BodyVi {
		t.Fatalf("update: %s", up.Body)
	}
	stale, _ := c.UpdateReplyTemplateWithResponse(ctx, id, &api.UpdateReplyTemplateParams{IfMatch: `"v1"`}, in, boss)
	expectProblemBody(t, stale.HTTPResponse, stale.Body, http.StatusPreconditionFailed)
	if d, _ := c.DeleteReplyTemplateWithResponse(ctx, id, boss); d.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %d %s", d.StatusCode(), d.Body)
	}
	if g, _ := c.GetReplyTemplateWithResponse(ctx, id, officer); g.StatusCode() != http.StatusNotFound {
		t.Errorf("deleted template: %d", g.StatusCode())
	}
}

// TestHotlineIntakeEndToEnd: a call-taker files a report without photos for a caller; the caller gets an
// SMS with its code and, once signed in with that number, sees the report as their own and gets its
// pushes; the agency's officer finds it in the queue.
func TestHotlineIntakeEndToEnd(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	taker := staffLogin(t, c, "demo.call-taker", "Uong-Bi-Hotline-2026")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	call := api.HotlineReportInput{Phone: "0987 654 321", Category: "road_damage",
		Description: "Người dân gọi tổng đài: ổ gà sâu trước cổng trường tiểu học.",
		Location:    api.LocationInput{Lat: baiChay[0], Lng: baiChay[1]}}
	file := func() *api.CreateHotlineReportResponse {
		r, err := c.CreateHotlineReportWithResponse(ctx, &api.CreateHotlineReportParams{IdempotencyKey: "call-2026-12-02-0001"}, call, taker)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := file()
	if first.JSON201 == nil || !first.JSON201.SmsSent || first.JSON201.AgencyId != "ubnd-06673" || !strings.HasPrefix(first.JSON201.Phone, "+84987") {
		t.Fatalf("hotline report: %s", first.Body)
	}
	code := first.JSON201.Code
	if again := file(); again.JSON200 == nil || again.JSON200.Id != first.JSON201.Id {
		t.Errorf("retry with the same key: %s", again.Body)
	}
	inbox, _ := c.ListDevSmsWithResponse(ctx, &api.ListDevSmsParams{Phone: call.Phone})
	if inbox.JSON200 == nil || len(inbox.JSON200.Items) == 0 || !strings.Contains(inbox.JSON200.Items[0].Text, code) {
		t.Fatalf("the caller's SMS: %s", inbox.Body)
	}
	if r, _ := c.CreateHotlineReportWithResponse(ctx, &api.CreateHotlineReportParams{IdempotencyKey: "call-2026-12-02-0002"}, call, officer); r.StatusCode() != http.StatusForbidden {
		t.Errorf("an officer filing a hotline report: %d", r.StatusCode())
	}

	// The caller signs in with the number: the report is theirs.
	tok := signInResident(t, c, "0987654321")
	caller := bearer(tok.AccessToken)
	mine, _ := c.ListMyReportsWithResponse(ctx, &api.ListMyReportsParams{}, caller)
	if mine.JSON200 == nil || len(mine.JSON200.Items) != 1 || mine.JSON200.Items[0].Code != code || mine.JSON200.Items[0].Following {
		t.Fatalf("the caller's reports: %s", mine.Body)
	}
	registerDevice(t, c, caller, "tok-hotline-caller-01", api.Vi)
	acc, _ := c.ActOnTicketWithResponse(ctx, first.JSON201.Id, &api.ActOnTicketParams{IfMatch: ticketVersion(t, c, first.JSON201.Id, officer)},
		api.TicketAction{Action: api.Accept}, officer)
	if acc.JSON200 == nil {
		t.Fatalf("accept: %s", acc.Body)
	}
	if got := pushesFor(t, c, "tok-hotline-caller-01", 1); got[0] != "accept|Phản ánh của bạn đã được thụ lý" {
		t.Errorf("the caller's push %q", got)
	}
	tl := acc.JSON200.Report.Timeline
	if tl[0].ActorRole != "call_taker" || tl[0].Note == nil || !strings.Contains(*tl[0].Note, "hotline") {
		t.Errorf("the received event %+v, want the call-taker's", tl[0])
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
