package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	cdpinspector "github.com/chromedp/cdproto/inspector"
	cdpnetwork "github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// consoleShots is where TestConsoleInChromium writes its screenshots for people to look at.
func consoleShots(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", ".test-output", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// consoleTab is one person's console: a tab in its own browser context (its own cookies).
type consoleTab struct {
	t    *testing.T
	name string
	ctx  context.Context
}

func openConsole(t *testing.T, browser context.Context, base, name string) *consoleTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext(), chromedp.WithListener(func(ev any) {
		switch e := ev.(type) {
		case *cdpruntime.EventExceptionThrown:
			t.Logf("%s: exception %s %v", name, e.ExceptionDetails.Text, e.ExceptionDetails.Exception)
		case *cdpruntime.EventConsoleAPICalled:
			for _, a := range e.Args {
				t.Logf("%s: console %s %s", name, a.Value, a.Description)
			}
		case *cdpinspector.EventTargetCrashed:
			t.Logf("%s: crashed", name)
		}
	}))
	t.Cleanup(cancel)
	// The first action on a context opens its tab, which lives as long as that context: open it here,
	// not under run's shorter-lived timeout context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	c := &consoleTab{t: t, name: name, ctx: ctx}
	c.run(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base+"/console"), chromedp.WaitVisible(`[data-testid=signin-form]`))
	return c
}

func (c *consoleTab) run(actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		dctx, dcancel := context.WithTimeout(c.ctx, 5*time.Second)
		defer dcancel()
		page, _ := chromedp.Run(dctx, chromedp.Evaluate[string](`location.href + '\n' + document.body.innerText.slice(0, 1500)`))
		c.t.Fatalf("%s's console: %v\npage now: %s", c.name, err, page)
	}
}

func (c *consoleTab) eval(js string) string {
	c.t.Helper()
	v, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		c.t.Fatalf("%s's console: %s: %v", c.name, js, err)
	}
	return v
}

// go moves to a view of the console (its routes are the URL's hash: no page load).
func (c *consoleTab) show(hash string) {
	c.t.Helper()
	c.eval(fmt.Sprintf(`location.hash = %q`, hash))
}

