package report

import (
	"context"
	"errors"
	"time"
)

// bucketFillTask names the one-off filling of the buckets with the reports made before they existed.
const bucketFillTask = "fill-report-buckets"

// bucketFillLookBack is how far back FillBuckets looks: a report older than a year that is still open is
// put into its bucket by its next change.
const bucketFillLookBack = 365 * 24 * time.Hour

// FillBuckets puts the reports of the last year into their spatial buckets, once per database (the first
// worker to claim the task does it; a failure gives the task back for the next start). Reports made or
// changed meanwhile are written by their own path too; a bucket keeps the newest version of each.
func (w *Worker) FillBuckets(ctx context.Context) error {
	if w.Similar == nil {
		return nil
	}
	now := w.now()
	ok, err := w.Store.ClaimTask(ctx, bucketFillTask, now.Add(100*365*24*time.Hour))
	if err != nil || !ok {
		return err
	}
	filled := 0
	for from := now.Add(-bucketFillLookBack); from.Before(now) && err == nil; from = from.Add(30 * 24 * time.Hour) {
		to := from.Add(30 * 24 * time.Hour)
		if to.After(now) {
			to = now
		}
		var list []Report
		if list, err = w.Store.ReportsCreated(ctx, from, to); err != nil {
			break
		}
		for _, r := range list {
			if e := EntryOf(r, now); e.Gone {
				continue
			}
			if err = w.Similar.Sync(ctx, r); err != nil {
				break
			}
			filled++
		}
	}
	if err != nil {
		return errors.Join(err, w.Store.ReleaseTask(context.WithoutCancel(ctx), bucketFillTask))
	}
	if filled > 0 {
		w.Log.InfoContext(ctx, "reports put into their spatial buckets", "reports", filled)
	}
	return nil
}
