package notify

import (
	"context"
	"log/slog"
	"time"
)

// OverdueReader finds the hints that stay due (mongostore.Store).
type OverdueReader interface {
	// OutboxOverdue describes the pending hints due before dueBefore.
	OutboxOverdue(ctx context.Context, dueBefore time.Time) (Overdue, error)
}

// Watchdog tells operators in the log when notifications stay due for more than OverdueAfter: no dispatcher
// is sending them (none runs, or it cannot reach the database or FCM). It runs in every process, apart from
// the dispatchers it watches, and warns at most once a minute while that lasts, then once that it ended.
type Watchdog struct {
	Store OverdueReader
	Log   *slog.Logger
	Now   func() time.Time

	warnedAt time.Time // the last warning; zero when none is in force
}

// warnEvery is the least time between two warnings.
const warnEvery = time.Minute

func (w *Watchdog) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Check reads the overdue hints once and logs as Watchdog says; it returns what it read.
func (w *Watchdog) Check(ctx context.Context) (Overdue, error) {
	now := w.now()
	o, err := w.Store.OutboxOverdue(ctx, now.Add(-OverdueAfter))
	if err != nil {
		return o, err
	}
	switch {
	case o.Count > 0 && (w.warnedAt.IsZero() || now.Sub(w.warnedAt) >= warnEvery):
		w.warnedAt = now
		w.Log.WarnContext(ctx, "notifications overdue: due for over a minute and no dispatcher sends them; check that a dispatcher runs (PUSH_DISPATCH or qndispatch) and its log, the database and the FCM credentials",
			"overdue", o.Count, "oldest_due", o.OldestDue, "overdue_for", now.Sub(o.OldestDue).Round(time.Second).String())
	case o.Count == 0 && !w.warnedAt.IsZero():
		w.warnedAt = time.Time{}
		w.Log.InfoContext(ctx, "overdue notifications went out: none is overdue any more")
	}
	return o, nil
}
