package e2e

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

func staffLogin(t *testing.T, c *api.ClientWithResponses, user, pw string) api.RequestEditorFn {
	t.Helper()
	r, err := c.StaffLoginWithResponse(context.Background(), api.StaffLogin{Username: user, Password: pw})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("login %s: %v %s", user, err, r.Body)
	}
	return bearer(r.JSON200.AccessToken)
}

func ifMatch(etag string) api.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error { r.Header.Set("If-Match", etag); return nil }
}

// TestTicketLifeEndToEnd: received → accepted → in_progress → info requested and answered → resolved with
// an after photo → rated and confirmed (closed), with stale versions, wrong states and wrong agencies refused.
func TestTicketLifeEndToEnd(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	res := resident(t, a, "resident-ticket")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	dispatcher := staffLogin(t, c, "demo.dispatcher", "Ha-Long-Dispatch-2026")
	stranger := bearer(a.Token(t, auth.Principal{UserID: "officer-elsewhere", Role: auth.RoleOfficer, AgencyID: "so-y-te"}))

	sub := submit(t, c, res, "key-ticket-00001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	id := sub.JSON201.Id
	if sub.JSON201.AcceptBy == nil || sub.JSON201.ResolveBy == nil {
		t.Errorf("no deadlines on a new report: %s", sub.Body)
	}

	// The ticket is in the queue when the submission is answered.
	q, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officer)
	if q.JSON200 == nil || len(q.JSON200.Items) != 1 || q.JSON200.Items[0].Id != id || q.JSON200.Counts["received"] != 1 {
		t.Fatalf("queue: %s", q.Body)
	}
	if g, _ := c.GetTicketWithResponse(ctx, id, stranger); g.StatusCode() != http.StatusNotFound {
		t.Errorf("another agency's officer: %d", g.StatusCode())
	}
	g, _ := c.GetTicketWithResponse(ctx, id, officer)
	if g.JSON200 == nil || !strings.Contains(strings.Join(g.JSON200.AllowedActions, ","), "accept") {
		t.Fatalf("ticket: %s", g.Body)
	}
	etag := g.HTTPResponse.Header.Get("ETag")

	act := func(as api.RequestEditorFn, tag string, body api.TicketAction) *api.ActOnTicketResponse {
		r, err := c.ActOnTicketWithResponse(ctx, id, &api.ActOnTicketParams{IfMatch: tag}, body, as)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	note := func(s string) *string { return &s }

	// Resolving straight from "received" is a 409 naming the state and what is allowed.
	r := act(officer, etag, api.TicketAction{Action: api.Resolve, Note: note("Đã sửa xong")})
	p := expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusConflict)
	if p.Detail == nil || !strings.Contains(*p.Detail, "received") || !strings.Contains(*p.Detail, "accept") {
		t.Errorf("409 detail: %v", p.Detail)
	}
	r = act(officer, etag, api.TicketAction{Action: api.Accept})
	if r.JSON200 == nil || r.JSON200.Report.Status != api.Accepted {
		t.Fatalf("accept: %s", r.Body)
	}
	// Two officers working from the same version: the second gets 412.
	stale := act(officer, etag, api.TicketAction{Action: api.Start})
	expectProblemBody(t, stale.HTTPResponse, stale.Body, http.StatusPreconditionFailed)
	etag = r.HTTPResponse.Header.Get("ETag")
	r = act(officer, etag, api.TicketAction{Action: api.Start})
	etag = r.HTTPResponse.Header.Get("ETag")
	r = act(officer, etag, api.TicketAction{Action: api.Comment, Note: note("Nội bộ: cần xe lu")})
	etag = r.HTTPResponse.Header.Get("ETag")
	r = act(officer, etag, api.TicketAction{Action: api.RequestInfo, Note: note("Ổ gà ở phía nào của đường?")})
	if r.JSON200 == nil || r.JSON200.Report.Status != api.InfoRequested {
		t.Fatalf("request info: %s", r.Body)
	}

	// The resident answers; they never see the internal comment.
	mine, _ := c.GetMyReportWithResponse(ctx, id, res)
	for _, e := range mine.JSON200.Timeline {
		if e.Note != nil && strings.Contains(*e.Note, "Nội bộ") {
			t.Errorf("the resident sees an internal comment")
		}
	}
	ans, _ := c.ActOnMyReportWithResponse(ctx, id, &api.ActOnMyReportParams{IfMatch: mine.HTTPResponse.Header.Get("ETag")},
		api.ResidentAction{Action: api.ProvideInfo, Note: note("Phía bên phải, gần cột điện số 12")}, res)
	if ans.JSON200 == nil || ans.JSON200.Status != api.InProgress {
		t.Fatalf("provide info: %s", ans.Body)
	}
	etag = ans.HTTPResponse.Header.Get("ETag")

	// Resolving a physical problem needs an after photo.
	r = act(officer, etag, api.TicketAction{Action: api.Resolve, Note: note("Đã vá ổ gà")})
	p = expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusBadRequest)
	if p.Errors == nil || (*p.Errors)[0].Field != "body.after_photos" {
		t.Errorf("resolve without photo: %+v", p.Errors)
	}
	after := testapp.JPEG(t, 400, 300, nil)
	slot, _ := c.CreateUploadWithResponse(ctx, api.UploadRequest{ContentType: api.Imagejpeg, SizeBytes: len(after)}, officer)
	if slot.JSON201 == nil {
		t.Fatalf("officer upload slot: %s", slot.Body)
	}
	if resp := putToSlot(t, *slot.JSON201, after, nil); resp.StatusCode != 200 {
		t.Fatalf("PUT after photo: %d", resp.StatusCode)
	}
	r = act(officer, etag, api.TicketAction{Action: api.Resolve, Note: note("Đã vá ổ gà"), AfterPhotos: &[]string{slot.JSON201.UploadId}})
	if r.JSON200 == nil || r.JSON200.Report.Status != api.Resolved || len(r.JSON200.Report.Photos) != 2 {
		t.Fatalf("resolve: %s", r.Body)
	}

	// The resident rates and confirms: closed, and the ticket leaves the queue.
	mine, _ = c.GetMyReportWithResponse(ctx, id, res)
	five := 5
	rate, _ := c.ActOnMyReportWithResponse(ctx, id, &api.ActOnMyReportParams{IfMatch: mine.HTTPResponse.Header.Get("ETag")},
		api.ResidentAction{Action: api.Rate, Rating: &five}, res)
	if rate.JSON200 == nil || rate.JSON200.Rating == nil || *rate.JSON200.Rating != 5 {
		t.Fatalf("rate: %s", rate.Body)
	}
	conf, _ := c.ActOnMyReportWithResponse(ctx, id, &api.ActOnMyReportParams{IfMatch: rate.HTTPResponse.Header.Get("ETag")},
		api.ResidentAction{Action: api.Confirm}, res)
	if conf.JSON200 == nil || conf.JSON200.Status != api.Closed {
		t.Fatalf("confirm: %s", conf.Body)
	}
	q, _ = c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, dispatcher)
	for _, it := range q.JSON200.Items {
		if it.Id == id {
			t.Errorf("a closed ticket stays in the queue")
		}
	}
	// Resolved, confirmed, consented, not sensitive: it is on the public map now, without its reporter.
	pub, err := http.Get(a.URL + "/v1/public/reports/" + sub.JSON201.Code)
	if err != nil {
		t.Fatal(err)
	}
	pubBody := new(bytes.Buffer)
	pubBody.ReadFrom(pub.Body)
	pub.Body.Close()
	if pub.StatusCode != http.StatusOK || !strings.Contains(pubBody.String(), "Đã vá ổ gà") || strings.Contains(pubBody.String(), "resident-ticket") {
		t.Errorf("public report: %d %s", pub.StatusCode, pubBody)
	}

	// The timeline kept every step, in order.
	g, _ = c.GetTicketWithResponse(ctx, id, dispatcher)
	var actions []string
	for _, e := range g.JSON200.Report.Timeline {
		actions = append(actions, e.Action)
	}
	want := "received,routed,accept,start,comment_internal,request_info,provide_info,resolve,rate,confirm"
	if strings.Join(actions, ",") != want {
		t.Errorf("timeline %v, want %s", actions, want)
	}
}

