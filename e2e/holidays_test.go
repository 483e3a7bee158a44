package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
	"github.com/quangninh/feedback/internal/workcal"
)

// nextWorkingDay is the first working day after today (Vietnam) on the built-in calendar: a day inside the
// resolve deadline of any report sent now.
func nextWorkingDay(t *testing.T, cal *workcal.Calendar) time.Time {
	t.Helper()
	y, m, d := time.Now().In(workcal.Location()).Date()
	for i := 1; i < 30; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, workcal.Location())
		if cal.IsWorkingDay(day) {
			return day
		}
	}
	t.Fatal("no working day within 30 days")
	return time.Time{}
}

// TestAdminEditsHolidays: an admin lists a year's holidays, adds a day off, and a deadline computed after the
// change skips it, on this replica at once and on a second replica within its poll; bad days are refused
// with every bad field named, a stale If-Match gets 412, non-admins 403; removing the day restores it.
func TestAdminEditsHolidays(t *testing.T) {
	t.Parallel()
	srv := testenv.Shared(t)
	a := testapp.Start(t, srv, map[string]string{"SEED_DEMO": "true"})
	// A second replica on the same database, started before the change.
	b := testapp.Start(t, srv, map[string]string{"MONGO_DATABASE": a.Env["MONGO_DATABASE"], "S3_BUCKET": a.Env["S3_BUCKET"], "PUSH_DISPATCH": "false"})
	c, cb := newClient(t, a), newClient(t, b)
	ctx := context.Background()
	admin := staffLogin(t, c, "demo.admin", "Quang-Ninh-Admin-2026")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")

	g, _ := c.GetHolidaysWithResponse(ctx, 2026, admin)
	if g.JSON200 == nil || len(g.JSON200.Days) != 14 || g.JSON200.Version != 1 || g.HTTPResponse.Header.Get("ETag") != `"v1"` {
		t.Fatalf("2026: %d %s", g.StatusCode(), g.Body)
	}
	if g.JSON200.Days[3].Date.String() != "2026-02-16" || g.JSON200.Days[3].Kind != api.Holiday {
		t.Errorf("2026's Tết eve: %+v", g.JSON200.Days[3])
	}
	for name, who := range map[string]api.RequestEditorFn{"officer": officer, "resident": resident(t, a, "resident-holidays")} {
		if r, _ := c.GetHolidaysWithResponse(ctx, 2026, who); r.StatusCode() != http.StatusForbidden {
			t.Errorf("%s lists holidays: %d", name, r.StatusCode())
		}
		r, _ := c.PutHolidayWithResponse(ctx, 2026, "2026-11-24", &api.PutHolidayParams{IfMatch: `"v1"`},
			api.HolidayDayInput{Kind: api.Holiday, NameVi: "Ngày Văn hóa Việt Nam", NameEn: "Vietnam Culture Day"}, who)
		expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusForbidden)
	}

	// Bad days: every bad field at once.
	bad, _ := c.PutHolidaysWithResponse(ctx, 2026, &api.PutHolidaysParams{IfMatch: `"v1"`}, api.HolidayYearInput{Days: []api.HolidayDayEntry{
		{Date: "2027-01-01", Kind: api.Holiday, NameVi: "Tết Dương lịch", NameEn: "New Year's Day"},
		{Date: "2026-01-01", Kind: api.Holiday, NameVi: "Tết Dương lịch", NameEn: " "},
		{Date: "2026-01-01", Kind: api.Compensatory, NameVi: "Nghỉ bù", NameEn: "Day off in lieu"},
		{Date: "2026-03-03", Kind: api.MakeUpWorkday, NameVi: "Làm bù", NameEn: "Make-up day"},
		{Date: "2026-02-30", Kind: api.Holiday, NameVi: "Ngày không có", NameEn: "No such day"},
	}}, admin)
	p := expectProblemBody(t, bad.HTTPResponse, bad.Body, http.StatusBadRequest)
	var fields []string
	if p.Errors != nil {
		for _, e := range *p.Errors {
			fields = append(fields, e.Field)
		}
	}
	want := []string{"body.days.0.date", "body.days.1.name_en", "body.days.2.date", "body.days.3.kind", "body.days.4.date"}
	if !slices.Equal(fields, want) {
		t.Errorf("bad days: fields %v, want %v", fields, want)
	}

	// A new day off inside the deadline of a report sent now.
	builtin, err := workcal.Default()
	if err != nil {
		t.Fatal(err)
	}
	day := nextWorkingDay(t, builtin)
	year, date := day.Year(), day.Format(time.DateOnly)
	before := submit(t, c, resident(t, a, "resident-hol-before"), "key-holiday-before", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 120, 90, nil)))
	if before.JSON201 == nil {
		t.Fatalf("submit: %s", before.Body)
	}
	yg, _ := c.GetHolidaysWithResponse(ctx, year, admin)
	if yg.JSON200 == nil {
		t.Fatalf("%d: %s", year, yg.Body)
	}
	etag := yg.HTTPResponse.Header.Get("ETag")
	input := api.HolidayDayInput{Kind: api.SwappedDayOff, NameVi: "Nghỉ hoán đổi (thử nghiệm)", NameEn: "Swapped day off (test)"}
	put, _ := c.PutHolidayWithResponse(ctx, year, date, &api.PutHolidayParams{IfMatch: etag}, input, admin)
	if put.JSON200 == nil || put.JSON200.Version != yg.JSON200.Version+1 || len(put.JSON200.Days) != len(yg.JSON200.Days)+1 {
		t.Fatalf("add %s: %d %s", date, put.StatusCode(), put.Body)
	}
	stale, _ := c.PutHolidayWithResponse(ctx, year, date, &api.PutHolidayParams{IfMatch: etag}, input, admin)
	expectProblemBody(t, stale.HTTPResponse, stale.Body, http.StatusPreconditionFailed)
	wrongYear, _ := c.PutHolidayWithResponse(ctx, year+1, date, &api.PutHolidayParams{IfMatch: `"v0"`}, input, admin)
	if p := expectProblemBody(t, wrongYear.HTTPResponse, wrongYear.Body, http.StatusBadRequest); p.Errors == nil || (*p.Errors)[0].Field != "path.date" {
		t.Errorf("a day of another year: %+v", p.Errors)
	}

	ds, _ := workcal.ParseDate(date)
	edited, err := workcal.New(workcal.DefaultHours(), append(mustBuiltin(t), workcal.Holiday{Date: ds, Kind: workcal.KindSwappedDayOff, NameVI: "x", NameEN: "x"}))
	if err != nil {
		t.Fatal(err)
	}
	budget := 5 * builtin.DayLength() // road damage: normal, 5 working days
	expect := func(r *api.Report, cal *workcal.Calendar) bool {
		got := r.ResolveBy
		return got != nil && cal.Add(r.CreatedAt, budget).Sub(*got).Abs() < time.Second
	}
	if !expect(before.JSON201, builtin) {
		t.Errorf("before the change: resolve by %v, want %v", before.JSON201.ResolveBy, builtin.Add(before.JSON201.CreatedAt, budget))
	}
	after := submit(t, c, resident(t, a, "resident-hol-after"), "key-holiday-after0", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 120, 90, nil)))
	if after.JSON201 == nil || !expect(after.JSON201, edited) || expect(after.JSON201, builtin) {
		t.Errorf("after the change: resolve by %v, want %v (skipping %s)", after.JSON201.ResolveBy, edited.Add(after.JSON201.CreatedAt, budget), date)
	}
	// The other replica applies it on its next poll (every 5 s).
	applied := false
	for i := 0; i < 20 && !applied; i++ {
		r := submit(t, cb, resident(t, b, "resident-hol-replica"), fmt.Sprintf("key-holiday-replica-%02d", i), reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 120, 90, nil)))
		if r.JSON201 == nil {
			t.Fatalf("submit to the second replica: %s", r.Body)
		}
		if applied = expect(r.JSON201, edited); !applied {
			time.Sleep(time.Second)
		}
	}
	if !applied {
		t.Errorf("the second replica did not apply the new day off")
	}

	// Removing the day: 200, then 404 for a day no longer listed.
	del, _ := c.DeleteHolidayWithResponse(ctx, year, date, &api.DeleteHolidayParams{IfMatch: put.HTTPResponse.Header.Get("ETag")}, admin)
	if del.JSON200 == nil || len(del.JSON200.Days) != len(yg.JSON200.Days) {
		t.Fatalf("delete: %d %s", del.StatusCode(), del.Body)
	}
	again, _ := c.DeleteHolidayWithResponse(ctx, year, date, &api.DeleteHolidayParams{IfMatch: del.HTTPResponse.Header.Get("ETag")}, admin)
	expectProblemBody(t, again.HTTPResponse, again.Body, http.StatusNotFound)
	restored := submit(t, c, resident(t, a, "resident-hol-restored"), "key-holiday-restored", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 120, 90, nil)))
	if restored.JSON201 == nil || !expect(restored.JSON201, builtin) {
		t.Errorf("after removing the day: resolve by %v", restored.JSON201.ResolveBy)
	}
}

func mustBuiltin(t *testing.T) []workcal.Holiday {
	t.Helper()
	hs, err := workcal.BuiltinHolidays()
	if err != nil {
		t.Fatal(err)
	}
	return hs
}
