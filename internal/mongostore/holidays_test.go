package mongostore

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/holidays"
	"github.com/quangninh/feedback/internal/testenv"
	"github.com/quangninh/feedback/internal/workcal"
)

// TestHolidayYearChangesOneWinner: seeding is idempotent and leaves edited years alone, and of twelve
// admins saving the same version of a year at once exactly one wins (FerretDB 1.24 would let every
// compare-and-swap update win; the version claim decides).
func TestHolidayYearChangesOneWinner(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	day := func(date string) workcal.Holiday {
		d, _ := workcal.ParseDate(date)
		return workcal.Holiday{Date: d, Kind: workcal.KindHoliday, NameVI: "Ngày " + date, NameEN: "Day " + date}
	}
	seed := []holidays.Year{{Year: 2026, Version: 1, Days: []workcal.Holiday{day("2026-01-01")}}}
	if err := s.SeedHolidayYears(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			ok, err := s.SaveHolidayYear(ctx, holidays.Year{Year: 2026, Version: 2, Days: []workcal.Holiday{day("2026-01-01"), day("2026-11-24")}}, time.Now())
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d saves of version 2 won, want 1", wins.Load())
	}
	if err := s.SeedHolidayYears(ctx, seed); err != nil { // a restart
		t.Fatal(err)
	}
	y, err := s.HolidayYear(ctx, 2026)
	if err != nil || y.Version != 2 || len(y.Days) != 2 || y.Days[1].Date.String() != "2026-11-24" {
		t.Errorf("stored: %+v %v", y, err)
	}
	if ok, err := s.SaveHolidayYear(ctx, holidays.Year{Year: 2026, Version: 2}, time.Now()); ok || err != nil {
		t.Errorf("a stale save: ok=%v err=%v", ok, err)
	}
}
