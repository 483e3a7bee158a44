package workcal_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/workcal"
)

// at is a wall-clock time in Vietnam.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, workcal.Location())
}

// MustDefault returns the calendar built from the embedded files.
func MustDefault(tb testing.TB) *workcal.Calendar {
	tb.Helper()
	c, err := workcal.Default()
	if err != nil {
		tb.Fatalf("Default: %v", err)
	}
	return c
}

const h = time.Hour

func TestAdd(t *testing.T) {
	c := MustDefault(t)
	tests := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within one morning", at(2026, 3, 3, 8, 0), 2 * h, at(2026, 3, 3, 10, 0)},
		{"ends exactly at lunch", at(2026, 3, 3, 11, 0), 30 * time.Minute, at(2026, 3, 3, 11, 30)},
		{"across the lunch break", at(2026, 3, 3, 11, 0), h, at(2026, 3, 3, 14, 0)},
		{"start during lunch", at(2026, 3, 3, 12, 15), h, at(2026, 3, 3, 14, 30)},
		{"across the end of day", at(2026, 3, 3, 16, 0), 2 * h, at(2026, 3, 4, 8, 30)},
		{"start before opening", at(2026, 3, 3, 6, 0), h, at(2026, 3, 3, 8, 30)},
		{"start after closing", at(2026, 3, 3, 18, 0), h, at(2026, 3, 4, 8, 30)},
		{"Friday afternoon to Monday", at(2026, 3, 6, 16, 0), 4 * h, at(2026, 3, 9, 10, 30)},
		{"start on Sunday", at(2026, 3, 8, 10, 0), h, at(2026, 3, 9, 8, 30)},
		{"zero duration stays put", at(2026, 3, 8, 10, 0), 0, at(2026, 3, 8, 10, 0)},
		{"New Year 2026 swap: Friday 2 Jan off", at(2025, 12, 31, 16, 0), 2 * h, at(2026, 1, 5, 8, 30)},
		{"New Year 2026 swap: Saturday 10 Jan worked", at(2026, 1, 9, 16, 0), 2 * h, at(2026, 1, 10, 8, 30)},
		{"Hung Kings 2026: Monday 27 Apr in lieu", at(2026, 4, 24, 16, 0), 4 * h, at(2026, 4, 28, 10, 30)},
		{"across 30/4-1/5 2026", at(2026, 4, 29, 16, 0), 8 * h, at(2026, 5, 4, 16, 30)},
		{"across 30/4-1/5 2027: Monday 3 May in lieu", at(2027, 4, 29, 16, 0), 2 * h, at(2027, 5, 4, 8, 30)},
		{"National Day 2026", at(2026, 8, 31, 16, 30), h, at(2026, 9, 3, 8, 0)},
		{"National Day 2027", at(2027, 9, 1, 16, 30), h, at(2027, 9, 6, 8, 0)},
		{"no holidays known for 2028: 1 Jan counted", at(2027, 12, 31, 16, 30), h, at(2028, 1, 3, 8, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, c.Add(tt.start, tt.d)); diff != "" {
				t.Errorf("Add(%s, %s) (-want +got):\n%s", tt.start, tt.d, diff)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	c := MustDefault(t)
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"one day is the same time next working day", at(2026, 3, 5, 16, 0), 1, at(2026, 3, 6, 16, 0)},
		{"one day from Friday", at(2026, 3, 6, 10, 0), 1, at(2026, 3, 9, 10, 0)},
		// Thursday 16:00 leaves 1h, Friday 7h30, then 14-22 Feb off; 29h from Monday 23 Feb.
		{"across Tết 2026", at(2026, 2, 12, 16, 0), 5, at(2026, 2, 26, 16, 0)},
		{"Tết 2026 received on New Year's Eve: a whole day ends at 17:00", at(2026, 2, 16, 9, 0), 1, at(2026, 2, 23, 17, 0)},
		// Thursday 4 Feb has 5h from 10:00; 5-11 Feb off; 2h30 on Friday 12 Feb.
		{"across Tết 2027", at(2027, 2, 4, 10, 0), 1, at(2027, 2, 12, 10, 0)},
		{"15 days (complex) in March 2026", at(2026, 3, 2, 9, 0), 15, at(2026, 3, 23, 9, 0)},
		{"zero days", at(2026, 3, 2, 9, 0), 0, at(2026, 3, 2, 9, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, c.AddDays(tt.start, tt.n)); diff != "" {
				t.Errorf("AddDays(%s, %d) (-want +got):\n%s", tt.start, tt.n, diff)
			}
		})
	}
}

