// Package holidays keeps the days off and make-up working days that administrators edit (Vietnam's public
// holidays, Tết's lunar dates, compensatory and swapped days), stored per year, and the working-time
// calendar built from them, live on every replica.
//
// It follows the catalogue's pattern (package routing): every replica holds a snapshot built from the
// database; a change made through one replica rebuilds that replica's snapshot at once, and the others
// notice it on their next poll (the year documents are a handful, read whole) and rebuild theirs.
package holidays

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/workcal"
)

// Year is one year's listed days and the number of changes made to it (0 before the first).
type Year struct {
	Year    int
	Days    []workcal.Holiday // in date order
	Version int64
}

// Store keeps the years.
type Store interface {
	// HolidayYears returns every stored year.
	HolidayYears(ctx context.Context) ([]Year, error)
	// HolidayYear returns one year; fault.ErrNotFound when none is stored.
	HolidayYear(ctx context.Context, year int) (Year, error)
	// SaveHolidayYear stores y as version y.Version, over version y.Version-1 (none stored for 1); false
	// when someone else made that move first.
	SaveHolidayYear(ctx context.Context, y Year, now time.Time) (bool, error)
	// SeedHolidayYears stores the years that are not stored yet, leaving the others alone.
	SeedHolidayYears(ctx context.Context, years []Year) error
}

// Limits of an entry.
const (
	MaxName      = 200
	MaxDaysAYear = 60
)

// Entry is a day as an administrator sends it, before it is checked.
type Entry struct {
	Date, Kind, NameVI, NameEN string
}

type snapshot struct {
	versions map[int]int64
	cal      *workcal.Calendar
}

// Service serves the years and the calendar in force. Safe for concurrent use.
type Service struct {
	store Store
	hours workcal.WorkingHours
	log   *slog.Logger
	now   func() time.Time
	cur   atomic.Pointer[snapshot]
}

