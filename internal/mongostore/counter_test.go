package mongostore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/report"
)

// TestHourOfDayCounter: 20 residents' reports racing on one day's counter count exactly up to the limits,
// a full hour refuses as the hour and a full day as the day, and a report given back frees its place.
func TestHourOfDayCounter(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	day := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	h9, h10 := day.Add(9*time.Hour), day.Add(10*time.Hour)
	take := func(hour time.Time) string {
		t.Helper()
		refused, err := s.TakeHourOfDay(ctx, "q:r1:20261202", hour, 5, 8, day.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return refused
	}
	var counted atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if take(h9) == "" {
				counted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := counted.Load(); n != 5 {
		t.Fatalf("20 racing takes in one hour counted %d, want the hour's limit 5", n)
	}
	if got := take(h9); got != report.WindowHour {
		t.Errorf("a sixth in the hour: refused %q, want %q", got, report.WindowHour)
	}
	for i := range 3 {
		if got := take(h10); got != "" {
			t.Fatalf("take %d of the next hour refused by %q", i, got)
		}
	}
	if got := take(h10); got != report.WindowDay {
		t.Errorf("the day's ninth: refused %q, want %q", got, report.WindowDay)
	}
	if err := s.GiveBackHourOfDay(ctx, "q:r1:20261202", h10); err != nil {
		t.Fatal(err)
	}
	if got := take(h10); got != "" {
		t.Errorf("after one given back: refused %q", got)
	}
	if got, err := s.TakeHourOfDay(ctx, "q:r1:20261202", h10, 0, 0, day.Add(24*time.Hour)); err != nil || got != "" {
		t.Errorf("without limits: %q, %v", got, err)
	}
}
