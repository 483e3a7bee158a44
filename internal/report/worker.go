package report

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/media"
)

// JobStore is what the photo worker needs beyond Store.
type JobStore interface {
	// ClaimJob leases the oldest due job until leaseUntil; fault.ErrNotFound when none is due.
	ClaimJob(ctx context.Context, now, leaseUntil time.Time) (Job, error)
	DeleteJob(ctx context.Context, reportID string) error
	PutJob(ctx context.Context, j Job) error
	Report(ctx context.Context, id string) (Report, error)
	// Reports returns the reports with these IDs that exist, by ID.
	Reports(ctx context.Context, ids []string) (map[string]Report, error)
	// ClaimTask claims a named one-off task for this caller, until `until`; false when claimed already.
	ClaimTask(ctx context.Context, name string, until time.Time) (bool, error)
	// ReleaseTask gives up the claim of a task that could not be finished.
	ReleaseTask(ctx context.Context, name string) error
	// SetPhotos replaces the report's photos when its version is still version; false when it changed.
	SetPhotos(ctx context.Context, id string, version int64, photos []Photo, now time.Time) (bool, error)
	DeleteUploadSlots(ctx context.Context, ids []string) error
	// ExpiredUploadSlots returns up to limit slots that expired before now.
	ExpiredUploadSlots(ctx context.Context, now time.Time, limit int) ([]UploadSlot, error)
}

// Worker makes the public derivatives of new photos, off the request path, and removes what failed
// submissions and unused upload slots left behind. Several replicas may run it: jobs are leased.
type Worker struct {
	Store  JobStore
	Blobs  Blobs
	Derive media.DeriveOptions
	Log    *slog.Logger
	Lease  time.Duration
	Now    func() time.Time
	// Busy, when set, says that residents' submissions are under way in this process (Intake.Busy). The
	// worker then waits before its next render, up to MaxYield in a row: rendering is CPU-heavy (decoding
	// a 2 MB JPEG and encoding two), and an upload waiting for the CPU keeps a phone on a weak network
	// waiting. Derivatives are off the request path, so they may lag a burst; MaxYield bounds the lag.
	Busy     func() bool
	MaxYield time.Duration // default 10 s

	sweptMu    sync.Mutex
	sweptHours map[string]bool // hours of originals this process swept or saw claimed
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Run works until ctx ends, polling every interval when idle.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	lastSweep := time.Time{}
	var yielded time.Duration
	maxYield := cmp.Or(w.MaxYield, 10*time.Second)
	for ctx.Err() == nil {
		if w.Busy != nil && yielded < maxYield && w.Busy() {
			const step = 50 * time.Millisecond
			select {
			case <-ctx.Done():
			case <-time.After(step):
			}
			yielded += step
			continue
		}
		yielded = 0
		did, err := w.RunOnce(ctx)
		if err != nil && !errors.Is(err, fault.ErrUnavailable) {
			w.Log.WarnContext(ctx, "photo job failed", "error", err.Error())
		}
		if time.Since(lastSweep) > time.Minute {
			if err := w.SweepUploadSlots(ctx); err != nil {
				w.Log.WarnContext(ctx, "upload-slot sweep failed", "error", err.Error())
			}
			if _, err := w.SweepOriginals(ctx); err != nil {
				w.Log.WarnContext(ctx, "originals sweep failed", "error", err.Error())
			}
			lastSweep = time.Now()
		}
		if !did || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}
}

// RunOnce handles one due job; did is false when none was due.
func (w *Worker) RunOnce(ctx context.Context) (did bool, err error) {
	now := w.now()
	job, err := w.Store.ClaimJob(ctx, now, now.Add(w.Lease))
	if errors.Is(err, fault.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r, err := w.Store.Report(ctx, job.ReportID)
	if errors.Is(err, fault.ErrNotFound) { // jobs are made for stored reports: this one was deleted since
		return true, w.Store.DeleteJob(ctx, job.ReportID)
	}
	if err != nil {
		return true, err
	}
	return true, w.derive(ctx, job, r)
}

func (w *Worker) derive(ctx context.Context, job Job, r Report) error {
	photos := append([]Photo(nil), r.Photos...)
	changed := false
	for i, ph := range photos {
		if ph.State != PhotoProcessing {
			continue
		}
		pub, thumb, err := w.render(ctx, ph)
		if err != nil {
			if errors.Is(err, fault.ErrUnavailable) {
				return err // storage trouble: the job comes back when its lease ends
			}
			w.Log.WarnContext(ctx, "photo cannot be rendered", "report", r.ID, "photo", ph.ID, "error", err.Error())
			photos[i].State = PhotoFailed
			changed = true
			continue
		}
		photos[i].PublicKey = "derived/" + r.ID + "/" + ph.ID + ".jpg"
		photos[i].ThumbKey = "derived/" + r.ID + "/" + ph.ID + "-thumb.jpg"
		if err := w.Blobs.Put(ctx, photos[i].PublicKey, bytes.NewReader(pub.JPEG), int64(len(pub.JPEG)), "image/jpeg"); err != nil {
			return err
		}
		if err := w.Blobs.Put(ctx, photos[i].ThumbKey, bytes.NewReader(thumb.JPEG), int64(len(thumb.JPEG)), "image/jpeg"); err != nil {
			return err
		}
		photos[i].Width, photos[i].Height, photos[i].State = pub.Width, pub.Height, PhotoReady
		changed = true
	}
	if changed {
		ok, err := w.Store.SetPhotos(ctx, r.ID, r.Version, photos, w.now())
		if err != nil {
			return err
		}
		if !ok {
			return nil // the report changed meanwhile; the job comes back and redoes the (idempotent) work
		}
	}
	if err := w.Store.DeleteUploadSlots(ctx, job.UploadSlots); err != nil {
		return err
	}
	return w.Store.DeleteJob(ctx, r.ID)
}

func (w *Worker) render(ctx context.Context, ph Photo) (pub, thumb media.Rendition, err error) {
	rc, err := w.Blobs.Get(ctx, ph.OriginalKey)
	if err != nil {
		return pub, thumb, err
	}
	defer rc.Close()
	return w.Derive.Derive(ctx, rc)
}

// SweepUploadSlots removes expired, unused upload slots and their objects.
func (w *Worker) SweepUploadSlots(ctx context.Context) error {
	slots, err := w.Store.ExpiredUploadSlots(ctx, w.now(), 100)
	if err != nil {
		return err
	}
	if len(slots) == 0 {
		return nil
	}
	keys := make([]string, len(slots))
	ids := make([]string, len(slots))
	for i, s := range slots {
		keys[i], ids[i] = s.Key, s.ID
	}
	if err := w.Blobs.Remove(ctx, keys...); err != nil {
		return err
	}
	return w.Store.DeleteUploadSlots(ctx, ids)
}
