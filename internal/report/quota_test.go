package report

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
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

// TestReportQuotas: the day's quota refuses with the time left in the day, and a refusal gives back the
// hour's slot it took.
func TestReportQuotas(t *testing.T) {
	counters := memCounters{}
	q := Quotas{Counters: counters, ReportsPerHour: 5, ReportsPerDay: 2}
	p := auth.Principal{UserID: "r1", Role: auth.RoleResident}
	now := time.Date(2026, 12, 2, 22, 0, 0, 0, time.UTC)
	for range 2 {
		if _, err := q.take(context.Background(), now, q.reportWindows(p)...); err != nil {
			t.Fatal(err)
		}
	}
	_, err := q.take(context.Background(), now, q.reportWindows(p)...)
	var ra interface{ RetryAfter() time.Duration }
	if !errors.Is(err, fault.ErrRateLimited) || !errors.As(err, &ra) || ra.RetryAfter() != 2*time.Hour {
		t.Fatalf("third report of the day: %v, want a refusal for 2h", err)
	}
	if n := counters["quota-reports-hour:r1:20261202T2200"]; n != 2 {
		t.Errorf("the hour counts %d reports after the refusal, want 2", n)
	}
	if _, err := q.take(context.Background(), now.Add(2*time.Hour), q.reportWindows(p)...); err != nil {
		t.Errorf("the next day: %v", err)
	}
}
