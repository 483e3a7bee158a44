package mongostore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestReportCodesAreUniqueUnderConcurrency: 40 concurrent submissions through two replicas (two stores on
// one database), the month's counter not existing yet, get the numbers 1 to 40, each once.
func TestReportCodesAreUniqueUnderConcurrency(t *testing.T) {
	s1 := openTestStore(t)
	ctx := testenv.Context(t)
	s2, err := Open(ctx, testenv.Shared(t).MongoURI, s1.db.Name(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for i := range 40 {
		s := s1
		if i%2 == 1 {
			s = s2
		}
		wg.Go(func() {
			n, err := s.NextCodeNumber(ctx, "2611")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[n] {
				t.Errorf("number %d given twice", n)
			}
			seen[n] = true
		})
	}
	wg.Wait()
	if len(seen) != 40 {
		t.Errorf("got %d distinct numbers", len(seen))
	}
	for n := range seen {
		if n < 1 || n > 40 {
			t.Errorf("number %d: 40 submissions should get 1 to 40", n)
		}
	}
	// Another month has its own counter.
	if n, err := s1.NextCodeNumber(ctx, "2612"); err != nil || n != 1 {
		t.Errorf("first number of another month: %d %v", n, err)
	}
}

// TestConcurrentReportUpdatesLoseNothing: 15 residents follow one report at once; every one is kept.
func TestConcurrentReportUpdatesLoseNothing(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC()
	r := report.Report{ID: "report-concurrent-1", Code: "QN-2611-00001", ReporterID: "u0", Category: "garbage",
		Status: report.Received, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.InsertReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 15 {
		wg.Go(func() {
			if err := s.AddFollower(ctx, r.ID, fmt.Sprintf("follower-%02d", i), now); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Followers) != 15 || got.Version != 16 {
		t.Errorf("followers %d (want 15), version %d (want 16)", len(got.Followers), got.Version)
	}
	// A writer with a stale version changes nothing.
	ok, err := s.SetPhotos(ctx, r.ID, 1, nil, now)
	if err != nil || ok {
		t.Errorf("stale SetPhotos: ok=%v err=%v", ok, err)
	}
}

// TestJobsAreLeasedOnce: two workers polling at once never hold the same job.
func TestJobsAreLeasedOnce(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC()
	for i := range 5 {
		if err := s.PutJob(ctx, report.Job{ReportID: fmt.Sprintf("r%d", i), NotBefore: now.Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	held := map[string]int{}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			j, err := s.ClaimJob(ctx, now, now.Add(time.Minute))
			if err != nil {
				return
			}
			mu.Lock()
			held[j.ReportID]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(held) != 5 {
		t.Errorf("%d jobs claimed, want 5", len(held))
	}
	for id, n := range held {
		if n != 1 {
			t.Errorf("job %s held by %d workers", id, n)
		}
	}
}

// TestEnsureIndexesTwice: a restart (or a second replica) finds the indexes there and must not fail.
// FerretDB 1.24 closes the connection when asked to create existing indexes in one batch.
func TestEnsureIndexesTwice(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	for i := range 3 {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatalf("call %d: %v", i+2, err)
		}
	}
}

// TestConcurrentQueueEntriesAllLand: 40 reports for one agency at once (a storm over one commune) are all
// in its queue; the writes are grouped per shard, and claims keep other replicas' writes safe.
func TestConcurrentQueueEntriesAllLand(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			e := report.QueueEntry{ReportID: fmt.Sprintf("storm-%02d", i), Code: fmt.Sprintf("QN-2611-%05d", i), Category: "flooding",
				Status: report.Received, CreatedAt: now, Version: 1}
			if err := s.PutQueueEntry(ctx, "ubnd-06673", e, now); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	q, err := s.Queue(ctx, "ubnd-06673")
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 40 {
		t.Errorf("%d entries in the queue, want 40", len(q))
	}
	if err := s.DropQueueEntry(ctx, "ubnd-06673", "storm-07", now); err != nil {
		t.Fatal(err)
	}
	if q, _ := s.Queue(ctx, "ubnd-06673"); len(q) != 39 {
		t.Errorf("after a drop: %d entries", len(q))
	}
}

// TestIndexNamesAreUniquePerCollection: two declarations under one name would have the second refused by
// MongoDB (an index of that name exists with other keys or options), failing every start.
func TestIndexNamesAreUniquePerCollection(t *testing.T) {
	seen := map[string]bool{}
	for _, ix := range Indexes {
		k := ix.Collection + "." + ix.Name
		if seen[k] {
			t.Errorf("index %s declared twice", k)
		}
		seen[k] = true
	}
}