func TestBetween(t *testing.T) {
	c := MustDefault(t)
	tests := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"same instant", at(2026, 3, 3, 9, 0), at(2026, 3, 3, 9, 0), 0},
		{"within one morning", at(2026, 3, 3, 8, 0), at(2026, 3, 3, 10, 0), 2 * h},
		{"across lunch", at(2026, 3, 3, 11, 0), at(2026, 3, 3, 14, 0), h},
		{"both in lunch", at(2026, 3, 3, 11, 45), at(2026, 3, 3, 13, 0), 0},
		{"whole weekend", at(2026, 3, 7, 0, 0), at(2026, 3, 9, 0, 0), 0},
		{"Friday 16:00 to Monday 10:30", at(2026, 3, 6, 16, 0), at(2026, 3, 9, 10, 30), 4 * h},
		{"one full week", at(2026, 3, 2, 0, 0), at(2026, 3, 9, 0, 0), 5*7*h + 5*30*time.Minute},
		{"Tết 2026 break", at(2026, 2, 13, 17, 0), at(2026, 2, 23, 7, 30), 0},
		{"March 2026 (22 working days)", at(2026, 3, 1, 0, 0), at(2026, 4, 1, 0, 0), 22 * (7*h + 30*time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Between(tt.a, tt.b); got != tt.want {
				t.Errorf("Between(a, b) = %s, want %s", got, tt.want)
			}
			if got := c.Between(tt.b, tt.a); got != tt.want {
				t.Errorf("Between(b, a) = %s, want %s (symmetric)", got, tt.want)
			}
		})
	}
}

// Between undoes Add for any start and duration: a cheap check that both walk the same calendar.
func TestBetweenUndoesAdd(t *testing.T) {
	c := MustDefault(t)
	r := rand.New(rand.NewPCG(1, 2))
	from := at(2025, 12, 1, 0, 0)
	for range 2000 {
		start := from.Add(time.Duration(r.Int64N(int64(800 * 24 * h))))
		d := time.Duration(r.Int64N(int64(200*h))) + time.Minute
		end := c.Add(start, d)
		if got := c.Between(start, end); got != d {
			t.Fatalf("Between(%s, Add(%s, %s) = %s) = %s", start, start, d, end, got)
		}
	}
}