// TestDispatcherTransfers: a dispatcher moves a ticket to another agency; the old agency loses it.
func TestDispatcherTransfers(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	dispatcher := staffLogin(t, c, "demo.dispatcher", "Ha-Long-Dispatch-2026")
	sub := submit(t, c, resident(t, a, "resident-transfer"), "key-transfer-001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 100, 80, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	id := sub.JSON201.Id
	g, _ := c.GetTicketWithResponse(ctx, id, dispatcher)
	to, why := "so-xay-dung", "Đường tỉnh lộ, thuộc Sở Xây dựng"
	r, _ := c.ActOnTicketWithResponse(ctx, id, &api.ActOnTicketParams{IfMatch: g.HTTPResponse.Header.Get("ETag")},
		api.TicketAction{Action: api.Transfer, ToAgency: &to, Note: &why}, dispatcher)
	if r.JSON200 == nil || r.JSON200.AgencyId != "so-xay-dung" || r.JSON200.Report.Status != api.Received {
		t.Fatalf("transfer: %s", r.Body)
	}
	if g, _ := c.GetTicketWithResponse(ctx, id, officer); g.StatusCode() != http.StatusNotFound {
		t.Errorf("the old agency still sees it: %d", g.StatusCode())
	}
	xd := bearer(a.Token(t, auth.Principal{UserID: "officer-xd", Role: auth.RoleOfficer, AgencyID: "so-xay-dung"}))
	q, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, xd)
	if q.JSON200 == nil || len(q.JSON200.Items) != 1 || q.JSON200.Items[0].Id != id {
		t.Errorf("new agency's queue: %s", q.Body)
	}
	// A missing If-Match is refused.
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/v1/tickets/"+id+"/actions", strings.NewReader(`{"action":"accept"}`))
	req.Header.Set("Content-Type", "application/json")
	xd(ctx, req)
	expectProblem(t, do(t, req), http.StatusBadRequest)
}
