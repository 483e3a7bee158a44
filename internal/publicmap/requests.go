package publicmap

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/quangninh/feedback/internal/workcal"
)

// RequestDays holds the public reports by the day they were received (Vietnam time), for listings by
// date (Open311 GET requests): _id "YYYY-MM-DD" holds the public views of the day's public reports,
// "YYYY-MM-DD|<category>" those of one category. A listing reads a few of these by _id and nothing else.
const RequestDays Collection = "public_request_days"

// requestDaysID is the Meta document that says the day indexes were built (Upgrade builds them once).
const requestDaysID = "request_days"

// requestDayID is the _id of a day's index, of one category or ("") of all.
func requestDayID(day, category string) string {
	if category == "" {
		return day
	}
	return day + "|" + category
}

// requestDay is one day's list: each report's receipt time, version and public view by code. Gone marks
// a report no longer public (kept, so that a late older change does not bring it back).
type requestDay struct {
	Entries map[string]dayEntry `json:"e"`
}

type dayEntry struct {
	T    int64         `json:"t"` // received, Unix seconds
	V    int64         `json:"v"`
	Gone bool          `json:"g,omitempty"`
	View *PublicReport `json:"r,omitempty"` // nil when gone
}

// addRequestDays lists the index entries rec needs, and tombstones where old was listed and rec is not.
func addRequestDays(out map[string]map[string]dayEntry, code string, rec record, old *record) {
	put := func(id string, e dayEntry) {
		if out[id] == nil {
			out[id] = map[string]dayEntry{}
		}
		out[id][code] = e
	}
	want := map[string]bool{}
	if rec.View != nil {
		e := dayEntry{T: rec.View.ReceivedAt.Unix(), V: rec.V, View: rec.View}
		for _, id := range []string{requestDayID(rec.RecvDay, ""), requestDayID(rec.RecvDay, rec.Keys[ByCategory])} {
			want[id] = true
			put(id, e)
		}
	}
	if old != nil && old.View != nil {
		for _, id := range []string{requestDayID(old.RecvDay, ""), requestDayID(old.RecvDay, old.Keys[ByCategory])} {
			if !want[id] {
				put(id, dayEntry{T: old.View.ReceivedAt.Unix(), V: rec.V, Gone: true})
			}
		}
	}
}

func (s *Service) updateRequestDays(ctx context.Context, entries map[string]map[string]dayEntry) error {
	for id, byCode := range entries {
		err := s.Store.UpdateDoc(ctx, RequestDays, id, func(raw []byte) ([]byte, error) {
			d := requestDay{}
			if raw != nil {
				if err := json.Unmarshal(raw, &d); err != nil {
					return nil, fmt.Errorf("decode request day %s: %w", id, err)
				}
			}
			if d.Entries == nil {
				d.Entries = map[string]dayEntry{}
			}
			changed := false
			for code, e := range byCode {
				if cur, ok := d.Entries[code]; ok && (cur.V > e.V || cur.V == e.V && cur.Gone == e.Gone) {
					continue
				}
				d.Entries[code] = e
				changed = true
			}
			if !changed {
				return nil, nil
			}
			return json.Marshal(d)
		})
		if err != nil {
			return fmt.Errorf("update request day %s: %w", id, err)
		}
	}
	return nil
}

// RequestQuery selects public reports by the time they were received.
type RequestQuery struct {
	From, To   time.Time // inclusive
	Categories []string  // none for every category
	Limit      int
}

// daysPerRead is how many day indexes a listing reads at once, newest first.
const daysPerRead = 8

