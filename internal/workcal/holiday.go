package workcal

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar day in Vietnam, without a time or a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "2006-01-02". It returns an error for any other layout or an impossible date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return dateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Kind says how a listed date departs from the weekly pattern.
type Kind string

const (
	// KindHoliday is a public holiday of Labour Code 2019 art. 112 (paid day off). One that falls
	// on a weekend is still listed, for the record, next to its compensatory day.
	KindHoliday Kind = "holiday"
	// KindCompensatory is a working day given off because a holiday fell on the weekly rest day
	// (art. 111(3)).
	KindCompensatory Kind = "compensatory"
	// KindSwappedDayOff is a working day given off in exchange for a make-up working day, by a
	// decision of the Prime Minister (art. 112(3)).
	KindSwappedDayOff Kind = "swapped_day_off"
	// KindMakeUpWorkday is a rest day (usually a Saturday) worked in exchange for a swapped day off.
	KindMakeUpWorkday Kind = "make_up_workday"
)

// ParseKind returns the kind named s, or an error if s names none.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); k.valid() {
		return k, nil
	}
	return "", fmt.Errorf("workcal: unknown kind %q", s)
}

func (k Kind) valid() bool {
	switch k {
	case KindHoliday, KindCompensatory, KindSwappedDayOff, KindMakeUpWorkday:
		return true
	}
	return false
}

// Holiday is one listed date: a day off, or a make-up working day.
type Holiday struct {
	Date   Date
	Kind   Kind
	NameVI string
	NameEN string
}

// holidayFile is the JSON layout of holidays/<year>.json; it stays here, apart from Holiday.
type holidayFile struct {
	Year int `json:"year"`
	Days []struct {
		Date string `json:"date"`
		Kind string `json:"kind"`
		Name struct {
			VI string `json:"vi"`
			EN string `json:"en"`
		} `json:"name"`
	} `json:"days"`
}

// ParseHolidays reads one year's holiday file. It returns an error, naming every problem found,
// if the JSON is malformed or has unknown fields, the year is missing, a date is not YYYY-MM-DD,
// lies outside the file's year or is listed twice, a kind is unknown, or a name is empty.
func ParseHolidays(data []byte) ([]Holiday, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f holidayFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("workcal: holiday file: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("workcal: holiday file: data after the JSON object")
	}
	if f.Year < 1 {
		return nil, errors.New("workcal: holiday file: missing year")
	}
	if len(f.Days) == 0 {
		return nil, fmt.Errorf("workcal: holiday file %d: no days", f.Year)
	}
	var errs []error
	seen := make(map[Date]bool, len(f.Days))
	out := make([]Holiday, 0, len(f.Days))
	for i, d := range f.Days {
		date, err := ParseDate(d.Date)
		if err != nil {
			errs = append(errs, fmt.Errorf("day %d: %w", i, err))
			continue
		}
		h := Holiday{Date: date, Kind: Kind(d.Kind), NameVI: strings.TrimSpace(d.Name.VI), NameEN: strings.TrimSpace(d.Name.EN)}
		switch {
		case date.Year != f.Year:
			errs = append(errs, fmt.Errorf("%s: not in %d", date, f.Year))
		case seen[date]:
			errs = append(errs, fmt.Errorf("%s: listed twice", date))
		case !h.Kind.valid():
			errs = append(errs, fmt.Errorf("%s: unknown kind %q", date, d.Kind))
		case h.NameVI == "" || h.NameEN == "":
			errs = append(errs, fmt.Errorf("%s: needs a name in vi and en", date))
		}
		seen[date] = true
		out = append(out, h)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("workcal: holiday file %d: %w", f.Year, err)
	}
	return out, nil
}

//go:embed holidays/*.json
var holidayFiles embed.FS

// BuiltinHolidays returns the holidays of every embedded year file, oldest first. It returns an
// error if a file is invalid (see ParseHolidays) or its name is not the year it holds.
func BuiltinHolidays() ([]Holiday, error) {
	entries, err := holidayFiles.ReadDir("holidays")
	if err != nil {
		return nil, fmt.Errorf("workcal: %w", err)
	}
	var all []Holiday
	for _, e := range entries { // ReadDir sorts by name, so by year
		if path.Ext(e.Name()) != ".json" {
			continue
		}
		data, err := holidayFiles.ReadFile("holidays/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("workcal: %w", err)
		}
		hs, err := ParseHolidays(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if want := strings.TrimSuffix(e.Name(), ".json"); want != strconv.Itoa(hs[0].Date.Year) {
			return nil, fmt.Errorf("workcal: %s holds year %d", e.Name(), hs[0].Date.Year)
		}
		all = append(all, hs...)
	}
	return all, nil
}
