package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// startBrowser starts headless Chromium for one test; tabs are opened with openConsole.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1024),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	browser, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser); err != nil {
		t.Fatal(err)
	}
	return browser
}

// shotOf is shot with the element sel scrolled to the middle of the screen.
func (c *consoleTab) shotOf(sel, file string, w, h int64) {
	c.t.Helper()
	c.run(chromedp.EmulateViewport(w, h))
	c.eval(fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: 'center'}); ''`, sel))
	time.Sleep(300 * time.Millisecond)
	img, err := chromedp.Run(c.ctx, chromedp.CaptureScreenshot())
	if err != nil || len(img) < 1000 {
		c.t.Fatalf("screenshot %s: %v (%d bytes)", file, err, len(img))
	}
	if err := os.WriteFile(filepath.Join(consoleShots(c.t), file), img, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.run(chromedp.EmulateViewport(1280, 800))
}

// TestConsoleOfficerDesk drives the officer's desk in headless Chromium against the real servers: the ticket
// shows the working time left and links the originals as sent; the officer replies with a template (Vietnamese
// and English offered, other categories' left out), edits it and sends it, and the resident's phone gets the
// edited text; in the queue they select three new tickets (one by the keyboard), someone changes one of them
// behind the browser's back, and the bulk accept accepts two and reports the third as changed meanwhile.
func TestConsoleOfficerDesk(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	base := strings.Replace(a.URL, "127.0.0.1", "localhost", 1) // Secure cookies on http need localhost
	c := newClient(t, a)
	ctx := context.Background()
	officerAPI := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	boss := staffLogin(t, c, "demo.agency-admin", "Bai-Chay-Agency-2026")

	road, lights := "road_damage", "streetlight"
	tpl := api.ReplyTemplateInput{Category: &road, TitleVi: "Đã nhận, sẽ kiểm tra", TitleEn: "Received, will inspect",
		BodyVi: "Cảm ơn anh/chị đã phản ánh.", BodyEn: "Thank you for your report."}
	if r, err := c.CreateReplyTemplateWithResponse(ctx, tpl, boss); err != nil || r.JSON201 == nil {
		t.Fatalf("template: %v %s", err, r.Body)
	}
	other := api.ReplyTemplateInput{Category: &lights, TitleVi: "Đã thay bóng đèn", TitleEn: "Bulb replaced",
		BodyVi: "Đã thay bóng đèn.", BodyEn: "The bulb was replaced."}
	if r, err := c.CreateReplyTemplateWithResponse(ctx, other, boss); err != nil || r.JSON201 == nil {
		t.Fatalf("template: %v %s", err, r.Body)
	}

	res := resident(t, a, "resident-officer-desk")
	registerDevice(t, c, res, "tok-officer-desk", api.Vi)
	sub := submit(t, c, res, "key-officer-desk-01", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 640, 480, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	id, code := sub.JSON201.Id, sub.JSON201.Code
	waitPhotosReady(t, c, officerAPI, id)

	officer := openConsole(t, startBrowser(t), base, "officer")
	officer.signIn("demo.officer", "Cam-Pha-Officer-2026")
	row := fmt.Sprintf(`[data-testid=queue] [data-testid=ticket-row][data-code=%q]`, code)
	officer.run(chromedp.WaitVisible(row + ` [data-testid=time-left][data-minutes]`))
	if left := officer.eval(fmt.Sprintf(`document.querySelector(%q).innerText`, row+` [data-testid=time-left]`)); !strings.Contains(left, "làm việc") {
		t.Errorf("the queue row's time left: %q", left)
	}

	// The ticket: the working time left to accepting it, and the original of the resident's photo.
	officer.run(chromedp.Click(row+` a`), chromedp.WaitVisible(fmt.Sprintf(`[data-testid=ticket][data-code=%q]`, code)),
		chromedp.WaitVisible(`[data-testid=working-left][data-minutes]`), chromedp.WaitVisible(`[data-testid=photos-before] a[data-testid=original]`))
	if left := officer.eval(`document.querySelector('[data-testid=working-left]').innerText`); !strings.HasPrefix(left, "còn ") || !strings.Contains(left, "làm việc") {
		t.Errorf("time left on the ticket: %q, want «còn … làm việc»", left)
	}
	origURL := officer.eval(`document.querySelector('[data-testid=photos-before] a[data-testid=original]').href`)
	if resp, err := http.Get(origURL); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the original's link: %v %v", err, resp)
	} else {
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if len(b) < 1000 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("the original: %d bytes of %s", len(b), resp.Header.Get("Content-Type"))
		}
	}

	// A public reply from a template: offered in Vietnamese and in English, without the other category's;
	// inserted, edited, sent.
	officer.act("accept", "", `[data-testid=ticket][data-status=accepted]`)
	officer.choose(`[data-testid=action]`, "comment")
	officer.run(chromedp.WaitVisible(`[data-testid=reply-template][data-count="1"]`))
	if opts := officer.eval(`[...document.querySelectorAll('[data-testid=reply-template] option')].map(o => o.textContent).join('|')`); opts != "—|"+tpl.TitleVi+"|"+tpl.TitleEn {
		t.Errorf("templates offered: %q", opts)
	}
	tplValue := officer.eval(`document.querySelector('[data-testid=reply-template] optgroup option').value`)
	officer.choose(`[data-testid=reply-template]`, tplValue)
	officer.run(chromedp.WaitVisible(`[data-testid=template-inserted]`))
	if v := officer.eval(`document.querySelector('[data-testid=note]').value`); v != tpl.BodyVi {
		t.Errorf("the reply box after picking the template: %q", v)
	}
	edited := tpl.BodyVi + " Đội sẽ đến sáng mai."
	officer.run(chromedp.SendKeys(`[data-testid=note]`, kb.End+" Đội sẽ đến sáng mai."), chromedp.Click(`[data-testid=comment-public]`))
	officer.shotOf(`[data-testid=actions]`, "ticket-template-1280x800.png", 1280, 800)
	officer.shotOf(`[data-testid=actions]`, "ticket-template-768x1024.png", 768, 1024)
	officer.run(chromedp.Click(`[data-testid=act]`), chromedp.WaitVisible(`[data-testid=comments-public][data-count="1"]`))
	got := pushesFor(t, c, "tok-officer-desk", 2)
	if len(got) != 2 || got[1] != "comment_public|Phản hồi mới: "+edited {
		t.Errorf("the resident's pushes: %q, want the edited reply %q", got, edited)
	}
	g, _ := c.GetTicketWithResponse(ctx, id, officerAPI)
	if g.JSON200 == nil || deref(g.JSON200.Report.Timeline[len(g.JSON200.Report.Timeline)-1].Note) != edited {
		t.Errorf("the reply in the timeline: %s", g.Body)
	}

	// Bulk accept: three new tickets selected, one changed behind the browser's back.
	var ids, codes []string
	for i := range 3 {
		r := resident(t, a, fmt.Sprintf("resident-bulk-%d", i))
		s := submit(t, c, r, fmt.Sprintf("key-officer-bulk-%d", i), reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
		if s.JSON201 == nil {
			t.Fatalf("submit: %s", s.Body)
		}
		waitPhotosReady(t, c, officerAPI, s.JSON201.Id)
		ids, codes = append(ids, s.JSON201.Id), append(codes, s.JSON201.Code)
	}
	officer.show("#/queue")
	for i, id := range ids {
		v := ticketVersion(t, c, id, officerAPI)
		officer.run(chromedp.WaitVisible(fmt.Sprintf(`[data-testid=queue] [data-testid=ticket-row][data-id=%q][data-version=%q]`, id, strings.Trim(v, `"v`))))
		box := fmt.Sprintf(`[data-testid=ticket-row][data-id=%q] [data-testid=select-ticket]`, id)
		if i == 0 { // by the keyboard: focus the box, press the space bar
			officer.run(chromedp.Focus(box), chromedp.KeyEvent(" "))
		} else {
			officer.run(chromedp.Click(box))
		}
	}
	officer.run(chromedp.WaitVisible(`[data-testid=bulk][data-selected="3"]`))
	note := "Kiểm tra lại vị trí"
	actOnTicket(t, c, officerAPI, ids[1], api.TicketAction{Action: api.Comment, Note: &note}) // someone else, meanwhile
	officer.choose(`[data-testid=bulk-action]`, "accept")
	officer.shot("queue-bulk-1280x800.png", 1280, 800)
	officer.run(chromedp.Click(`[data-testid=bulk-send]`), chromedp.WaitVisible(`[data-testid=bulk-result]`))
	if s := officer.eval(`(() => { const r = document.querySelector('[data-testid=bulk-result]'); return r.dataset.succeeded + '/' + r.dataset.failed; })()`); s != "2/1" {
		t.Errorf("bulk result succeeded/failed: %s, want 2/1", s)
	}
	failed := officer.eval(`[...document.querySelectorAll('[data-testid=bulk-item][data-ok=false]')].map(e => e.dataset.id + ' ' + e.innerText).join('|')`)
	if !strings.HasPrefix(failed, ids[1]+" "+codes[1]) || !strings.Contains(failed, "thay đổi trong lúc đó") {
		t.Errorf("the failed item: %q, want %s reported as changed meanwhile", failed, codes[1])
	}
	for _, id := range []string{ids[0], ids[2]} {
		officer.run(chromedp.WaitVisible(fmt.Sprintf(`[data-testid=queue] [data-testid=ticket-row][data-id=%q][data-status=accepted]`, id)))
	}
	officer.run(chromedp.WaitVisible(fmt.Sprintf(`[data-testid=queue] [data-testid=ticket-row][data-id=%q][data-status=received]`, ids[1])))
	officer.shot("queue-bulk-result-1280x800.png", 1280, 800)
	officer.shot("queue-bulk-result-768x1024.png", 768, 1024)

	// "Select all on the page" selects every row, and clears them again.
	rows := officer.eval(`String(document.querySelectorAll('[data-testid=queue] [data-testid=ticket-row]').length)`)
	officer.run(chromedp.Click(`[data-testid=select-all]`), chromedp.WaitVisible(`[data-testid=bulk][data-selected="`+rows+`"]`),
		chromedp.Click(`[data-testid=select-all]`), chromedp.WaitNotPresent(`[data-testid=bulk]`))

	// The two accepted ones are assigned to the officer, the changed one transferred to another agency.
	me, err := c.GetMeWithResponse(ctx, officerAPI)
	if err != nil || me.JSON200 == nil {
		t.Fatalf("me: %v", err)
	}
	for _, id := range []string{ids[0], ids[2]} {
		officer.run(chromedp.Click(fmt.Sprintf(`[data-testid=ticket-row][data-id=%q] [data-testid=select-ticket]`, id)))
	}
	officer.choose(`[data-testid=bulk-action]`, "assign")
	officer.run(chromedp.WaitReady(fmt.Sprintf(`[data-testid=bulk-assignee] option[value=%q]`, me.JSON200.Id)))
	officer.choose(`[data-testid=bulk-assignee]`, me.JSON200.Id)
	officer.run(chromedp.Click(`[data-testid=bulk-send]`), chromedp.WaitVisible(`[data-testid=bulk-result][data-succeeded="2"][data-failed="0"]`))
	assignedMe := api.AssignedMe
	if mine, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{Assigned: &assignedMe}, officerAPI); mine.JSON200 == nil || len(mine.JSON200.Items) != 2 {
		t.Errorf("the officer's tickets after the bulk assignment: %s", mine.Body)
	}
	officer.run(chromedp.Click(fmt.Sprintf(`[data-testid=ticket-row][data-id=%q] [data-testid=select-ticket]`, ids[1])))
	officer.choose(`[data-testid=bulk-action]`, "transfer")
	officer.choose(`[data-testid=bulk-agency]`, "so-xay-dung")
	officer.run(chromedp.SendKeys(`[data-testid=bulk-note]`, "Đường tỉnh, thuộc Sở Xây dựng"), chromedp.Click(`[data-testid=bulk-send]`),
		chromedp.WaitVisible(`[data-testid=bulk-result][data-succeeded="1"][data-failed="0"]`),
		chromedp.WaitNotPresent(fmt.Sprintf(`[data-testid=queue] [data-testid=ticket-row][data-id=%q]`, ids[1])))
	if g, _ := c.GetTicketWithResponse(ctx, ids[1], staffLogin(t, c, "demo.dispatcher", "Ha-Long-Dispatch-2026")); g.JSON200 == nil || g.JSON200.AgencyId != "so-xay-dung" {
		t.Errorf("the transferred ticket: %s", g.Body)
	}
}
