package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// retype replaces an input's text the way a person does (select all, type), so Preact hears each change.
func (c *consoleTab) retype(sel, text string) {
	c.t.Helper()
	c.run(chromedp.WaitVisible(sel))
	c.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		const set = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(e), 'value').set;
		set.call(e, ''); e.dispatchEvent(new Event('input', {bubbles: true})); return ''; })()`, sel))
	c.run(chromedp.SendKeys(sel, text))
}

// screen checks that every control of the view has a name for assistive technology (a label, an
// aria-label or its text), then writes a screenshot of it at 1280 × 800 and at 768 × 1024.
func (c *consoleTab) screen(name string) {
	c.t.Helper()
	if bare := c.eval(`JSON.stringify([...document.querySelectorAll('main input, main select, main textarea, main button')]
		.filter((e) => !e.labels?.length && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') &&
			!(e.tagName === 'BUTTON' && e.innerText.trim()))
		.map((e) => e.outerHTML.slice(0, 120)))`); bare != "[]" {
		c.t.Errorf("%s: controls without a label: %s", name, bare)
	}
	c.shot(name+"-1280x800.png", 1280, 800)
	c.shot(name+"-768x1024.png", 768, 1024)
}

// TestConsoleAdminInChromium drives the administration side of the console in headless Chromium against
// the real servers: an admin gets an API refusal shown next to the field (and focused), edits a category's
// deadline class and finds it saved; creates a reply template after the API refused an empty one, which
// the agency admin edits while the admin has it open (the admin's save is refused as stale), then removes
// it; reads the audit trail and finds the officer's earlier accept, from the officer's
// address, though the officer's account was disabled since. A call-taker files a hotline report with a
// place picked on the map and a photo, after a place outside the province was flagged and a bad number
// was refused next to the phone field: the SMS stand-in received the code, and the resident who signs in
// with that number sees the report as theirs. Every control of each screen is labelled; screenshots of each
// at both sizes.
func TestConsoleAdminInChromium(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true", "TRUSTED_PROXIES": "127.0.0.1"})
	base := strings.Replace(a.URL, "127.0.0.1", "localhost", 1) // Secure cookies on http: localhost only
	c := newClient(t, a)
	ctx := context.Background()
	browser := startBrowser(t)
	adminAPI := staffLogin(t, c, "demo.admin", "Quang-Ninh-Admin-2026")

	// Earlier, the officer accepted a report, from an address behind the proxy; their account was disabled since.
	res := resident(t, a, "resident-console-admin")
	sub := submit(t, c, res, "key-console-admin-01", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	officerAPI := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	const officerAddr = "203.0.113.7"
	fromOfficer := func(ctx context.Context, r *http.Request) error {
		r.Header.Set("X-Forwarded-For", officerAddr)
		return officerAPI(ctx, r)
	}
	actOnTicket(t, c, fromOfficer, sub.JSON201.Id, api.TicketAction{Action: api.Accept})
	staff, _ := c.ListStaffWithResponse(ctx, adminAPI)
	ids := map[string]string{}
	for _, s := range staff.JSON200.Items {
		ids[s.Username] = s.Id
	}
	off := true
	if r, _ := c.UpdateStaffWithResponse(ctx, ids["demo.officer"], api.StaffUpdate{Disabled: &off}, adminAPI); r.JSON200 == nil {
		t.Fatalf("disable the officer: %s", r.Body)
	}

	admin := openConsole(t, browser, base, "admin")
	admin.signIn("demo.admin", "Quang-Ninh-Admin-2026")

	// Catalogue: a commune agency with a malformed commune code is refused by the API, next to the field.
	admin.show("#/catalogue")
	admin.run(chromedp.WaitVisible(`[data-testid=category-row][data-code=noise][data-deadline=normal]`),
		chromedp.Click(`[data-testid=new-agency]`), chromedp.SendKeys(`#ag-id`, "ubnd-thu-nghiem"),
		chromedp.SendKeys(`#ag-name_vi`, "UBND Thử nghiệm"), chromedp.SendKeys(`#ag-name_en`, "Test committee"))
	admin.choose(`#ag-kind`, "commune")
	admin.run(chromedp.SendKeys(`#ag-commune_code`, "123"), chromedp.Click(`[data-testid=save-agency]`),
		chromedp.WaitVisible(`[data-testid=agency-form] [data-testid=field-error-commune_code]`))
	if inv := admin.eval(`document.querySelector('#ag-commune_code').getAttribute('aria-invalid') + '|' +
		document.querySelector('#ag-commune_code').getAttribute('aria-describedby')`); !strings.HasPrefix(inv, "true|") || !strings.Contains(inv, "ag-commune_code-err") {
		t.Errorf("the refused field is not marked for screen readers: %q", inv)
	}
	if focused := admin.eval(`document.activeElement.id`); focused != "ag-commune_code" {
		t.Errorf("after the refusal the focus is on %q, want the refused field", focused)
	}
	// The admin makes noise complaints urgent.
	admin.run(chromedp.Click(`[data-testid=category-row][data-code=noise] [data-testid=edit-category]`),
		chromedp.WaitVisible(`[data-testid=category-form] #cat-code[readonly]`))
	admin.choose(`[data-testid=category-deadline]`, "urgent")
	admin.screen("catalogue")
	admin.run(chromedp.Click(`[data-testid=save-category]`), chromedp.WaitVisible(`[data-testid=category-saved]`),
		chromedp.WaitVisible(`[data-testid=category-row][data-code=noise][data-deadline=urgent]`))
	if g, _ := c.GetCategoryWithResponse(ctx, "noise"); g.JSON200 == nil || g.JSON200.DeadlineClass != api.CategoryDeadlineClassUrgent || g.JSON200.NameVi != "Tiếng ồn" {
		t.Errorf("noise after the edit: %s", g.Body)
	}

	// Reply templates: an empty one is refused field by field; then one for Bãi Cháy's road damage.
	admin.show("#/templates")
	admin.choose(`[data-testid=tpl-agency]`, "ubnd-06673")
	admin.run(chromedp.WaitVisible(`[data-testid=template-list][data-count="0"]`), chromedp.Click(`[data-testid=new-template]`),
		chromedp.Click(`[data-testid=save-template]`), chromedp.WaitVisible(`[data-testid=template-form] [data-testid=field-error-title_vi]`),
		chromedp.WaitVisible(`[data-testid=template-form] [data-testid=field-error-body_en]`))
	admin.choose(`[data-testid=tpl-form-category]`, "road_damage")
	admin.run(chromedp.SendKeys(`#tpl-title_vi`, "Đã vá ổ gà"), chromedp.SendKeys(`#tpl-title_en`, "Pothole filled"),
		chromedp.SendKeys(`#tpl-body_vi`, "Đơn vị đã vá ổ gà bạn phản ánh. Cảm ơn bạn!"),
		chromedp.SendKeys(`#tpl-body_en`, "The pothole you reported was filled. Thank you!"))
	admin.screen("templates-form")
	admin.run(chromedp.Click(`[data-testid=save-template]`), chromedp.WaitVisible(`[data-testid=tpl-notice-ok]`),
		chromedp.WaitVisible(`[data-testid=template-row][data-title-vi="Đã vá ổ gà"]`))
	admin.screen("templates")
	agency, road := "ubnd-06673", "road_damage"
	tl, _ := c.ListReplyTemplatesWithResponse(ctx, &api.ListReplyTemplatesParams{AgencyId: &agency, Category: &road}, adminAPI)
	if tl.JSON200 == nil || len(tl.JSON200.Items) != 1 || tl.JSON200.Items[0].BodyEn != "The pothole you reported was filled. Thank you!" ||
		deref(tl.JSON200.Items[0].Category) != road {
		t.Errorf("Bãi Cháy's road templates: %s", tl.Body)
	}
	// The admin opens it to edit; meanwhile Bãi Cháy's agency admin, on their own agency's list, edits it
	// first. The admin's save is then refused (If-Match: the version read when the form opened) and says so.
	row := `[data-testid=template-row][data-title-vi="Đã vá ổ gà"]`
	admin.run(chromedp.Click(row+` [data-testid=edit-template]`), chromedp.WaitVisible(`[data-testid=template-form] #tpl-body_en`))
	boss := openConsole(t, browser, base, "agency-admin")
	boss.signIn("demo.agency-admin", "Bai-Chay-Agency-2026")
	boss.show("#/templates")
	boss.run(chromedp.WaitVisible(row), chromedp.Click(row+` [data-testid=edit-template]`), chromedp.WaitVisible(`[data-testid=template-form] #tpl-body_vi`))
	if n := boss.eval(`String(document.querySelectorAll('[data-testid=tpl-agency]').length)`); n != "0" {
		t.Errorf("an agency admin is offered other agencies' templates")
	}
	boss.retype(`#tpl-body_vi`, "Đơn vị đã vá xong ổ gà.")
	boss.screen("templates-agency-admin")
	boss.run(chromedp.Click(`[data-testid=save-template]`), chromedp.WaitVisible(`[data-testid=tpl-notice-ok]`))
	admin.retype(`#tpl-body_en`, "Filled.")
	admin.run(chromedp.Click(`[data-testid=save-template]`), chromedp.WaitVisible(`[data-testid=tpl-notice-error]`),
		chromedp.WaitVisible(row))
	edited, _ := c.GetReplyTemplateWithResponse(ctx, tl.JSON200.Items[0].Id, adminAPI)
	if e := edited.JSON200; e == nil || e.BodyVi != "Đơn vị đã vá xong ổ gà." || e.BodyEn != "The pothole you reported was filled. Thank you!" || e.Version != 2 {
		t.Errorf("the template after the agency admin's edit and the admin's stale one: %s", edited.Body)
	}
	// The admin removes it, after a confirmation.
	admin.run(chromedp.Click(row+` [data-testid=remove-template]`), chromedp.Click(row+` [data-testid=confirm-remove-template]`),
		chromedp.WaitVisible(`[data-testid=template-list][data-count="0"]`))
	if g, _ := c.GetReplyTemplateWithResponse(ctx, tl.JSON200.Items[0].Id, adminAPI); g.StatusCode() != http.StatusNotFound {
		t.Errorf("the removed template: %d %s", g.StatusCode(), g.Body)
	}

	// The audit trail: the officer's accept, with its ticket and address, though the account is disabled.
	admin.show("#/audit")
	admin.run(chromedp.WaitVisible(`[data-testid=audit-row][data-operation=putCategory]`),
		chromedp.WaitVisible(`[data-testid=audit-row][data-operation=createReplyTemplate][data-status="201"]`))
	admin.choose(`[data-testid=audit-actor]`, ids["demo.officer"])
	accepted := fmt.Sprintf(`[data-testid=audit-row][data-actor=%q][data-operation=actOnTicket][data-action=accept][data-target=%q]`,
		ids["demo.officer"], sub.JSON201.Id)
	admin.run(chromedp.Click(`[data-testid=audit-apply]`),
		chromedp.WaitVisible(fmt.Sprintf(`[data-testid=audit-table][data-actor-filter=%q]`, ids["demo.officer"])), chromedp.WaitVisible(accepted))
	if got := admin.eval(`JSON.stringify([...document.querySelectorAll('[data-testid=audit-row]')].map((r) => r.dataset.actor))`); strings.Contains(got, ids["demo.admin"]) {
		t.Errorf("the filter by actor shows the admin's entries too: %s", got)
	}
	if row := admin.eval(`document.querySelector('` + accepted + `').innerText`); !strings.Contains(row, officerAddr) ||
		!strings.Contains(row, "demo.officer") || !strings.Contains(row, "Đã vô hiệu hoá") || !strings.Contains(row, "Xử lý phiếu: Tiếp nhận") {
		t.Errorf("the officer's accept in the trail: %q, want the address %s, the username, the disabled mark and what was done", row, officerAddr)
	}
	admin.screen("audit")

	// A call-taker files a report for a caller.
	taker := openConsole(t, browser, base, "call-taker")
	taker.run(chromedp.SendKeys(`input[name=username]`, "demo.call-taker"), chromedp.SendKeys(`input[name=password]`, "Uong-Bi-Hotline-2026\r"),
		chromedp.WaitVisible(`[data-testid=hotline-form]`), chromedp.WaitVisible(`[data-testid=hotline-map][data-map-ready=true]`))
	taker.run(chromedp.SendKeys(`[data-testid=hotline-phone]`, "12345"),
		chromedp.SendKeys(`[data-testid=hotline-description]`, "Người dân gọi tổng đài: ổ gà sâu trước cổng chợ, xe máy dễ ngã."))
	taker.choose(`[data-testid=hotline-category]`, "road_damage")
	// The place: typed (the keyboard's way), which centres the map on it and outlines its commune. A click
	// on the map 30 pixels east of the point moves the point there; the preview says who handles that place.
	// Hà Nội first: the preview says it is outside the province.
	taker.run(chromedp.SendKeys(`[data-testid=hotline-lat]`, "21.028500"), chromedp.SendKeys(`[data-testid=hotline-lng]`, "105.854200\t"),
		chromedp.WaitVisible(`[data-testid=hotline-routing][data-point="21.028500,105.854200"].error`))
	if msg := taker.eval(`document.querySelector('[data-testid=hotline-routing]').innerText`); !strings.Contains(msg, "Quảng Ninh") {
		t.Errorf("the preview of a place outside the province says %q", msg)
	}
	lat, lng := baiChay[0], baiChay[1]
	taker.retype(`[data-testid=hotline-lat]`, strconv.FormatFloat(lat, 'f', 6, 64))
	taker.retype(`[data-testid=hotline-lng]`, strconv.FormatFloat(lng, 'f', 6, 64)+"\t")
	taker.run(
		chromedp.WaitVisible(`[data-testid=hotline-routing][data-agency=ubnd-06673][data-commune="06673"]`),
		chromedp.WaitVisible(`[data-testid=hotline-map][data-commune="06673"] path.picked-point`))
	var box struct{ X, Y, W, H float64 }
	if err := json.Unmarshal([]byte(taker.eval(`(() => { document.querySelector('[data-testid=hotline-map]').scrollIntoView({block: 'center'});
		const r = document.querySelector('[data-testid=hotline-map] path.picked-point').getBoundingClientRect();
		return JSON.stringify({x: r.x, y: r.y, w: r.width, h: r.height}); })()`)), &box); err != nil {
		t.Fatal(err)
	}
	taker.run(chromedp.MouseClickXY(box.X+box.W/2+30, box.Y+box.H/2),
		chromedp.WaitVisible(fmt.Sprintf(`[data-testid=hotline-lng]:not([value="%.6f"])`, lng)))
	pickedLat, _ := strconv.ParseFloat(taker.eval(`document.querySelector('[data-testid=hotline-lat]').value`), 64)
	pickedLng, _ := strconv.ParseFloat(taker.eval(`document.querySelector('[data-testid=hotline-lng]').value`), 64)
	if math.Abs(pickedLat-lat) > 0.0002 || pickedLng-lng < 0.0005 || pickedLng-lng > 0.005 { // 30 px at zoom 15: 0.0013°
		t.Fatalf("clicked 30 px east of (%v, %v): picked (%v, %v)", lat, lng, pickedLat, pickedLng)
	}
	routing := fmt.Sprintf(`[data-testid=hotline-routing][data-point="%.6f,%.6f"]`, pickedLat, pickedLng)
	taker.run(chromedp.WaitVisible(routing))
	handler := taker.eval(`document.querySelector('` + routing + `').dataset.agency`)
	commune := taker.eval(`document.querySelector('` + routing + `').dataset.commune`)
	taker.run(chromedp.WaitVisible(fmt.Sprintf(`[data-testid=hotline-map][data-commune=%q]`, commune)))
	// A bad number is refused by the API, next to the phone field.
	taker.run(chromedp.Click(`[data-testid=hotline-submit]`), chromedp.WaitVisible(`[data-testid=field-error-phone]`))
	photo := filepath.Join(t.TempDir(), "call.jpg")
	if err := os.WriteFile(photo, testapp.JPEG(t, 640, 480, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	taker.run(chromedp.SetUploadFiles(`[data-testid=hotline-photos]`, []string{photo}),
		chromedp.WaitVisible(`[data-testid=hotline-upload][data-pct="100"]:not([data-upload-id=""])`))
	taker.screen("hotline")
	const callerPhone = "0986 214 357"
	taker.retype(`[data-testid=hotline-phone]`, callerPhone)
	taker.run(chromedp.Click(`[data-testid=hotline-submit]`), chromedp.WaitVisible(`[data-testid=hotline-receipt][data-sms-sent=true]`))
	code := taker.eval(`document.querySelector('[data-testid=hotline-receipt]').dataset.code`)
	reportID := taker.eval(`document.querySelector('[data-testid=hotline-receipt]').dataset.id`)
	taker.screen("hotline-filed")

	inbox, _ := c.ListDevSmsWithResponse(ctx, &api.ListDevSmsParams{Phone: callerPhone})
	if inbox.JSON200 == nil || len(inbox.JSON200.Items) == 0 || !strings.Contains(inbox.JSON200.Items[0].Text, code) {
		t.Fatalf("the caller's SMS, want the code %q: %s", code, inbox.Body)
	}
	tok := signInResident(t, c, "0986214357")
	mine, _ := c.ListMyReportsWithResponse(ctx, &api.ListMyReportsParams{}, bearer(tok.AccessToken))
	if mine.JSON200 == nil || len(mine.JSON200.Items) != 1 || mine.JSON200.Items[0].Code != code {
		t.Fatalf("the caller's reports, want %s: %s", code, mine.Body)
	}
	g, _ := c.GetTicketWithResponse(ctx, reportID, adminAPI)
	if g.JSON200 == nil || len(g.JSON200.Report.Photos) != 1 || math.Abs(g.JSON200.Report.Location.Lng-pickedLng) > 1e-6 ||
		g.JSON200.AgencyId != handler || handler == "" {
		t.Errorf("the hotline report: one photo at (%v, %v) for %q (as previewed) expected: %s", pickedLat, pickedLng, handler, g.Body)
	}
}