// Requests returns the public views of the reports received from q.From to q.To, newest first, at most
// q.Limit. It reads the day lists newest first, daysPerRead at a time, until it has q.Limit reports: a
// category's own lists for one category, every category's (filtered) for several. It returns
// fault.ErrUnavailable when the database does not answer.
func (s *Service) Requests(ctx context.Context, q RequestQuery) ([]PublicReport, error) {
	var hits []dayEntry
	from, to := q.From.Unix(), q.To.Unix()
	listed, wanted := "", func(string) bool { return true }
	switch len(q.Categories) {
	case 0:
	case 1:
		listed = q.Categories[0]
	default:
		wanted = func(c string) bool { return slices.Contains(q.Categories, c) }
	}
	firstDay := dayString(q.From)
	day := q.To.In(workcal.Location())
	for done := false; !done && len(hits) < q.Limit; {
		var ids []string
		for range daysPerRead {
			d := day.Format(time.DateOnly)
			if d < firstDay {
				done = true
				break
			}
			ids = append(ids, requestDayID(d, listed))
			day = day.AddDate(0, 0, -1)
		}
		if len(ids) == 0 {
			break
		}
		docs, err := s.Store.Docs(ctx, RequestDays, ids)
		if err != nil {
			return nil, fmt.Errorf("read request days %s to %s: %w", ids[len(ids)-1], ids[0], err)
		}
		for id, raw := range docs {
			var d requestDay
			if err := json.Unmarshal(raw, &d); err != nil {
				return nil, fmt.Errorf("decode request day %s: %w", id, err)
			}
			for _, e := range d.Entries {
				if !e.Gone && e.View != nil && e.T >= from && e.T <= to && wanted(e.View.Category) {
					hits = append(hits, e)
				}
			}
		}
	}
	slices.SortFunc(hits, func(a, b dayEntry) int { return cmp.Or(cmp.Compare(b.T, a.T), cmp.Compare(b.View.Code, a.View.Code)) })
	out := make([]PublicReport, 0, min(len(hits), q.Limit))
	for _, h := range hits[:min(len(hits), q.Limit)] {
		out = append(out, *h.View)
	}
	return out, nil
}

// Reports returns the public views of the reports with these codes that are public, in the order given.
// It returns fault.ErrUnavailable when the database does not answer.
func (s *Service) Reports(ctx context.Context, codes []string) ([]PublicReport, error) {
	out := []PublicReport{}
	if len(codes) == 0 {
		return out, nil
	}
	docs, err := s.Store.Docs(ctx, Records, codes)
	if err != nil {
		return nil, fmt.Errorf("read %d records: %w", len(codes), err)
	}
	for _, code := range codes {
		raw, ok := docs[code]
		if !ok {
			continue
		}
		var rec record
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, fmt.Errorf("decode record %s: %w", code, err)
		}
		if rec.Public && rec.View != nil {
			out = append(out, *rec.View)
		}
	}
	return out, nil
}

// listRequestDays notes, for Rebuild, the day lists a publication record belongs in (codes only: the
// views are read again day by day, so a rebuild never holds every view at once).
func listRequestDays(days map[string][]string, code string, rec record) {
	if rec.View == nil {
		return
	}
	for _, id := range []string{requestDayID(rec.RecvDay, ""), requestDayID(rec.RecvDay, rec.Keys[ByCategory])} {
		days[id] = append(days[id], code)
	}
}

// writeRequestDays replaces the day lists with days (list ID → codes), reading each day's records again,
// and deletes the lists no longer needed (Rebuild).
func (s *Service) writeRequestDays(ctx context.Context, days map[string][]string) error {
	keep := make(map[string]bool, len(days))
	for id, codes := range days {
		d := requestDay{Entries: make(map[string]dayEntry, len(codes))}
		for chunk := range slices.Chunk(codes, scanBatch) {
			docs, err := s.Store.Docs(ctx, Records, chunk)
			if err != nil {
				return fmt.Errorf("read records of request day %s: %w", id, err)
			}
			for code, raw := range docs {
				var rec record
				if err := json.Unmarshal(raw, &rec); err != nil {
					return fmt.Errorf("decode record %s: %w", code, err)
				}
				if rec.View != nil {
					d.Entries[code] = dayEntry{T: rec.View.ReceivedAt.Unix(), V: rec.V, View: rec.View}
				}
			}
		}
		raw, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("encode request day %s: %w", id, err)
		}
		if err := s.Store.PutDocs(ctx, RequestDays, map[string][]byte{id: raw}); err != nil {
			return fmt.Errorf("write request day %s: %w", id, err)
		}
		keep[id] = true
	}
	return s.deleteUnwritten(ctx, RequestDays, keep)
}
