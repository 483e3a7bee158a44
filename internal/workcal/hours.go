package workcal

import (
	"fmt"
	"time"
)

// WorkingHours is the weekly pattern of a working week: which weekdays are worked and the shifts
// of each working day. Holidays and make-up days are exceptions layered on top by New.
type WorkingHours struct {
	Weekdays []time.Weekday
	Shifts   []Shift
}

// Shift is one stretch of work inside a day, as offsets from local midnight: 07:30-11:30 is
// Shift{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute}.
// New requires 0 <= Start < End <= 24h and shifts that do not overlap.
type Shift struct {
	Start, End time.Duration
}

func (s Shift) String() string { return clock(s.Start) + "-" + clock(s.End) }

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// DefaultHours is the schedule of a Vietnamese public office: Monday to Friday, 07:30-11:30 and
// 13:30-17:00, 7h30m a day.
func DefaultHours() WorkingHours {
	return WorkingHours{
		Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		Shifts: []Shift{
			{Start: 7*time.Hour + 30*time.Minute, End: 11*time.Hour + 30*time.Minute},
			{Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour},
		},
	}
}
