package workcal_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/workcal"
)

func TestParseHolidays(t *testing.T) {
	got, err := workcal.ParseHolidays([]byte(`{"year": 2026, "days": [
		{"date": "2026-01-01", "kind": "holiday", "name": {"vi": "Tết Dương lịch", "en": "New Year's Day"}},
		{"date": "2026-01-10", "kind": "make_up_workday", "name": {"vi": "Làm bù", "en": "Make-up day"}}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []workcal.Holiday{
		{Date: workcal.Date{Year: 2026, Month: time.January, Day: 1}, Kind: workcal.KindHoliday, NameVI: "Tết Dương lịch", NameEN: "New Year's Day"},
		{Date: workcal.Date{Year: 2026, Month: time.January, Day: 10}, Kind: workcal.KindMakeUpWorkday, NameVI: "Làm bù", NameEN: "Make-up day"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseHolidays (-want +got):\n%s", diff)
	}
}

func TestParseHolidaysRejects(t *testing.T) {
	const ok = `{"date": "2026-01-01", "kind": "holiday", "name": {"vi": "a", "en": "b"}}`
	tests := []struct {
		name, json string
	}{
		{"empty input", ``},
		{"not JSON", `year: 2026`},
		{"truncated", `{"year": 2026, "days": [` + ok},
		{"trailing data", `{"year": 2026, "days": [` + ok + `]} {}`},
		{"unknown field", `{"year": 2026, "days": [` + ok + `], "region": "QN"}`},
		{"unknown day field", `{"year": 2026, "days": [{"date": "2026-01-01", "kind": "holiday", "name": {"vi": "a", "en": "b"}, "paid": true}]}`},
		{"missing year", `{"days": [` + ok + `]}`},
		{"year as string", `{"year": "2026", "days": [` + ok + `]}`},
		{"no days", `{"year": 2026, "days": []}`},
		{"date in another year", `{"year": 2027, "days": [` + ok + `]}`},
		{"duplicate date", `{"year": 2026, "days": [` + ok + `,` + ok + `]}`},
		{"day-first date", `{"year": 2026, "days": [{"date": "01/01/2026", "kind": "holiday", "name": {"vi": "a", "en": "b"}}]}`},
		{"impossible date", `{"year": 2026, "days": [{"date": "2026-02-30", "kind": "holiday", "name": {"vi": "a", "en": "b"}}]}`},
		{"unknown kind", `{"year": 2026, "days": [{"date": "2026-01-01", "kind": "bridge", "name": {"vi": "a", "en": "b"}}]}`},
		{"missing kind", `{"year": 2026, "days": [{"date": "2026-01-01", "name": {"vi": "a", "en": "b"}}]}`},
		{"missing English name", `{"year": 2026, "days": [{"date": "2026-01-01", "kind": "holiday", "name": {"vi": "a"}}]}`},
		{"blank Vietnamese name", `{"year": 2026, "days": [{"date": "2026-01-01", "kind": "holiday", "name": {"vi": " ", "en": "b"}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if hs, err := workcal.ParseHolidays([]byte(tt.json)); err == nil {
				t.Errorf("ParseHolidays succeeded with %v, want an error", hs)
			}
		})
	}
}

// The embedded files are what production runs on: pin their content so that an edit is deliberate.
func TestBuiltinHolidays(t *testing.T) {
	hs, err := workcal.BuiltinHolidays()
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string]workcal.Kind, len(hs))
	for _, h := range hs {
		got[h.Date.String()] = h.Kind
	}
	const (
		hol  = workcal.KindHoliday
		comp = workcal.KindCompensatory
		swap = workcal.KindSwappedDayOff
		mkup = workcal.KindMakeUpWorkday
	)
	want := map[string]workcal.Kind{
		"2026-01-01": hol, "2026-01-02": swap, "2026-01-10": mkup,
		"2026-02-16": hol, "2026-02-17": hol, "2026-02-18": hol, "2026-02-19": hol, "2026-02-20": hol,
		"2026-04-26": hol, "2026-04-27": comp,
		"2026-04-30": hol, "2026-05-01": hol,
		"2026-09-01": hol, "2026-09-02": hol,

		"2027-01-01": hol,
		"2027-02-05": hol, "2027-02-06": hol, "2027-02-07": hol, "2027-02-08": hol, "2027-02-09": hol,
		"2027-02-10": comp, "2027-02-11": comp,
		"2027-04-16": hol,
		"2027-04-30": hol, "2027-05-01": hol, "2027-05-03": comp,
		"2027-09-02": hol, "2027-09-03": hol,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("embedded holidays (-want +got):\n%s", diff)
	}
}

// Labour Code art. 112(1) gives 11 paid holidays a year; art. 111(3) gives a working day in lieu of
// each one that falls on the weekly rest day. Each year must therefore give exactly 11 weekdays
// off for holidays plus compensatory days.
func TestBuiltinHolidaysGiveElevenDaysAYear(t *testing.T) {
	hs, err := workcal.BuiltinHolidays()
	if err != nil {
		t.Fatal(err)
	}
	holidays, offWeekdays := map[int]int{}, map[int]int{}
	for _, h := range hs {
		wd := h.Date.Weekday()
		weekday := wd != time.Saturday && wd != time.Sunday
		switch {
		case h.Kind == workcal.KindHoliday:
			holidays[h.Date.Year]++
			if weekday {
				offWeekdays[h.Date.Year]++
			}
		case h.Kind == workcal.KindCompensatory:
			offWeekdays[h.Date.Year]++
		}
	}
	for _, y := range []int{2026, 2027} {
		if holidays[y] != 11 || offWeekdays[y] != 11 {
			t.Errorf("%d: %d holidays and %d weekdays off, want 11 and 11", y, holidays[y], offWeekdays[y])
		}
	}
}

func TestParseDate(t *testing.T) {
	d, err := workcal.ParseDate("2026-02-17")
	if err != nil {
		t.Fatal(err)
	}
	if d.String() != "2026-02-17" || d.Weekday() != time.Tuesday {
		t.Errorf("ParseDate = %s (%s), want 2026-02-17 (Tuesday)", d, d.Weekday())
	}
}

func TestLocation(t *testing.T) {
	// 2026-02-17 00:00 in Vietnam is 2026-02-16 17:00 UTC.
	got := time.Date(2026, 2, 17, 0, 0, 0, 0, workcal.Location()).UTC()
	if want := time.Date(2026, 2, 16, 17, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("midnight in Vietnam = %s UTC, want %s", got, want)
	}
	if name := workcal.Location().String(); name != "Asia/Ho_Chi_Minh" {
		t.Errorf("Location = %s, want Asia/Ho_Chi_Minh (time/tzdata is embedded)", name)
	}
}
