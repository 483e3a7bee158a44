package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

func registerDevice(t *testing.T, c *api.ClientWithResponses, as api.RequestEditorFn, token string, lang api.Language) {
	t.Helper()
	r, err := c.PutMyDeviceWithResponse(context.Background(), token, api.PushDeviceInput{Platform: api.Android, Language: &lang}, as)
	if err != nil || r.JSON200 == nil || r.JSON200.Token != token || string(r.JSON200.Language) != string(lang) {
		t.Fatalf("register device %s: %v %s", token, err, r.Body)
	}
}

// pushesFor waits until the stand-in received want pushes for token (and no more), returning their bodies.
func pushesFor(t *testing.T, c *api.ClientWithResponses, token string, want int) []string {
	t.Helper()
	var bodies []string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		r, err := c.ListDevPushesWithResponse(context.Background(), &api.ListDevPushesParams{Token: token})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("dev pushes: %v", err)
		}
		bodies = bodies[:0]
		for _, p := range r.JSON200.Items {
			bodies = append(bodies, p.Data["event"]+"|"+p.Body)
		}
		if len(bodies) >= want {
			break
		}
	}
	time.Sleep(300 * time.Millisecond) // a duplicate would arrive right behind
	r, _ := c.ListDevPushesWithResponse(context.Background(), &api.ListDevPushesParams{Token: token})
	if len(r.JSON200.Items) != want {
		t.Errorf("%s: %d pushes, want %d: %q", token, len(r.JSON200.Items), want, bodies)
	}
	return bodies
}

// TestTicketLifePushes: a whole ticket life through the API pushes each step once to the reporter's
// (Vietnamese) and a follower's (English) phones, the new ticket to the agency's officer, and nothing
// after the reporter signs a device out.
func TestTicketLifePushes(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	res := resident(t, a, "resident-push")
	fol := resident(t, a, "follower-push")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	registerDevice(t, c, res, "tok-reporter-phone-vi", api.Vi)
	registerDevice(t, c, fol, "tok-follower-phone-en", api.En)
	registerDevice(t, c, officer, "tok-officer-phone-01", api.Vi)

	sub := submit(t, c, res, "key-push-000001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	id := sub.JSON201.Id
	if got := pushesFor(t, c, "tok-officer-phone-01", 1); !strings.HasPrefix(got[0], "received|Phản ánh mới cần tiếp nhận") {
		t.Errorf("officer's push %q", got)
	}
	if f, _ := c.FollowReportWithResponse(ctx, id, fol); f.StatusCode() != http.StatusNoContent {
		t.Fatalf("follow: %d", f.StatusCode())
	}
	g, _ := c.GetTicketWithResponse(ctx, id, officer)
	etag := g.HTTPResponse.Header.Get("ETag")
	note := func(s string) *string { return &s }
	act := func(body api.TicketAction) {
		t.Helper()
		// The photo worker moves the version when derivatives are ready: act on the latest one.
		if g, _ := c.GetTicketWithResponse(ctx, id, officer); g.JSON200 != nil {
			etag = g.HTTPResponse.Header.Get("ETag")
		}
		r, err := c.ActOnTicketWithResponse(ctx, id, &api.ActOnTicketParams{IfMatch: etag}, body, officer)
		if err != nil || r.JSON200 == nil {
			t.Fatalf("%s: %v %s", body.Action, err, r.Body)
		}
		etag = r.HTTPResponse.Header.Get("ETag")
	}
	act(api.TicketAction{Action: api.Accept})
	act(api.TicketAction{Action: api.Start})
	act(api.TicketAction{Action: api.Comment, Note: note("Nội bộ: cần xe lu")}) // internal: no push
	pub := true
	act(api.TicketAction{Action: api.Comment, Note: note("Đội thi công sẽ đến trong tuần"), Public: &pub})
	act(api.TicketAction{Action: api.RequestInfo, Note: note("Ổ gà ở phía nào của đường?")})
	mine, _ := c.GetMyReportWithResponse(ctx, id, res)
	ans, _ := c.ActOnMyReportWithResponse(ctx, id, &api.ActOnMyReportParams{IfMatch: mine.HTTPResponse.Header.Get("ETag")},
		api.ResidentAction{Action: api.ProvideInfo, Note: note("Phía bên phải")}, res)
	if ans.JSON200 == nil {
		t.Fatalf("provide info: %s", ans.Body)
	}
	etag = ans.HTTPResponse.Header.Get("ETag")
	after := testapp.JPEG(t, 400, 300, nil)
	slot, _ := c.CreateUploadWithResponse(ctx, api.UploadRequest{ContentType: api.Imagejpeg, SizeBytes: len(after)}, officer)
	putToSlot(t, *slot.JSON201, after, nil)
	act(api.TicketAction{Action: api.Resolve, Note: note("Đã vá ổ gà"), AfterPhotos: &[]string{slot.JSON201.UploadId}})

	// The reporter acted on provide_info, so hears of it not; the follower does.
	vi := pushesFor(t, c, "tok-reporter-phone-vi", 5)
	wantVi := []string{"accept|Phản ánh của bạn đã được thụ lý", "start|Phản ánh của bạn đang xử lý",
		"comment_public|Phản hồi mới: Đội thi công sẽ đến trong tuần", "request_info|Cơ quan cần thêm thông tin: Ổ gà ở phía nào của đường?",
		"resolve|Đã xử lý xong. Phản hồi của cơ quan: Đã vá ổ gà"}
	if strings.Join(vi, "\n") != strings.Join(wantVi, "\n") {
		t.Errorf("reporter's pushes:\n%s\nwant:\n%s", strings.Join(vi, "\n"), strings.Join(wantVi, "\n"))
	}
	// The follower hears in their own words, and not of the request for information.
	en := pushesFor(t, c, "tok-follower-phone-en", 5)
	wantEn := []string{"accept|A report you follow is accepted", "start|A report you follow is in progress",
		"comment_public|New reply: Đội thi công sẽ đến trong tuần", "provide_info|A report you follow is in progress",
		"resolve|Resolved. The agency's reply: Đã vá ổ gà"}
	if strings.Join(en, "\n") != strings.Join(wantEn, "\n") {
		t.Errorf("follower's pushes:\n%s\nwant:\n%s", strings.Join(en, "\n"), strings.Join(wantEn, "\n"))
	}

	// Signing out with the device token, and deleting the device, stop pushes.
	tp := signInResident(t, c, "0912345678")
	registerDevice(t, c, bearer(tp.AccessToken), "tok-signed-out-0001", api.Vi)
	dt := "tok-signed-out-0001"
	if r, _ := c.LogoutWithResponse(ctx, api.LogoutRequest{RefreshToken: tp.RefreshToken, DeviceToken: &dt}, bearer(tp.AccessToken)); r.StatusCode() != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.StatusCode(), r.Body)
	}
	if r, _ := c.DeleteMyDeviceWithResponse(ctx, "tok-follower-phone-en", fol); r.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete device: %d", r.StatusCode())
	}
	act(api.TicketAction{Action: api.Comment, Note: note("Cảm ơn bạn"), Public: &pub})
	pushesFor(t, c, "tok-reporter-phone-vi", 6)
	pushesFor(t, c, "tok-follower-phone-en", 5)
}
