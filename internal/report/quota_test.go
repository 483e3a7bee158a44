package report

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/fault"
)

// memCounters are Counters in memory.
type memCounters map[string]int

func (m memCounters) Take(_ context.Context, key string, limit int, _ time.Time) (int, error) {
	if m[key] >= limit {
		return 0, nil
	}
	m[key]++
	return m[key], nil
}

func (m memCounters) GiveBack(_ context.Context, key string, _ int) error {
	m[key]--
	return nil
}

func (m memCounters) TakeHourOfDay(_ context.Context, key string, hour time.Time, hourLimit, dayLimit int, _ time.Time) (string, error) {
	h := key + "@" + hour.Format("15")
	switch {
	case dayLimit > 0 && m[key] >= dayLimit:
		return WindowDay, nil
	case hourLimit > 0 && m[h] >= hourLimit:
		return WindowHour, nil
	}
	m[key]++
	m[h]++
	return "", nil
}

func (m memCounters) GiveBackHourOfDay(_ context.Context, key string, hour time.Time) error {
	m[key]--
	m[key+"@"+hour.Format("15")]--
	return nil
}

// TestReportQuotas: the day's quota refuses with the time left in the day, the hour's with the time left
// in the hour, and a report given back counts no more.
func TestReportQuotas(t *testing.T) {
	ctx := context.Background()
	counters := memCounters{}
	q := Quotas{Counters: counters, ReportsPerHour: 2, ReportsPerDay: 3}
	now := time.Date(2026, 12, 2, 21, 30, 0, 0, time.UTC)
	refusedFor := func(at time.Time, want time.Duration) {
		t.Helper()
		_, err := q.takeReport(ctx, at, "r1")
		var ra interface{ RetryAfter() time.Duration }
		if !errors.Is(err, fault.ErrRateLimited) || !errors.As(err, &ra) || ra.RetryAfter() != want {
			t.Fatalf("at %s: %v, want a refusal for %s", at.Format("15:04"), err, want)
		}
	}
	for range 2 {
		if _, err := q.takeReport(ctx, now, "r1"); err != nil {
			t.Fatal(err)
		}
	}
	refusedFor(now, 30*time.Minute)
	got, err := q.takeReport(ctx, now.Add(time.Hour), "r1")
	if err != nil {
		t.Fatalf("the next hour: %v", err)
	}
	refusedFor(now.Add(time.Hour), 90*time.Minute) // the day's third
	q.giveBack(ctx, got)
	if _, err := q.takeReport(ctx, now.Add(time.Hour), "r1"); err != nil {
		t.Errorf("after a report given back: %v", err)
	}
	if _, err := q.takeReport(ctx, now.Add(3*time.Hour), "r1"); err != nil {
		t.Errorf("the next day: %v", err)
	}
}
