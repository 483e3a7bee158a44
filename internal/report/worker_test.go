package report_test

import (
	"bytes"
	"context"
	"errors"
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

// TestWorkerRemovesWhatFailedSubmissionsLeft: originals whose submission never became a report are removed
// once its lease is over, but not while it is still being received.
func TestWorkerRemovesWhatFailedSubmissionsLeft(t *testing.T) {
	store, blobs := servers(t)
	ctx := context.Background()
	now := time.Now().UTC()
	w := &report.Worker{Store: store, Blobs: blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Lease: time.Minute}

	// Still running: its submission holds a live lease.
	if _, _, err := store.BeginSubmission(ctx, report.Submission{Key: "u1:live", ReporterID: "u1", ReportID: "r-live", LeaseUntil: now.Add(time.Hour), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	put(t, blobs, "originals/r-live/p1")
	if err := store.PutJob(ctx, report.Job{ReportID: "r-live", SubmissionKey: "u1:live", OwnedKeys: []string{"originals/r-live/p1"}, NotBefore: now.Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if did, err := w.RunOnce(ctx); !did || err != nil {
		t.Fatalf("run: %v %v", did, err)
	}
	if !exists(t, blobs, "originals/r-live/p1") {
		t.Errorf("removed the photo of a submission still being received")
	}
	// It comes back seconds later, not when the worker's lease of it ends.
	w.Now = func() time.Time { return now.Add(3 * time.Second) }
	if did, err := w.RunOnce(ctx); !did || err != nil {
		t.Fatalf("the job of a submission still being received is not due again 3 s later: %v %v", did, err)
	}
	w.Now = nil

	// Dead: the process died after storing a photo; nothing else remains.
	put(t, blobs, "originals/r-dead/p1")
	if err := store.PutJob(ctx, report.Job{ReportID: "r-dead", SubmissionKey: "u1:dead", OwnedKeys: []string{"originals/r-dead/p1"}, NotBefore: now.Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if did, err := w.RunOnce(ctx); !did || err != nil {
		t.Fatalf("run: %v %v", did, err)
	}
	if exists(t, blobs, "originals/r-dead/p1") {
		t.Errorf("orphaned original not removed")
	}
	if did, _ := w.RunOnce(ctx); did {
		t.Errorf("the finished job is still due")
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
	dead := func(id string) string { // originals of a submission that died: the job removes them
		key := "originals/" + id + "/p1"
		put(t, blobs, key)
		if err := store.PutJob(context.Background(), report.Job{ReportID: id, SubmissionKey: "u1:" + id, OwnedKeys: []string{key}, NotBefore: now.Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
		return key
	}
	waitGone := func(key string, within time.Duration) bool {
		for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if !exists(t, blobs, key) {
				return true
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

// TestWorkerSweepsExpiredUploadSlots: slots never used are removed with their objects; consumed ones stay.
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
	if err := store.ConsumeUploadSlots(ctx, []string{"slot-used"}, "r1"); err != nil {
		t.Fatal(err)
	}
	if err := w.SweepUploadSlots(ctx); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"uploads/slot-expired": false, "uploads/slot-used": true, "uploads/slot-fresh": true} {
		if got := exists(t, blobs, key); got != want {
			t.Errorf("%s exists = %v, want %v", key, got, want)
		}
	}
	if _, err := store.UploadSlot(ctx, "slot-expired"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("expired slot record: %v", err)
	}
}
