// Package workcal is the working-time calendar behind ticket deadlines: it counts only the hours a
// public office in Quảng Ninh is open (Asia/Ho_Chi_Minh), skipping weekends and Vietnam's public
// holidays, and it stops the clock while a ticket waits for the resident.
//
// The calendar is built from data (working hours and a list of holidays) so that administrators can
// edit the holidays later; Default builds it from the files embedded under holidays/.
package workcal

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Calendar answers working-time questions. It is immutable and safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	weekdays [7]bool
	shifts   []Shift // sorted, non-overlapping
	dayLen   time.Duration
	days     map[Date]Kind // exceptions to the weekly pattern
}

// New builds a calendar from working hours and the holiday list.
// It returns an error if the hours are invalid (see WorkingHours), if two entries share a date,
// if an entry has an unknown kind, or if a make-up working day falls on a day that is already
// a working weekday (it would change nothing, so it is almost certainly a typo).
func New(hours WorkingHours, holidays []Holiday) (*Calendar, error) {
	c := &Calendar{loc: Location(), days: make(map[Date]Kind, len(holidays))}
	if err := c.setHours(hours); err != nil {
		return nil, err
	}
	var errs []error
	for _, h := range holidays {
		if !h.Kind.valid() {
			errs = append(errs, fmt.Errorf("%s: unknown kind %q", h.Date, h.Kind))
			continue
		}
		if _, dup := c.days[h.Date]; dup {
			errs = append(errs, fmt.Errorf("%s: listed twice", h.Date))
			continue
		}
		if h.Kind == KindMakeUpWorkday && c.weekdays[h.Date.Weekday()] {
			errs = append(errs, fmt.Errorf("%s: make-up working day falls on a working %s", h.Date, h.Date.Weekday()))
			continue
		}
		c.days[h.Date] = h.Kind
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("workcal: holidays: %w", err)
	}
	return c, nil
}

// Default builds the calendar of a Vietnamese public office: DefaultHours and the embedded holiday
// files. It returns an error only if an embedded file is invalid, which the tests rule out.
func Default() (*Calendar, error) {
	hs, err := BuiltinHolidays()
	if err != nil {
		return nil, err
	}
	return New(DefaultHours(), hs)
}

func (c *Calendar) setHours(h WorkingHours) error {
	if len(h.Weekdays) == 0 {
		return errors.New("workcal: working hours: no working weekday")
	}
	for _, wd := range h.Weekdays {
		if wd < time.Sunday || wd > time.Saturday {
			return fmt.Errorf("workcal: working hours: invalid weekday %d", wd)
		}
		c.weekdays[wd] = true
	}
	if len(h.Shifts) == 0 {
		return errors.New("workcal: working hours: no shift")
	}
	c.shifts = slices.Clone(h.Shifts)
	slices.SortFunc(c.shifts, func(a, b Shift) int { return cmp.Compare(a.Start, b.Start) })
	for i, s := range c.shifts {
		if s.Start < 0 || s.End > 24*time.Hour || s.Start >= s.End {
			return fmt.Errorf("workcal: working hours: shift %s is not a non-empty part of one day", s)
		}
		if i > 0 && s.Start < c.shifts[i-1].End {
			return fmt.Errorf("workcal: working hours: shifts %s and %s overlap", c.shifts[i-1], s)
		}
		c.dayLen += s.End - s.Start
	}
	return nil
}

// IsWorkingWeekday reports whether the weekly pattern works on wd (before holidays and make-up days).
func (c *Calendar) IsWorkingWeekday(wd time.Weekday) bool { return c.weekdays[wd] }

// DayLength is the working time in one working day (7h30m with DefaultHours).
func (c *Calendar) DayLength() time.Duration { return c.dayLen }

// IsWorkingDay reports whether the calendar day of t, in Vietnam, has working hours.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.working(dateOf(t.In(c.loc)))
}

func (c *Calendar) working(d Date) bool {
	switch c.days[d] {
	case KindMakeUpWorkday:
		return true
	case KindHoliday, KindCompensatory, KindSwappedDayOff:
		return false
	}
	return c.weekdays[d.Weekday()]
}

// Add returns the instant at which d of working time has elapsed after start. A start outside
// working time counts from the next working moment. When the time runs out exactly at the end of a
// shift, the result is that end (11:30, 17:00), not the start of the next shift. For d <= 0 it
// returns start unchanged. The result is in the calendar's location.
//
// Add walks day by day and shift by shift, so its cost grows with the number of calendar days
// covered, never with d's resolution.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	t := start.In(c.loc)
	midnight := startOfDay(t)
	for {
		if c.working(dateOf(midnight)) {
			for _, s := range c.shifts {
				from, end := midnight.Add(s.Start), midnight.Add(s.End)
				if !end.After(t) {
					continue
				}
				if from.Before(t) {
					from = t
				}
				if avail := end.Sub(from); d > avail {
					d -= avail
					continue
				}
				return from.Add(d)
			}
		}
		midnight = nextDay(midnight)
	}
}

// AddDays returns Add(start, n × DayLength): n working days counted in working time, so a ticket
// received on Thursday at 16:00 with one day is due on Friday at 16:00.
func (c *Calendar) AddDays(start time.Time, n int) time.Time {
	return c.Add(start, time.Duration(n)*c.dayLen)
}

// Between returns the working time between two instants. It is symmetric: the order of a and b
// does not matter, and the result is never negative.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if b.Before(a) {
		a, b = b, a
	}
	a, b = a.In(c.loc), b.In(c.loc)
	var total time.Duration
	for midnight := startOfDay(a); midnight.Before(b); midnight = nextDay(midnight) {
		if !c.working(dateOf(midnight)) {
			continue
		}
		for _, s := range c.shifts {
			from, end := midnight.Add(s.Start), midnight.Add(s.End)
			if from.Before(a) {
				from = a
			}
			if end.After(b) {
				end = b
			}
			if end.After(from) {
				total += end.Sub(from)
			}
		}
	}
	return total
}

// Interval is a span of time [Start, End). A zero End means the interval is still open.
type Interval struct {
	Start, End time.Time
}

// Open reports whether the interval has not ended yet.
func (i Interval) Open() bool { return i.End.IsZero() }

// Deadline returns the instant at which budget of working time has elapsed after start, not
// counting the working time inside pauses (the ticket is waiting for the resident's answer).
// Pauses may be given in any order and may overlap or begin before start; a closed pause whose End
// is before its Start counts as empty.
//
// If the budget is still running when an open pause begins, the deadline cannot be known yet and
// Deadline returns the zero time and false. An open pause that begins after the budget has run out
// changes nothing.
func (c *Calendar) Deadline(start time.Time, budget time.Duration, pauses []Interval) (time.Time, bool) {
	ps := slices.Clone(pauses)
	slices.SortFunc(ps, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	cur, left := start, budget
	for _, p := range ps {
		if !p.Start.Before(cur) {
			before := c.Between(cur, p.Start)
			if left <= before {
				break
			}
			left -= before
		}
		if p.Open() {
			return time.Time{}, false
		}
		if p.End.After(cur) {
			cur = p.End
		}
	}
	return c.Add(cur, left), true
}

func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// nextDay uses time.Date rather than Add(24h) so that it stays on midnight whatever the zone does;
// shifts are then placed with Add, which is exact in Vietnam (no daylight saving since 1975).
func nextDay(midnight time.Time) time.Time {
	y, m, d := midnight.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, midnight.Location())
}
