package publicmap

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/workcal"
)

// Dimension is what statistics are grouped by.
type Dimension string

// The dimensions.
const (
	ByAgency   Dimension = "agency"
	ByCommune  Dimension = "commune"
	ByCategory Dimension = "category"
)

// Dimensions lists them.
var Dimensions = []Dimension{ByAgency, ByCommune, ByCategory}

// MaxStatsDays is the longest range of a statistics query.
const MaxStatsDays = 366

// StatsDayID is the _id of the statistics of one day (YYYY-MM-DD, Vietnam time) by one dimension.
func StatsDayID(day string, d Dimension) string { return day + "|" + string(d) }

// Day is a statistics day document: what each report resolved that day contributed, by code, so a report's
// contribution can be replaced when it changes (the newer version wins) and counting stays idempotent.
// Reports received are counted apart, by day (Store.AddReceived).
type Day struct {
	Entries map[string]StatEntry `json:"e"`
}

// StatEntry is one report's contribution to one day.
type StatEntry struct {
	Key      string  `json:"k"` // the agency, commune or category
	V        int64   `json:"v"`
	Resolved bool    `json:"rs,omitempty"` // resolved that day (false: an entry no longer counted)
	OnTime   bool    `json:"o,omitempty"`
	Hours    float64 `json:"h,omitempty"` // working hours from receipt to resolution
	Rating   int     `json:"r,omitempty"`
}

// StatsRow is one line of the statistics.
type StatsRow struct {
	Key         string
	NameVi      string
	NameEn      string
	Received    int
	Resolved    int
	OnTimeShare *float64 // nil without resolutions
	MedianHours *float64
	AvgRating   *float64 // nil without ratings
}

// StatsRange parses and checks a statistics range: from ≤ to, at most MaxStatsDays days. It returns the
// day strings, or *fault.Invalid naming query.from / query.to.
func StatsRange(from, to time.Time) ([]string, error) {
	inv := &fault.Invalid{}
	days := int(to.Sub(from).Hours()/24) + 1
	switch {
	case to.Before(from):
		inv.Add("query.to", "must not be before from")
	case days > MaxStatsDays:
		inv.Add("query.to", fmt.Sprintf("the range must be at most %d days (it is %d)", MaxStatsDays, days))
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	out := make([]string, 0, days)
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out, nil
}

// aggregate turns day documents and the reports received by key into rows, sorted by key.
func aggregate(days []Day, received map[string]int) []StatsRow {
	type acc struct {
		row                 StatsRow
		onTime, ratings, rn int
		hours               []float64
	}
	by := map[string]*acc{}
	get := func(k string) *acc {
		a := by[k]
		if a == nil {
			a = &acc{row: StatsRow{Key: k}}
			by[k] = a
		}
		return a
	}
	for key, n := range received {
		get(key).row.Received += n
	}
	for _, d := range days {
		for _, e := range d.Entries {
			if !e.Resolved {
				continue
			}
			a := get(e.Key)
			a.row.Resolved++
			if e.OnTime {
				a.onTime++
			}
			a.hours = append(a.hours, e.Hours)
			if e.Rating > 0 {
				a.ratings += e.Rating
				a.rn++
			}
		}
	}
	rows := make([]StatsRow, 0, len(by))
	for _, a := range by {
		r := a.row
		if r.Resolved > 0 {
			share := float64(a.onTime) / float64(r.Resolved)
			r.OnTimeShare = &share
			sort.Float64s(a.hours)
			n := len(a.hours)
			med := a.hours[n/2]
			if n%2 == 0 {
				med = (a.hours[n/2-1] + a.hours[n/2]) / 2
			}
			med = float64(int64(med*10+0.5)) / 10
			r.MedianHours = &med
		}
		if a.rn > 0 {
			avg := float64(int64(float64(a.ratings)/float64(a.rn)*100+0.5)) / 100
			r.AvgRating = &avg
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
	return rows
}

// CSV renders rows with a header row.
func CSV(rows []StatsRow) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"key", "name_vi", "name_en", "received", "resolved", "on_time_share", "median_hours", "avg_rating"})
	opt := func(v *float64, prec int) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', prec, 64)
	}
	for _, r := range rows {
		_ = w.Write([]string{r.Key, r.NameVi, r.NameEn, strconv.Itoa(r.Received), strconv.Itoa(r.Resolved),
			opt(r.OnTimeShare, 3), opt(r.MedianHours, 1), opt(r.AvgRating, 2)})
	}
	w.Flush()
	return b.Bytes()
}

// hoursToResolve is the working time between receipt and resolution, in hours.
func hoursToResolve(cal *workcal.Calendar, received, resolved time.Time) float64 {
	if cal == nil || resolved.IsZero() {
		return 0
	}
	return cal.Between(received, resolved).Hours()
}
