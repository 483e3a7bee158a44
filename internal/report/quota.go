package report

import (
	"context"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// Counters are fixed-window counters shared by every replica (as the sign-in limits use): Take counts one
// more on counter key, whose window ends at windowEnd, and returns the count, or 0 when limit is reached;
// GiveBack counts one less.
//
// TakeHourOfDay counts one more on a day's counter and on the counter of one of its hours, in one write,
// unless the day holds dayLimit already or the hour hourLimit (a limit of 0 is none); refused names the
// full window (WindowDay or WindowHour), "" when counted. GiveBackHourOfDay counts one less on both.
type Counters interface {
	Take(ctx context.Context, key string, limit int, windowEnd time.Time) (slot int, err error)
	GiveBack(ctx context.Context, key string, slot int) error
	TakeHourOfDay(ctx context.Context, key string, hour time.Time, hourLimit, dayLimit int, dayEnd time.Time) (refused string, err error)
	GiveBackHourOfDay(ctx context.Context, key string, hour time.Time) error
}

// The windows of TakeHourOfDay.
const (
	WindowDay  = "day"
	WindowHour = "hour"
)

// Quotas bound what one resident may ask of the service. A zero limit is no limit.
type Quotas struct {
	Counters       Counters
	UploadSlots    int // upload slots granted per slot lifetime (Intake.SlotTTL): at most twice this many live at once
	ReportsPerHour int
	ReportsPerDay  int
}

// quotaError is a refusal over a quota; the HTTP layer sends RetryAfter as Retry-After.
type quotaError struct {
	error
	after time.Duration
}

func (e *quotaError) Unwrap() error { return e.error }

// RetryAfter is how long until the window that refused ends.
func (e *quotaError) RetryAfter() time.Duration { return e.after }

// taken is a slot of a counter (or an hour of a day's counter), to give back when what it counted did not
// happen.
type taken struct {
	key  string
	slot int
	hour time.Time // TakeHourOfDay's hour; zero for Take
}

// take claims one slot of each window; on a refusal it gives back what it took and returns a quotaError
// saying what, and until when. windows lists (prefix, limit, window length, what is counted).
func (q Quotas) take(ctx context.Context, now time.Time, windows ...quotaWindow) ([]taken, error) {
	var got []taken
	for _, w := range windows {
		if w.limit <= 0 || q.Counters == nil {
			continue
		}
		start := now.Truncate(w.length)
		key := w.prefix + ":" + start.Format("20060102T1504")
		slot, err := q.Counters.Take(ctx, key, w.limit, start.Add(w.length))
		if err == nil && slot == 0 {
			err = &quotaError{fault.New(fault.ErrRateLimited, w.refusal), start.Add(w.length).Sub(now)}
		}
		if err != nil {
			q.giveBack(ctx, got)
			return nil, err
		}
		got = append(got, taken{key: key, slot: slot})
	}
	return got, nil
}

// giveBack frees slots; best effort (an unreturned count only lasts until its window ends), so it waits
// at most a second even when the database is down: the answer it delays may already be late.
func (q Quotas) giveBack(ctx context.Context, slots []taken) {
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	for _, t := range slots {
		if !t.hour.IsZero() {
			_ = q.Counters.GiveBackHourOfDay(gctx, t.key, t.hour)
			continue
		}
		_ = q.Counters.GiveBack(gctx, t.key, t.slot)
	}
}

type quotaWindow struct {
	prefix  string
	limit   int
	length  time.Duration
	refusal string
}

func (q Quotas) uploadWindows(p auth.Principal, slotTTL time.Duration) []quotaWindow {
	if slotTTL <= 0 {
		slotTTL = 15 * time.Minute
	}
	return []quotaWindow{{prefix: "quota-uploads:" + p.UserID, limit: q.UploadSlots, length: slotTTL,
		refusal: "you hold as many upload slots as a resident may; use them in a report, or wait for them to expire"}}
}

// takeReport counts a resident's new report against the hour's and the day's quotas, in one write.
func (q Quotas) takeReport(ctx context.Context, now time.Time, userID string) ([]taken, error) {
	if q.Counters == nil || q.ReportsPerHour <= 0 && q.ReportsPerDay <= 0 {
		return nil, nil
	}
	day, hour := now.Truncate(24*time.Hour), now.Truncate(time.Hour)
	key := "quota-reports:" + userID + ":" + day.Format("20060102")
	refused, err := q.Counters.TakeHourOfDay(ctx, key, hour, q.ReportsPerHour, q.ReportsPerDay, day.Add(24*time.Hour))
	switch {
	case err != nil:
		return nil, err
	case refused == WindowHour:
		return nil, &quotaError{fault.New(fault.ErrRateLimited, "you sent as many reports this hour as a resident may; try again later"), hour.Add(time.Hour).Sub(now)}
	case refused != "":
		return nil, &quotaError{fault.New(fault.ErrRateLimited, "you sent as many reports today as a resident may; try again tomorrow"), day.Add(24 * time.Hour).Sub(now)}
	}
	return []taken{{key: key, hour: hour}}, nil
}
