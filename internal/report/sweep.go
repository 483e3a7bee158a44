package report

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Originals no report names. A submission stores its originals before its report (Intake.Submit): one that
// fails, or whose process dies, midway leaves them behind, as does a retry that arrived in another hour.
// Each hour's originals live under their own prefix (originals/<yyyymmddhh>/), so once an hour is over
// and its submissions long finished, one listing finds them all, and its reports tell which are named.

// SweepDelay is how long after an hour ends its originals are swept: far beyond any submission's time.
const SweepDelay = time.Hour

// SweepLookBack is how many hours back SweepOriginals looks for hours not swept yet.
const SweepLookBack = 48

// SweepOriginals removes the originals stored in past hours that no report names. Each hour is swept once
// across all replicas (a claim); an hour whose sweep failed is given back and swept again, but one whose
// replica died mid-sweep keeps its strays. It returns how many objects it removed.
func (w *Worker) SweepOriginals(ctx context.Context) (int, error) {
	now := w.now().UTC()
	last := now.Add(-SweepDelay).Truncate(time.Hour).Add(-time.Hour) // the latest hour SweepDelay past its end
	removed := 0
	for h := range SweepLookBack {
		hour := hourOf(last.Add(-time.Duration(h) * time.Hour))
		if w.swept(hour) {
			continue
		}
		task := "sweep-originals:" + hour
		ok, err := w.Store.ClaimTask(ctx, task, now.Add(time.Duration(SweepLookBack+24)*time.Hour))
		if err != nil {
			return removed, err
		}
		if !ok {
			w.markSwept(hour) // another replica has it
			continue
		}
		n, err := w.sweepHour(ctx, hour)
		removed += n
		if err != nil {
			// S3 or the database failed midway: give the hour back, so the next sweep (here or in another
			// replica) does it again; what was removed stays removed.
			if rerr := w.Store.ReleaseTask(context.WithoutCancel(ctx), task); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return removed, err
		}
		w.markSwept(hour)
		if n > 0 {
			w.Log.InfoContext(ctx, "removed originals no report names", "hour", hour, "objects", n)
		}
	}
	return removed, nil
}

// sweepHour removes the originals stored in hour that their report (named in the key) does not name.
func (w *Worker) sweepHour(ctx context.Context, hour string) (int, error) {
	keys, err := w.Blobs.List(ctx, originalsPrefix+hour+"/")
	if err != nil {
		return 0, err
	}
	byReport := map[string][]string{}
	var ids []string
	for _, k := range keys {
		parts := strings.Split(strings.TrimPrefix(k, originalsPrefix+hour+"/"), "/")
		if len(parts) != 2 {
			continue // not ours
		}
		if byReport[parts[0]] == nil {
			ids = append(ids, parts[0])
		}
		byReport[parts[0]] = append(byReport[parts[0]], k)
	}
	removed := 0
	for start := 0; start < len(ids); start += 100 {
		chunk := ids[start:min(start+100, len(ids))]
		reports, err := w.Store.Reports(ctx, chunk)
		if err != nil {
			return removed, err
		}
		var stray []string
		for _, id := range chunk {
			named := map[string]bool{}
			for _, ph := range reports[id].Photos {
				named[ph.OriginalKey] = true
			}
			for _, k := range byReport[id] {
				if !named[k] {
					stray = append(stray, k)
				}
			}
		}
		if err := w.Blobs.Remove(ctx, stray...); err != nil {
			return removed, err
		}
		removed += len(stray)
	}
	return removed, nil
}

func (w *Worker) swept(hour string) bool {
	w.sweptMu.Lock()
	defer w.sweptMu.Unlock()
	return w.sweptHours[hour]
}

func (w *Worker) markSwept(hour string) {
	w.sweptMu.Lock()
	defer w.sweptMu.Unlock()
	if w.sweptHours == nil {
		w.sweptHours = map[string]bool{}
	}
	w.sweptHours[hour] = true
	if len(w.sweptHours) > 4*SweepLookBack { // forget hours long out of reach
		for h := range w.sweptHours {
			if h < hourOf(w.now().Add(-time.Duration(2*SweepLookBack)*time.Hour)) {
				delete(w.sweptHours, h)
			}
		}
	}
}
