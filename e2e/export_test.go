package e2e

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestExportHoldsEverythingAndErasureEndsIt: a resident files reports, follows a neighbour's, registers a
// device, answers the officer and receives pushes; the export holds each of them (the pushes exactly as
// the phone got them, the photo as sent behind its link). After DELETE /v1/me the old token's export is
// refused, the device hears nothing more, and the session is gone.
func TestExportHoldsEverythingAndErasureEndsIt(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	myTokens := signInResident(t, c, "0912 000 111")
	me := bearer(myTokens.AccessToken)
	neighbour := bearer(signInResident(t, c, "0912 000 222").AccessToken)
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	const device = "tok-export-resident-1"
	registerDevice(t, c, me, device, api.Vi)

	photo := testapp.JPEG(t, 640, 480, &baiChay)
	var mine []string
	for _, key := range []string{"key-export-00001", "key-export-00002"} {
		sub := submit(t, c, me, key, reportPart(t, pothole(&baiChay)), photoPart(photo))
		if sub.JSON201 == nil {
			t.Fatalf("submit: %s", sub.Body)
		}
		mine = append(mine, sub.JSON201.Id)
	}
	theirs := submit(t, c, neighbour, "key-export-00003", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	if theirs.JSON201 == nil {
		t.Fatalf("neighbour's submit: %s", theirs.Body)
	}
	if f, _ := c.FollowReportWithResponse(ctx, theirs.JSON201.Id, me); f.StatusCode() != http.StatusNoContent {
		t.Fatalf("follow: %d %s", f.StatusCode(), f.Body)
	}
	note := func(s string) *string { return &s }
	act := func(id string, body api.TicketAction) {
		t.Helper()
		g, _ := c.GetTicketWithResponse(ctx, id, officer)
		r, err := c.ActOnTicketWithResponse(ctx, id, &api.ActOnTicketParams{IfMatch: g.HTTPResponse.Header.Get("ETag")}, body, officer)
		if err != nil || r.JSON200 == nil {
			t.Fatalf("%s: %v %s", body.Action, err, r.Body)
		}
	}
	act(mine[0], api.TicketAction{Action: api.Accept})
	act(mine[0], api.TicketAction{Action: api.RequestInfo, Note: note("Ổ gà ở phía nào của đường?")})
	got, _ := c.GetMyReportWithResponse(ctx, mine[0], me)
	ans, _ := c.ActOnMyReportWithResponse(ctx, mine[0], &api.ActOnMyReportParams{IfMatch: got.HTTPResponse.Header.Get("ETag")},
		api.ResidentAction{Action: api.ProvideInfo, Note: note("Phía bên phải, trước số 12")}, me)
	if ans.JSON200 == nil {
		t.Fatalf("provide info: %s", ans.Body)
	}
	pub := true
	act(theirs.JSON201.Id, api.TicketAction{Action: api.Accept})
	act(theirs.JSON201.Id, api.TicketAction{Action: api.Comment, Note: note("Đội thi công sẽ đến"), Public: &pub})
	pushed := pushesFor(t, c, device, 4)

	ex, err := c.ExportMeWithResponse(ctx, me)
	if err != nil || ex.JSON200 == nil {
		t.Fatalf("export: %v %s", err, ex.Body)
	}
	if cc := ex.HTTPResponse.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	d := ex.JSON200
	if len(d.Devices) != 1 || d.Devices[0].Token != device || len(d.Sessions) != 1 || d.Profile.Phone == nil {
		t.Errorf("devices %+v, %d sessions, profile %+v", d.Devices, len(d.Sessions), d.Profile)
	}
	if len(d.Reports) != 2 || d.Reports[0].Report.Id != mine[1] || d.Reports[1].Report.Id != mine[0] {
		t.Fatalf("reports: %d, want mine newest first", len(d.Reports))
	}
	first := d.Reports[1]
	var actions []string
	for _, e := range first.Actions {
		actions = append(actions, e.Action+"|"+deref(e.Note))
	}
	if want := []string{"received|Report received", "provide_info|Phía bên phải, trước số 12"}; !slices.Equal(actions, want) {
		t.Errorf("my actions %q, want %q", actions, want)
	}
	var exported []string
	for _, er := range []api.ExportedReport{first, d.Reports[0]} {
		for _, n := range er.Notifications {
			exported = append(exported, n.Event+"|"+n.Body)
		}
	}
	if len(d.Following) != 1 || d.Following[0].Report.Id != theirs.JSON201.Id || !d.Following[0].Report.Following ||
		d.Following[0].Report.Address != nil || len(d.Following[0].Photos) != 0 {
		t.Fatalf("following: %+v", d.Following)
	}
	for _, n := range d.Following[0].Notifications {
		exported = append(exported, n.Event+"|"+n.Body)
	}
	slices.Sort(exported)
	slices.Sort(pushed)
	if !slices.Equal(exported, pushed) {
		t.Errorf("exported notifications:\n%s\nthe phone got:\n%s", strings.Join(exported, "\n"), strings.Join(pushed, "\n"))
	}
	// The photo as sent, behind a link that needs no sign-in.
	if len(first.Photos) != 1 || first.Photos[0].Bytes != int64(len(photo)) || !d.LinksExpireAt.After(d.ExportedAt) {
		t.Fatalf("photos %+v", first.Photos)
	}
	resp, err := http.Get(first.Photos[0].OriginalUrl)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != string(photo) {
		t.Errorf("original photo: %d, %d bytes (want the %d sent)", resp.StatusCode, len(body), len(photo))
	}

	// Erasure: the old token's export is refused, the device hears no more, the session is gone.
	if r, _ := c.DeleteMeWithResponse(ctx, me); r.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.StatusCode(), r.Body)
	}
	gone, _ := c.ExportMeWithResponse(ctx, me)
	expectProblemBody(t, gone.HTTPResponse, gone.Body, http.StatusUnauthorized)
	act(theirs.JSON201.Id, api.TicketAction{Action: api.Comment, Note: note("Đã xong phần móng"), Public: &pub})
	pushesFor(t, c, device, 4)
	// Its sessions went with it: the refresh token no longer signs in.
	if r, _ := c.RefreshTokensWithResponse(ctx, api.RefreshRequest{RefreshToken: myTokens.RefreshToken}); r.StatusCode() != http.StatusUnauthorized {
		t.Errorf("refresh after erasure: %d %s", r.StatusCode(), r.Body)
	}
}
