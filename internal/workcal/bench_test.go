package workcal_test

import (
	"testing"

	"github.com/quangninh/feedback/internal/workcal"
)

// A complex ticket received just before Tết 2026: 15 working days across the 9-day break.
func BenchmarkAdd15Days(b *testing.B) {
	c := MustDefault(b)
	start := at(2026, 2, 12, 16, 0)
	d := 15 * c.DayLength()
	for b.Loop() {
		c.Add(start, d)
	}
}

func BenchmarkBetweenOneMonth(b *testing.B) {
	c := MustDefault(b)
	from, to := at(2026, 4, 15, 9, 17), at(2026, 5, 15, 15, 42)
	for b.Loop() {
		c.Between(from, to)
	}
}

func BenchmarkDeadlineWithPause(b *testing.B) {
	c := MustDefault(b)
	start := at(2026, 3, 2, 8, 0)
	pauses := []workcal.Interval{{Start: at(2026, 3, 3, 10, 0), End: at(2026, 3, 5, 9, 0)}}
	budget := 5 * c.DayLength()
	for b.Loop() {
		c.Deadline(start, budget, pauses)
	}
}
