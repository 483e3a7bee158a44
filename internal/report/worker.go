package report

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/media"
	"github.com/quangninh/feedback/internal/photohash"
)

// JobStore is what the photo worker needs beyond Store.
type JobStore interface {
	// ClaimJob leases the oldest due job until leaseUntil; fault.ErrNotFound when none is due.
	ClaimJob(ctx context.Context, now, leaseUntil time.Time) (Job, error)
	// ExtendJob sets when a claimed job is due again, while its lease (Job.Lease) is still the job's: later
	// to keep it, sooner to give it back; false when the job is gone or another worker leased it since.
	ExtendJob(ctx context.Context, j Job, notBefore time.Time) (bool, error)
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
	// SetLikelyOriginal records on a report the original it was found to duplicate.
	SetLikelyOriginal(ctx context.Context, id string, l DuplicateLink, now time.Time) error
}

// Worker makes the public derivatives of new photos, off the request path, and removes what failed
// submissions and unused upload slots left behind. Several replicas may run it: jobs are leased.
type Worker struct {
	Store  JobStore
	Blobs  Blobs
	Derive media.DeriveOptions
	// Similar, when set, gets each report's photo fingerprints (made from the upright thumbnails) into its
	// spatial bucket, and links a new report to its likely original.
	Similar *Similar
	Log     *slog.Logger
	// Lease is how long a claimed job is held without news from its worker, which renews it every third of
	// it while it works: the job of a worker that died is done by another this much later.
	Lease time.Duration
	// RetryDelay is how long a job waits after storage failed it (S3 or the database down); default 5 s.
	RetryDelay time.Duration
	Now        func() time.Time
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

// RunOnce handles one due job; did is false when none was due. The job's lease is renewed while the
// worker works on it, and given back early when storage failed it or the report changed meanwhile.
func (w *Worker) RunOnce(ctx context.Context) (did bool, err error) {
	now := w.now()
	job, err := w.Store.ClaimJob(ctx, now, now.Add(w.Lease))
	if errors.Is(err, fault.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	jctx, release := w.hold(ctx, job)
	retryAt, err := w.do(jctx, job)
	lost := jctx.Err() != nil && ctx.Err() == nil
	release()
	switch {
	case lost && err != nil: // cut short: another worker holds the job now and does it
		w.Log.InfoContext(ctx, "photo job taken over by another worker", "report", job.ReportID)
		return true, nil
	case !retryAt.IsZero():
		// Due again sooner than the lease would have it; when the database does not answer, the lease ends.
		if _, gerr := w.Store.ExtendJob(context.WithoutCancel(ctx), job, retryAt); gerr != nil && err == nil {
			err = gerr
		}
	}
	return true, err
}

// do does a claimed job; a non-zero retryAt asks for the job to be due again then.
func (w *Worker) do(ctx context.Context, job Job) (retryAt time.Time, err error) {
	r, err := w.Store.Report(ctx, job.ReportID)
	if errors.Is(err, fault.ErrNotFound) { // jobs are made for stored reports: this one was deleted since
		return time.Time{}, w.Store.DeleteJob(ctx, job.ReportID)
	}
	if err == nil {
		var stale bool
		if stale, err = w.derive(ctx, job, r); err == nil && stale {
			return w.now(), nil // the report changed meanwhile: redo the (idempotent) work at once
		}
	}
	if errors.Is(err, fault.ErrUnavailable) {
		return w.now().Add(cmp.Or(w.RetryDelay, 5*time.Second)), err
	}
	return time.Time{}, err
}

// hold renews the job's lease every third of Lease until release is called (which waits for the renewals
// to stop). The context it returns ends when the job turns out to be leased by another worker.
func (w *Worker) hold(ctx context.Context, job Job) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(max(w.Lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// A failed renewal is tried again at the next tick; the job is lost only when leased again.
			if ok, err := w.Store.ExtendJob(ctx, job, w.now().Add(w.Lease)); err == nil && !ok {
				cancel()
				return
			}
		}
	}()
	return ctx, func() { cancel(); <-done }
}

// derive makes the derivatives of the report's photos still processing and records them, then deletes the
// job; stale says that the report changed meanwhile, so nothing was recorded.
func (w *Worker) derive(ctx context.Context, job Job, r Report) (stale bool, err error) {
	photos := append([]Photo(nil), r.Photos...)
	changed := false
	for i, ph := range photos {
		if ph.State != PhotoProcessing {
			continue
		}
		pub, thumb, err := w.render(ctx, ph)
		if err != nil {
			if errors.Is(err, fault.ErrUnavailable) || ctx.Err() != nil {
				return false, err // storage trouble, or the job was taken over: no verdict on the photo
			}
			w.Log.WarnContext(ctx, "photo cannot be rendered", "report", r.ID, "photo", ph.ID, "error", err.Error())
			photos[i].State = PhotoFailed
			changed = true
			continue
		}
		photos[i].PublicKey = "derived/" + r.ID + "/" + ph.ID + ".jpg"
		photos[i].ThumbKey = "derived/" + r.ID + "/" + ph.ID + "-thumb.jpg"
		if err := w.Blobs.Put(ctx, photos[i].PublicKey, bytes.NewReader(pub.JPEG), int64(len(pub.JPEG)), "image/jpeg"); err != nil {
			return false, err
		}
		if err := w.Blobs.Put(ctx, photos[i].ThumbKey, bytes.NewReader(thumb.JPEG), int64(len(thumb.JPEG)), "image/jpeg"); err != nil {
			return false, err
		}
		photos[i].Width, photos[i].Height, photos[i].State = pub.Width, pub.Height, PhotoReady
		photos[i].Look = photohash.Of(thumb.Pixels)
		changed = true
	}
	if changed {
		ok, err := w.Store.SetPhotos(ctx, r.ID, r.Version, photos, w.now())
		if err != nil || !ok {
			return !ok && err == nil, err
		}
		r.Photos, r.Version = photos, r.Version+1
	}
	if err := w.findDuplicates(ctx, r); err != nil {
		return false, err
	}
	return false, w.Store.DeleteJob(ctx, r.ID)
}

// findDuplicates puts the report into its spatial bucket and, when it is new and open, links it to its likely
// original. Both are repeated when the job is retried.
func (w *Worker) findDuplicates(ctx context.Context, r Report) error {
	if w.Similar == nil {
		return nil
	}
	if err := w.Similar.Sync(ctx, r); err != nil {
		return err
	}
	if !r.Status.Open() || r.Ticket.LikelyOriginal.ReportID != "" || r.Ticket.DuplicateOf != "" {
		return nil
	}
	c, ok, err := w.Similar.LikelyOriginal(ctx, r)
	if err != nil || !ok {
		return err
	}
	link := DuplicateLink{ReportID: c.Entry.ReportID, Code: c.Entry.Code, Score: c.Score}
	if err := w.Store.SetLikelyOriginal(ctx, r.ID, link, w.now()); err != nil {
		return err
	}
	w.Log.InfoContext(ctx, "report linked to its likely original", "report", r.ID, "original", link.Code, "score", link.Score)
	return nil
}

// render derives a photo's renditions from its original. A read of the original that fails or ends short
// (S3 went away mid-download) is storage trouble, not a bad photo, although a decoder given a cut-off
// stream calls the image damaged.
func (w *Worker) render(ctx context.Context, ph Photo) (pub, thumb media.Rendition, err error) {
	rc, err := w.Blobs.Get(ctx, ph.OriginalKey)
	if err != nil {
		return pub, thumb, err
	}
	defer rc.Close()
	src := &readTally{r: rc}
	pub, thumb, err = w.Derive.Derive(ctx, src)
	if err != nil && (src.err != nil || src.eof && src.n < ph.Size) {
		return pub, thumb, fault.Wrap(fault.ErrUnavailable, "photo storage failed while reading "+ph.OriginalKey, errors.Join(src.err, err))
	}
	return pub, thumb, err
}

// readTally reads r, counting the bytes and remembering how the reading ended.
type readTally struct {
	r   io.Reader
	n   int64
	eof bool
	err error // the first error other than io.EOF
}

func (t *readTally) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.n += int64(n)
	switch {
	case errors.Is(err, io.EOF):
		t.eof = true
	case err != nil && t.err == nil:
		t.err = err
	}
	return n, err
}

// SweepUploadSlots removes expired upload slots and their objects (a report that used one keeps a copy).
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
