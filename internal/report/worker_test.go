package report_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/s3blob"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

func servers(t *testing.T) (*mongostore.Store, *s3blob.Store) {
	t.Helper()
	srv := testenv.Shared(t)
	ctx := testenv.Context(t)
	name := testenv.UniqueName(t)
	store, err := mongostore.Open(ctx, srv.MongoURI, strings.ReplaceAll(name, "-", "_"), mongostore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := s3blob.Open(ctx, s3blob.Config{Endpoint: srv.S3Endpoint, AccessKey: srv.S3AccessKey, SecretKey: srv.S3SecretKey, Region: "us-east-1", Bucket: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = store.Drop(context.Background())
		_ = blobs.RemoveBucket(context.Background())
	})
	return store, blobs
}

func put(t *testing.T, blobs *s3blob.Store, key string) {
	t.Helper()
	if err := blobs.Put(context.Background(), key, bytes.NewReader([]byte("jpeg bytes")), 10, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
}

func exists(t *testing.T, blobs *s3blob.Store, key string) bool {
	t.Helper()
	_, err := blobs.Stat(context.Background(), key)
	if err != nil && !errors.Is(err, fault.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestSweepOriginals: originals stored in an hour long past that no report names are removed (a
// submission that failed after storing them, a retry refused); named ones, and recent hours, stay. Each
// hour is swept once, by one replica.
func TestSweepOriginals(t *testing.T) {
	store, blobs := servers(t)
	ctx := context.Background()
	now := time.Now().UTC()
	past := now.Add(-3 * time.Hour).Format("2006010215")
	current := now.Format("2006010215")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &report.Worker{Store: store, Blobs: blobs, Log: log, Lease: time.Minute}
	other := &report.Worker{Store: store, Blobs: blobs, Log: log, Lease: time.Minute} // another replica

	named := "originals/" + past + "/rep-kept/p1-0011223344556677"
	refused := "originals/" + past + "/rep-kept/p1-8899aabbccddeeff" // a reused key's other photo
	failed := "originals/" + past + "/rep-never/p1-0011223344556677" // its report was never stored
	recent := "originals/" + current + "/rep-never/p1-0011223344556677"
	for _, k := range []string{named, refused, failed, recent} {
		put(t, blobs, k)
	}
	r := report.Report{ID: "rep-kept", Code: "QN-2611-00001", ReporterID: "u1", Category: "road_damage", Status: report.Received,
		Photos: []report.Photo{{ID: "p1", OriginalKey: named, State: report.PhotoProcessing}}, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := store.InsertReport(ctx, r); err != nil {
		t.Fatal(err)
	}

	n, err := w.SweepOriginals(ctx)
	if err != nil || n != 2 {
		t.Fatalf("sweep removed %d (%v), want 2", n, err)
	}
	for key, want := range map[string]bool{named: true, refused: false, failed: false, recent: true} {
		if got := exists(t, blobs, key); got != want {
			t.Errorf("%s exists = %v, want %v", key, got, want)
		}
	}
	// Swept once: neither this replica nor another lists that hour again.
	put(t, blobs, failed)
	for _, x := range []*report.Worker{w, other} {
		if n, err := x.SweepOriginals(ctx); err != nil || n != 0 {
			t.Errorf("second sweep removed %d (%v)", n, err)
		}
	}
	// The current hour is swept once it is SweepDelay past its end.
	later := &report.Worker{Store: store, Blobs: blobs, Log: log, Lease: time.Minute,
		Now: func() time.Time { return now.Add(time.Hour + report.SweepDelay) }}
	if n, err := later.SweepOriginals(ctx); err != nil || n != 1 || exists(t, blobs, recent) {
		t.Errorf("later sweep removed %d (%v); recent stray exists: %v", n, err, exists(t, blobs, recent))
	}
}

// TestWorkerYieldsToSubmissions: while submissions are under way (Busy), the worker waits before its next
// job, at most MaxYield in a row; once they are done it works at once.
func TestWorkerYieldsToSubmissions(t *testing.T) {
	store, blobs := servers(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := time.Now().UTC()
	var busy atomic.Bool
	busy.Store(true)
	w := &report.Worker{Store: store, Blobs: blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Lease: time.Minute,
		Busy: busy.Load, MaxYield: time.Hour}
	dead := func(id string) string { // the job of a report deleted since: the worker deletes it
		if err := store.PutJob(context.Background(), report.Job{ReportID: id, NotBefore: now.Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	waitGone := func(id string, within time.Duration) bool {
		for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			// A lease that ends at once looks without taking the job from the worker.
			_, err := store.ClaimJob(context.Background(), time.Now(), time.Now())
			if errors.Is(err, fault.ErrNotFound) {
				return true
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		return false
	}
	first := dead("r-yield-1")
	go w.Run(ctx, 10*time.Millisecond)
	if waitGone(first, 400*time.Millisecond) {
		t.Fatal("the worker did a job while submissions were under way")
	}
	busy.Store(false)
	if !waitGone(first, 5*time.Second) {
		t.Fatal("the worker did not do the job once submissions were done")
	}
	cancel()

	// Busy all along: MaxYield bounds the wait.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	busy.Store(true)
	w2 := &report.Worker{Store: store, Blobs: blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Lease: time.Minute,
		Busy: busy.Load, MaxYield: 200 * time.Millisecond}
	second := dead("r-yield-2")
	go w2.Run(ctx2, 10*time.Millisecond)
	if !waitGone(second, 5*time.Second) {
		t.Fatal("the worker yielded without bound")
	}
}

// TestWorkerSweepsExpiredUploadSlots: expired slots are removed with their objects, used ones too (their
// report keeps a copy); slots still valid stay.
func TestWorkerSweepsExpiredUploadSlots(t *testing.T) {
	store, blobs := servers(t)
	ctx := context.Background()
	now := time.Now().UTC()
	w := &report.Worker{Store: store, Blobs: blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Lease: time.Minute}
	for _, s := range []report.UploadSlot{
		{ID: "slot-expired", OwnerID: "u1", Key: "uploads/slot-expired", Size: 10, ExpiresAt: now.Add(-time.Minute)},
		{ID: "slot-used", OwnerID: "u1", Key: "uploads/slot-used", Size: 10, ExpiresAt: now.Add(-time.Minute)},
		{ID: "slot-fresh", OwnerID: "u1", Key: "uploads/slot-fresh", Size: 10, ExpiresAt: now.Add(time.Minute)},
	} {
		if err := store.PutUploadSlot(ctx, s); err != nil {
			t.Fatal(err)
		}
		put(t, blobs, s.Key)
	}
	if ok, err := store.ClaimUploadSlot(ctx, "slot-used", "u1", "r1"); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := w.SweepUploadSlots(ctx); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"uploads/slot-expired": false, "uploads/slot-used": false, "uploads/slot-fresh": true} {
		if got := exists(t, blobs, key); got != want {
			t.Errorf("%s exists = %v, want %v", key, got, want)
		}
	}
	if _, err := store.UploadSlot(ctx, "slot-expired"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("expired slot record: %v", err)
	}
}

// failingList is S3 failing to list.
type failingList struct{ *s3blob.Store }

func (failingList) List(context.Context, string) ([]string, error) {
	return nil, fault.New(fault.ErrUnavailable, "S3 is down")
}

// TestSweepOriginalsAfterAnOutage: an hour whose sweep failed (S3 down) is given back and swept by the
// next sweep.
func TestSweepOriginalsAfterAnOutage(t *testing.T) {
	store, blobs := servers(t)
	ctx := context.Background()
	now := time.Now().UTC()
	stray := "originals/" + now.Add(-3*time.Hour).Format("2006010215") + "/rep-never/p1-0011223344556677"
	put(t, blobs, stray)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	down := &report.Worker{Store: store, Blobs: failingList{blobs}, Log: log, Lease: time.Minute}
	if _, err := down.SweepOriginals(ctx); !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("sweep with S3 down: %v, want unavailable", err)
	}
	w := &report.Worker{Store: store, Blobs: blobs, Log: log, Lease: time.Minute}
	if n, err := w.SweepOriginals(ctx); err != nil || n != 1 || exists(t, blobs, stray) {
		t.Errorf("sweep after the outage removed %d (%v); stray exists: %v", n, err, exists(t, blobs, stray))
	}
}

// slowGet is S3 whose Get of originals waits until release is closed, or fails as unavailable when down.
type slowGet struct {
	*s3blob.Store
	release chan struct{}
	down    bool
}

func (s slowGet) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if s.down {
		return nil, fault.New(fault.ErrUnavailable, "S3 is down")
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Store.Get(ctx, key)
}

// photoJob stores a report with one photo to derive, and its job, due now.
func photoJob(t *testing.T, store *mongostore.Store, blobs *s3blob.Store, id string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	key := "originals/" + now.Format("2006010215") + "/" + id + "/p1-0011223344556677"
	jpeg := testapp.JPEG(t, 64, 48, nil)
	if err := blobs.Put(ctx, key, bytes.NewReader(jpeg), int64(len(jpeg)), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	r := report.Report{ID: id, Code: "QN-" + id, ReporterID: "u1", Category: "road_damage", Status: report.Received,
		Photos:    []report.Photo{{ID: "p1", OriginalKey: key, ContentType: "image/jpeg", Size: int64(len(jpeg)), State: report.PhotoProcessing}},
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := store.InsertReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := store.InsertJob(ctx, report.Job{ReportID: id, NotBefore: now.Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
}

// TestWorkerHoldsItsJobWhileWorking: a worker renews its short lease while a photo takes longer than the
// lease, so no other worker takes the job; it finishes and the photo is ready.
func TestWorkerHoldsItsJobWhileWorking(t *testing.T) {
	store, blobs := servers(t)
	ctx := context.Background()
	photoJob(t, store, blobs, "rep-renew")
	slow := slowGet{Store: blobs, release: make(chan struct{})}
	w := &report.Worker{Store: store, Blobs: slow, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Lease: 300 * time.Millisecond}
	done := make(chan error, 1)
	go func() { _, err := w.RunOnce(ctx); done <- err }()
	for range 6 { // three leases long: another worker finds nothing due
		time.Sleep(150 * time.Millisecond)
		if _, err := store.ClaimJob(ctx, time.Now(), time.Now()); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("another worker claimed the job while it was being worked on: %v", err)
		}
	}
	close(slow.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r, err := store.Report(ctx, "rep-renew")
	if err != nil || r.Photos[0].State != report.PhotoReady {
		t.Fatalf("photo %+v (%v), want ready", r.Photos, err)
	}
	if _, err := store.ClaimJob(ctx, time.Now().Add(time.Hour), time.Now()); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("job left behind: %v", err)
	}
}

// TestWorkerGivesBackAJobStorageFailed: when S3 does not answer, the job is due again after RetryDelay,
// not at the end of its lease; a job whose lease was taken over is left to the new holder.
func TestWorkerGivesBackAJobStorageFailed(t *testing.T) {
	store, blobs := servers(t)
	ctx := context.Background()
	photoJob(t, store, blobs, "rep-retry")
	down := &report.Worker{Store: store, Blobs: slowGet{Store: blobs, down: true}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Lease: time.Hour, RetryDelay: 100 * time.Millisecond}
	if did, err := down.RunOnce(ctx); !did || !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("RunOnce with S3 down: %v %v, want the job tried and unavailable", did, err)
	}
	if _, err := store.ClaimJob(ctx, time.Now(), time.Now()); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("job due before its retry delay: %v", err)
	}
	j, err := store.ClaimJob(ctx, time.Now().Add(time.Second), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("job not due after its retry delay: %v", err)
	}
	// The old lease no longer moves the job.
	if ok, err := store.ExtendJob(ctx, report.Job{ReportID: j.ReportID, Lease: "stale-lease"}, time.Now()); ok || err != nil {
		t.Errorf("a stale lease extended the job: %v %v", ok, err)
	}
	if ok, err := store.ExtendJob(ctx, j, time.Now().Add(-time.Second)); !ok || err != nil {
		t.Errorf("the holder could not give the job back: %v %v", ok, err)
	}
}

// cutGet is S3 that goes away halfway through every download: the read fails, or (clean) just ends.
type cutGet struct {
	*s3blob.Store
	clean bool
}

func (s cutGet) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := s.Store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	var end error = io.ErrUnexpectedEOF
	if s.clean {
		end = nil
	}
	return io.NopCloser(io.MultiReader(bytes.NewReader(b[:len(b)/2]), errReader{end})), nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err == nil {
		return 0, io.EOF
	}
	return 0, e.err
}

// TestWorkerCutOffDownloadIsNotABadPhoto: an original whose download S3 cuts off (an error, or an early
// end) leaves the photo processing and the job due again soon, where the decoder alone would have called
// the photo damaged for good.
func TestWorkerCutOffDownloadIsNotABadPhoto(t *testing.T) {
	store, blobs := servers(t)
	ctx := context.Background()
	for _, clean := range []bool{false, true} {
		id := fmt.Sprintf("rep-cut-%v", clean)
		photoJob(t, store, blobs, id)
		w := &report.Worker{Store: store, Blobs: cutGet{Store: blobs, clean: clean}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Lease: time.Hour, RetryDelay: time.Millisecond}
		if _, err := w.RunOnce(ctx); !errors.Is(err, fault.ErrUnavailable) {
			t.Errorf("clean=%v: RunOnce: %v, want unavailable", clean, err)
		}
		if r, err := store.Report(ctx, id); err != nil || r.Photos[0].State != report.PhotoProcessing {
			t.Errorf("clean=%v: photo %+v (%v), want still processing", clean, r.Photos, err)
		}
		// Due again after RetryDelay; S3 back, the photo is derived.
		time.Sleep(10 * time.Millisecond)
		w.Blobs = blobs
		if did, err := w.RunOnce(ctx); !did || err != nil {
			t.Fatalf("clean=%v: RunOnce with S3 back: %v %v", clean, did, err)
		}
		if r, err := store.Report(ctx, id); err != nil || r.Photos[0].State != report.PhotoReady {
			t.Errorf("clean=%v: photo %+v (%v), want ready", clean, r.Photos, err)
		}
	}
}