// choose picks an option of a <select> the way a person does, so Preact hears the change.
func (c *consoleTab) choose(sel, value string) {
	c.t.Helper()
	c.run(chromedp.WaitVisible(sel))
	c.eval(fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q;
		s.dispatchEvent(new Event('change', {bubbles: true})); return s.value; })()`, sel, value))
}

// signIn types the credentials and presses Enter (the form works from the keyboard).
func (c *consoleTab) signIn(user, pw string) {
	c.t.Helper()
	c.run(chromedp.SendKeys(`input[name=username]`, user), chromedp.SendKeys(`input[name=password]`, pw+"\r"),
		chromedp.WaitVisible(`[data-testid=queue][data-refreshed-at]`))
}

func (c *consoleTab) shot(file string, w, h int64) {
	c.t.Helper()
	c.run(chromedp.EmulateViewport(w, h))
	c.eval(`window.scrollTo(0, 0); ''`)
	time.Sleep(300 * time.Millisecond) // let the layout and the maps settle at the new size
	img, err := chromedp.Run(c.ctx, chromedp.CaptureScreenshot())
	if err != nil || len(img) < 1000 {
		c.t.Fatalf("screenshot %s: %v (%d bytes)", file, err, len(img))
	}
	if err := os.WriteFile(filepath.Join(consoleShots(c.t), file), img, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.run(chromedp.EmulateViewport(1280, 800))
}

// act chooses an action on the open ticket, fills what it needs, sends it and waits for want.
func (c *consoleTab) act(action, note string, want string, extra ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	c.choose(`[data-testid=action]`, action)
	if note != "" {
		c.run(chromedp.SendKeys(`[data-testid=note]`, note))
	}
	c.run(extra...)
	c.run(chromedp.Click(`[data-testid=act]`), chromedp.WaitVisible(want))
}

// waitPhotosReady waits until the photo worker finished a report's photos, which changes its version:
// the officer then acts on a ticket nobody else is about to change.
func waitPhotosReady(t *testing.T, c *api.ClientWithResponses, as api.RequestEditorFn, id string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		g, err := c.GetTicketWithResponse(context.Background(), id, as)
		if err != nil || g.JSON200 == nil {
			t.Fatalf("ticket %s: %v", id, err)
		}
		if statuses(g.JSON200.Report.Photos)[0] == "ready" {
			return
		}
	}
	t.Fatalf("photos of %s not ready", id)
}

// TestConsoleInChromium drives the staff console in headless Chromium against the real servers: an officer
// signs in, sees a new report arrive in the queue by itself, opens it and works it to resolution with an
// after-photo uploaded through a presigned slot, while the resident's phone gets each push; a change made
// meanwhile by someone else is reported (412); a dispatcher transfers a ticket and sees the dashboard; an
// admin disables the officer, whose console is signed out at its next request. Screenshots at 1280 × 800 and
// 768 × 1024 go to .test-output/console/.
func TestConsoleInChromium(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	// Chromium keeps Secure cookies on http only for localhost, a secure context.
	base := strings.Replace(a.URL, "127.0.0.1", "localhost", 1)
	c := newClient(t, a)
	ctx := context.Background()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1024),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	browser, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(browser); err != nil { // starts Chromium
		t.Fatal(err)
	}

	// The officer signs in; the first load is measured (bytes over the wire, time to the queue shown).
	officer := openConsole(t, browser, base, "officer")
	officer.signIn("demo.officer", "Cam-Pha-Officer-2026")
	t.Logf("first load: %s", officer.eval(`(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		const bytes = nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0);
		const shown = Number(document.querySelector('[data-testid=queue]').dataset.refreshedAt) - performance.timeOrigin;
		return JSON.stringify({requests: res.length + 1, bytes, queue_shown_ms: Math.round(shown)}); })()`))
	// A reload keeps the session through the cookie alone (the access token was only in memory); with the
	// browser's cache off it measures a first load without the typing.
	cache := func(disabled bool) {
		if _, err := chromedp.Call(officer.ctx, cdpnetwork.SetCacheDisabled, cdpnetwork.SetCacheDisabledParams{CacheDisabled: disabled}); err != nil {
			t.Fatal(err)
		}
	}
	cache(true)
	officer.run(chromedp.Reload(), chromedp.WaitVisible(`[data-testid=queue][data-refreshed-at]`))
	cache(false)
	t.Logf("reload without cache, signed in by the cookie: %s", officer.eval(`(() => {
		const shown = Number(document.querySelector('[data-testid=queue]').dataset.refreshedAt) - performance.timeOrigin;
		const res = performance.getEntriesByType('resource');
		return JSON.stringify({requests: res.length + 1, bytes: performance.getEntriesByType('navigation')[0].transferSize +
			res.reduce((a, r) => a + r.transferSize, 0), queue_shown_ms: Math.round(shown)}); })()`))
	if got := officer.eval(`document.cookie + '|' + Object.keys(localStorage).concat(Object.keys(sessionStorage)).join(',')`); strings.Contains(got, "qn_console") || strings.Contains(got, "eyJ") {
		t.Errorf("page scripts can read a token: %q", got)
	}

	// A resident reports a pothole; it shows in the officer's queue without a reload.
	res := resident(t, a, "resident-console")
	registerDevice(t, c, res, "tok-console-resident", api.Vi)
	sub := submit(t, c, res, "key-console-000001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 640, 480, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	id, code := sub.JSON201.Id, sub.JSON201.Code
	row := fmt.Sprintf(`[data-testid=queue] [data-testid=ticket-row][data-code=%q]`, code)
	officer.run(chromedp.WaitVisible(row))
	officer.shot("queue-1280x800.png", 1280, 800)
	officer.shot("queue-768x1024.png", 768, 1024)

	// The officer opens it and works it: accept, start, a public reply, resolve with an after-photo.
	officerAPI := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	waitPhotosReady(t, c, officerAPI, id)
	officer.run(chromedp.Click(row+` a`), chromedp.WaitVisible(fmt.Sprintf(`[data-testid=ticket][data-code=%q]`, code)),
		chromedp.WaitVisible(`[data-testid=ticket-map][data-map-ready=true]`), chromedp.WaitVisible(`[data-testid=photos-before][data-count="1"] img`))
	// They take it (assign it to themself): it is then among their tickets.
	officer.act("assign", "", `[data-testid=ticket][data-assignee]:not([data-assignee=""])`)
	me := api.AssignedMe
	mine, err := c.ListTicketsWithResponse(context.Background(), &api.ListTicketsParams{Assigned: &me}, officerAPI)
	if err != nil || mine.JSON200 == nil || len(mine.JSON200.Items) != 1 || mine.JSON200.Items[0].Id != id {
		t.Fatalf("the officer's tickets after taking %s: %v %s", id, err, mine.Body)
	}
	officer.act("accept", "", `[data-testid=ticket][data-status=accepted]`)
	officer.act("start", "", `[data-testid=ticket][data-status=in_progress]`)
	officer.act("comment", "Đội thi công sẽ đến trong tuần", `[data-testid=comments-public][data-count="1"]`,
		chromedp.Click(`[data-testid=comment-public]`))
	photo := filepath.Join(t.TempDir(), "after.jpg")
	if err := os.WriteFile(photo, testapp.JPEG(t, 800, 600, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	officer.choose(`[data-testid=action]`, "resolve")
	officer.run(chromedp.SendKeys(`[data-testid=note]`, "Đã vá ổ gà"), chromedp.SetUploadFiles(`[data-testid=after-photo]`, []string{photo}),
		chromedp.WaitVisible(`[data-testid=upload-status][data-pct="100"][data-upload-id]`),
		chromedp.Click(`[data-testid=act]`), chromedp.WaitVisible(`[data-testid=ticket][data-status=resolved]`),
		chromedp.WaitVisible(`[data-testid=photos-after][data-count="1"]`))
	officer.shot("ticket-1280x800.png", 1280, 800)
	officer.shot("ticket-768x1024.png", 768, 1024)
	got := pushesFor(t, c, "tok-console-resident", 4)
	for i, want := range []string{"accept|", "start|", "comment_public|Phản hồi mới: Đội thi công", "resolve|Đã xử lý xong. Phản hồi của cơ quan: Đã vá ổ gà"} {
		if i >= len(got) || !strings.HasPrefix(got[i], want) {
			t.Errorf("resident's push %d: %q, want %q…", i, got, want)
		}
	}

	// Someone else changes a ticket the officer has open: the action answers 412, the console reloads
	// the ticket, says what changed, and the next try works.
	sub2 := submit(t, c, res, "key-console-000002", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	if sub2.JSON201 == nil {
		t.Fatalf("submit: %s", sub2.Body)
	}
	id2, code2 := sub2.JSON201.Id, sub2.JSON201.Code
	waitPhotosReady(t, c, officerAPI, id2)
	officer.show("#/tickets/" + id2)
	officer.run(chromedp.WaitVisible(fmt.Sprintf(`[data-testid=ticket][data-code=%q]`, code2)))
	dispatcherAPI := staffLogin(t, c, "demo.dispatcher", "Ha-Long-Dispatch-2026")
	internal := "Kiểm tra lại vị trí"
	actOnTicket(t, c, dispatcherAPI, id2, api.TicketAction{Action: api.Comment, Note: &internal})
	officer.act("accept", "", `[data-testid=notice-stale]`)
	if text := officer.eval(`document.querySelector('[data-testid=notice-stale]').innerText`); !strings.Contains(text, "Bình luận nội bộ") {
		t.Errorf("the stale notice does not say what changed: %q", text)
	}
	officer.act("accept", "", `[data-testid=ticket][data-status=accepted]`)

	// A dispatcher transfers that ticket to another agency, and looks at the dashboard.
	dispatcher := openConsole(t, browser, base, "dispatcher")
	dispatcher.signIn("demo.dispatcher", "Ha-Long-Dispatch-2026")
	dispatcher.run(chromedp.WaitVisible(`[data-testid=escalations][data-refreshed-at]`))
	ag, _ := c.ListAgenciesWithResponse(ctx)
	g, _ := c.GetTicketWithResponse(ctx, id2, dispatcherAPI)
	target := ""
	for _, x := range ag.JSON200.Items {
		if x.Id != g.JSON200.AgencyId && x.Kind == api.AgencyKindProvincial {
			target = x.Id
			break
		}
	}
	dispatcher.show("#/tickets/" + id2)
	dispatcher.run(chromedp.WaitVisible(fmt.Sprintf(`[data-testid=ticket][data-code=%q]`, code2)))
	dispatcher.choose(`[data-testid=action]`, "transfer")
	dispatcher.choose(`[data-testid=to-agency]`, target)
	dispatcher.run(chromedp.SendKeys(`[data-testid=note]`, "Thuộc thẩm quyền của sở"), chromedp.Click(`[data-testid=act]`),
		chromedp.WaitVisible(`[data-testid=notice-ok]`))
	shown := dispatcher.eval(`document.querySelector('[data-testid=ticket]').dataset.agency`)
	if g, _ := c.GetTicketWithResponse(ctx, id2, dispatcherAPI); g.JSON200 == nil || g.JSON200.AgencyId != target || shown != target {
		t.Errorf("transferred to %s: the API says %s, the console shows %s", target, g.Body, shown)
	}
	dispatcher.show("#/dashboard")
	dispatcher.run(chromedp.WaitVisible(`[data-testid=open-map][data-map-ready=true]`),
		chromedp.WaitVisible(`[data-testid=agency-row]`))
	dispatcher.shot("dashboard-1280x800.png", 1280, 800)
	dispatcher.shot("dashboard-768x1024.png", 768, 1024)

	// An admin disables the officer's account; the officer's console is signed out at its next request.
	admin := openConsole(t, browser, base, "admin")
	admin.signIn("demo.admin", "Quang-Ninh-Admin-2026")
	staffRow := `[data-testid=staff-row][data-username="demo.officer"]`
	admin.show("#/admin")
	admin.run(chromedp.WaitVisible(staffRow+` [data-testid=toggle-staff]`),
		chromedp.Click(staffRow+` [data-testid=toggle-staff]`), chromedp.WaitVisible(staffRow+`[data-disabled=true]`))
	admin.shot("admin-1280x800.png", 1280, 800)
	officer.show("#/queue") // the queue's request is the officer's next
	officer.run(chromedp.WaitVisible(`[data-testid=session-ended]`))
	if d := officer.eval(`document.querySelector('[data-testid=session-ended-detail]')?.innerText ?? ''`); d == "" {
		t.Error("the signed-out screen does not say why")
	}
	officer.shot("signed-out-768x1024.png", 768, 1024)
	if r, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officerAPI); r.StatusCode() != http.StatusUnauthorized {
		t.Errorf("a disabled officer's access token: %d, want 401", r.StatusCode())
	}
}