func TestDeadline(t *testing.T) {
	c := MustDefault(t)
	monday := at(2026, 3, 2, 8, 0)
	budget := c.Duration(workcal.Allowance{Days: 5}) // due Monday 9 Mar 08:00 without pauses
	tests := []struct {
		name   string
		pauses []workcal.Interval
		want   time.Time
		wantOK bool
	}{
		{"no pause", nil, at(2026, 3, 9, 8, 0), true},
		// Tuesday 10:00-17:00 is 5h, Wednesday 7h30, Thursday 07:30-09:00 1h30: 14h more.
		{"waiting for the resident Tuesday 10:00 to Thursday 09:00",
			[]workcal.Interval{{Start: at(2026, 3, 3, 10, 0), End: at(2026, 3, 5, 9, 0)}},
			at(2026, 3, 10, 16, 30), true},
		{"pause over a weekend costs nothing",
			[]workcal.Interval{{Start: at(2026, 3, 6, 17, 0), End: at(2026, 3, 9, 7, 0)}},
			at(2026, 3, 9, 8, 0), true},
		{"overlapping pauses in any order count once",
			[]workcal.Interval{
				{Start: at(2026, 3, 4, 7, 30), End: at(2026, 3, 4, 17, 0)},
				{Start: at(2026, 3, 3, 10, 0), End: at(2026, 3, 5, 9, 0)},
			},
			at(2026, 3, 10, 16, 30), true},
		{"pause begun before the ticket",
			[]workcal.Interval{{Start: at(2026, 3, 1, 9, 0), End: at(2026, 3, 2, 9, 0)}},
			at(2026, 3, 9, 9, 0), true},
		{"pause after the deadline changes nothing",
			[]workcal.Interval{{Start: at(2026, 3, 9, 8, 0), End: at(2026, 3, 12, 8, 0)}},
			at(2026, 3, 9, 8, 0), true},
		{"open pause: deadline unknown",
			[]workcal.Interval{{Start: at(2026, 3, 3, 10, 0)}},
			time.Time{}, false},
		{"open pause after the deadline",
			[]workcal.Interval{{Start: at(2026, 3, 9, 9, 0)}},
			at(2026, 3, 9, 8, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := c.Deadline(monday, budget, tt.pauses)
			if ok != tt.wantOK {
				t.Fatalf("Deadline ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Deadline (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := MustDefault(t)
	tests := []struct {
		day  time.Time
		want bool
	}{
		{at(2026, 1, 1, 9, 0), false},  // holiday
		{at(2026, 1, 2, 9, 0), false},  // swapped day off
		{at(2026, 1, 10, 9, 0), true},  // make-up Saturday
		{at(2026, 1, 11, 9, 0), false}, // Sunday
		{at(2026, 4, 27, 9, 0), false}, // compensatory
		{at(2026, 4, 28, 9, 0), true},
		// 23:30 UTC on 16 Feb is 06:30 on 17 Feb (Tết) in Vietnam.
		{time.Date(2026, 2, 16, 23, 30, 0, 0, time.UTC), false},
		{time.Date(2026, 2, 22, 23, 30, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(tt.day); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
}

func TestCustomHours(t *testing.T) {
	hours := workcal.WorkingHours{
		Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday},
		Shifts: []workcal.Shift{ // out of order on purpose
			{Start: 13 * h, End: 17 * h},
			{Start: 8 * h, End: 12 * h},
		},
	}
	c, err := workcal.New(hours, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.DayLength(); got != 8*h {
		t.Errorf("DayLength = %s, want 8h", got)
	}
	// Friday 16:00 + 2h: Saturday is worked.
	if diff := cmp.Diff(at(2026, 3, 7, 9, 0), c.Add(at(2026, 3, 6, 16, 0), 2*h)); diff != "" {
		t.Errorf("Add (-want +got):\n%s", diff)
	}
}

func TestNewRejects(t *testing.T) {
	day := func(s string, k workcal.Kind) workcal.Holiday {
		d, err := workcal.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return workcal.Holiday{Date: d, Kind: k, NameVI: "x", NameEN: "x"}
	}
	def := workcal.DefaultHours()
	tests := []struct {
		name     string
		hours    workcal.WorkingHours
		holidays []workcal.Holiday
	}{
		{"no weekday", workcal.WorkingHours{Shifts: def.Shifts}, nil},
		{"bad weekday", workcal.WorkingHours{Weekdays: []time.Weekday{7}, Shifts: def.Shifts}, nil},
		{"no shift", workcal.WorkingHours{Weekdays: def.Weekdays}, nil},
		{"empty shift", workcal.WorkingHours{Weekdays: def.Weekdays, Shifts: []workcal.Shift{{Start: 8 * h, End: 8 * h}}}, nil},
		{"shift past midnight", workcal.WorkingHours{Weekdays: def.Weekdays, Shifts: []workcal.Shift{{Start: 22 * h, End: 25 * h}}}, nil},
		{"overlapping shifts", workcal.WorkingHours{Weekdays: def.Weekdays, Shifts: []workcal.Shift{{Start: 8 * h, End: 12 * h}, {Start: 11 * h, End: 14 * h}}}, nil},
		{"duplicate date", def, []workcal.Holiday{day("2026-01-01", workcal.KindHoliday), day("2026-01-01", workcal.KindCompensatory)}},
		{"unknown kind", def, []workcal.Holiday{day("2026-01-01", "bridge")}},
		{"make-up day on a weekday", def, []workcal.Holiday{day("2026-01-09", workcal.KindMakeUpWorkday)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := workcal.New(tt.hours, tt.holidays); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}