// New seeds the years of the embedded files that are not stored yet, then loads the calendar. It fails when
// the store does not answer or holds days the calendar refuses.
func New(ctx context.Context, store Store, hours workcal.WorkingHours, log *slog.Logger) (*Service, error) {
	builtin, err := workcal.BuiltinHolidays()
	if err != nil {
		return nil, err
	}
	var seed []Year
	for _, h := range builtin {
		if len(seed) == 0 || seed[len(seed)-1].Year != h.Date.Year {
			seed = append(seed, Year{Year: h.Date.Year, Version: 1})
		}
		seed[len(seed)-1].Days = append(seed[len(seed)-1].Days, h)
	}
	if err := store.SeedHolidayYears(ctx, seed); err != nil {
		return nil, err
	}
	s := &Service{store: store, hours: hours, log: log, now: time.Now}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Calendar returns the calendar in force.
func (s *Service) Calendar() *workcal.Calendar { return s.cur.Load().cal }

// Reload rebuilds the calendar from the store.
func (s *Service) Reload(ctx context.Context) error {
	years, err := s.store.HolidayYears(ctx)
	if err != nil {
		return err
	}
	snap, err := s.build(years)
	if err != nil {
		return err
	}
	s.cur.Store(snap)
	return nil
}

func (s *Service) build(years []Year) (*snapshot, error) {
	snap := &snapshot{versions: map[int]int64{}}
	var all []workcal.Holiday
	for _, y := range years {
		snap.versions[y.Year] = y.Version
		all = append(all, y.Days...)
	}
	cal, err := workcal.New(s.hours, all)
	if err != nil {
		return nil, fmt.Errorf("stored holidays: %w", err)
	}
	snap.cal = cal
	return snap, nil
}

// Refresh reads the years' versions and rebuilds the calendar when another replica changed one (the
// service runs it every few seconds). A failed read keeps the calendar in force.
func (s *Service) Refresh(ctx context.Context) {
	years, err := s.store.HolidayYears(ctx)
	if err != nil {
		return
	}
	versions := map[int]int64{}
	for _, y := range years {
		versions[y.Year] = y.Version
	}
	if maps.Equal(versions, s.cur.Load().versions) {
		return
	}
	snap, err := s.build(years)
	if err != nil {
		s.log.WarnContext(ctx, "holiday reload failed", "error", err.Error())
		return
	}
	s.cur.Store(snap)
}

// Year returns a year's days; a year nobody entered has none, at version 0.
func (s *Service) Year(ctx context.Context, year int) (Year, error) {
	y, err := s.store.HolidayYear(ctx, year)
	if errors.Is(err, fault.ErrNotFound) {
		return Year{Year: year, Days: []workcal.Holiday{}}, nil
	}
	return y, err
}

// Replace makes entries the year's days, when the year is still at version (what the caller read). It
// returns *fault.Invalid naming every bad field (body.days.<i>.date, .kind, .name_vi, .name_en),
// fault.ErrPrecondition when the year changed since, and storage errors.
func (s *Service) Replace(ctx context.Context, year int, version int64, entries []Entry) (Year, error) {
	days, err := s.parse(year, entries, func(i int, f string) string { return fmt.Sprintf("body.days.%d.%s", i, f) })
	if err != nil {
		return Year{}, err
	}
	cur, err := s.at(ctx, year, version)
	if err != nil {
		return Year{}, err
	}
	return s.save(ctx, cur, days)
}

// PutDay adds the day, or replaces the one listed on its date; errors as Replace (path.date, body.kind,
// body.name_vi, body.name_en).
func (s *Service) PutDay(ctx context.Context, year int, version int64, e Entry) (Year, error) {
	field := func(_ int, f string) string {
		if f == "date" {
			return "path.date"
		}
		return "body." + f
	}
	parsed, err := s.parse(year, []Entry{e}, field)
	if err != nil {
		return Year{}, err
	}
	cur, err := s.at(ctx, year, version)
	if err != nil {
		return Year{}, err
	}
	days := slices.DeleteFunc(slices.Clone(cur.Days), func(h workcal.Holiday) bool { return h.Date == parsed[0].Date })
	return s.save(ctx, cur, append(days, parsed[0]))
}

// DeleteDay removes the day listed on date; fault.ErrNotFound when none is, other errors as Replace.
func (s *Service) DeleteDay(ctx context.Context, year int, version int64, date string) (Year, error) {
	d, err := workcal.ParseDate(date)
	if err != nil || d.Year != year {
		return Year{}, invalid("path.date", fmt.Sprintf("must be a date YYYY-MM-DD in %d", year))
	}
	cur, err := s.at(ctx, year, version)
	if err != nil {
		return Year{}, err
	}
	days := slices.DeleteFunc(slices.Clone(cur.Days), func(h workcal.Holiday) bool { return h.Date == d })
	if len(days) == len(cur.Days) {
		return Year{}, fault.New(fault.ErrNotFound, fmt.Sprintf("%s is not listed in %d", d, year))
	}
	return s.save(ctx, cur, days)
}

// at returns the year as stored, if it is still at version.
func (s *Service) at(ctx context.Context, year int, version int64) (Year, error) {
	cur, err := s.Year(ctx, year)
	if err != nil {
		return Year{}, err
	}
	if cur.Version != version {
		return Year{}, stale(year, cur.Version)
	}
	return cur, nil
}

func stale(year int, now int64) error {
	return fault.New(fault.ErrPrecondition, fmt.Sprintf(`the holidays of %d changed since you read them (they are now at "v%d"); reload and try again`, year, now))
}

// save stores days as the next version of cur and rebuilds this replica's calendar at once.
func (s *Service) save(ctx context.Context, cur Year, days []workcal.Holiday) (Year, error) {
	slices.SortFunc(days, func(a, b workcal.Holiday) int { return strings.Compare(a.Date.String(), b.Date.String()) })
	next := Year{Year: cur.Year, Days: days, Version: cur.Version + 1}
	// The whole calendar must still build (it is what deadlines will use).
	years, err := s.store.HolidayYears(ctx)
	if err != nil {
		return Year{}, err
	}
	years = slices.DeleteFunc(years, func(y Year) bool { return y.Year == cur.Year })
	if _, err := s.build(append(years, next)); err != nil {
		return Year{}, invalid("body", err.Error())
	}
	ok, err := s.store.SaveHolidayYear(ctx, next, s.now())
	if err != nil {
		return Year{}, err
	}
	if !ok {
		latest, err := s.Year(ctx, cur.Year)
		if err != nil {
			return Year{}, err
		}
		return Year{}, stale(cur.Year, latest.Version)
	}
	if err := s.Reload(ctx); err != nil {
		// Stored: the next poll applies it.
		s.log.WarnContext(ctx, "holiday reload failed", "error", err.Error())
	}
	return next, nil
}

// parse checks entries for a year, naming bad fields with field(i, "date"|"kind"|"name_vi"|"name_en").
func (s *Service) parse(year int, entries []Entry, field func(i int, f string) string) ([]workcal.Holiday, error) {
	inv := &fault.Invalid{}
	if len(entries) > MaxDaysAYear {
		inv.Add("body.days", fmt.Sprintf("at most %d days a year", MaxDaysAYear))
		return nil, inv
	}
	weekly := map[time.Weekday]bool{}
	for _, wd := range s.hours.Weekdays {
		weekly[wd] = true
	}
	seen := map[workcal.Date]int{}
	out := make([]workcal.Holiday, 0, len(entries))
	for i, e := range entries {
		h := workcal.Holiday{NameVI: strings.TrimSpace(e.NameVI), NameEN: strings.TrimSpace(e.NameEN)}
		d, err := workcal.ParseDate(strings.TrimSpace(e.Date))
		switch first, dup := seen[d]; {
		case err != nil:
			inv.Add(field(i, "date"), "must be a date YYYY-MM-DD")
		case d.Year != year:
			inv.Add(field(i, "date"), fmt.Sprintf("%s is not in %d", d, year))
		case dup:
			inv.Add(field(i, "date"), fmt.Sprintf("%s is listed twice (also day %d)", d, first))
		default:
			seen[d] = i
		}
		h.Date = d
		k, err := workcal.ParseKind(e.Kind)
		switch {
		case err != nil:
			inv.Add(field(i, "kind"), "must be one of holiday, compensatory, swapped_day_off, make_up_workday")
		case k == workcal.KindMakeUpWorkday && d.Year == year && weekly[d.Weekday()]:
			inv.Add(field(i, "kind"), fmt.Sprintf("a make-up working day must fall on a rest day; %s is a %s", d, d.Weekday()))
		}
		h.Kind = k
		for _, n := range []struct{ f, v string }{{"name_vi", h.NameVI}, {"name_en", h.NameEN}} {
			switch c := utf8.RuneCountInString(n.v); {
			case !utf8.ValidString(n.v):
				inv.Add(field(i, n.f), "must be valid UTF-8 text")
			case c == 0:
				inv.Add(field(i, n.f), "is required")
			case c > MaxName:
				inv.Add(field(i, n.f), fmt.Sprintf("must be at most %d characters", MaxName))
			}
		}
		out = append(out, h)
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func invalid(field, msg string) error {
	inv := &fault.Invalid{}
	inv.Add(field, msg)
	return inv
}
