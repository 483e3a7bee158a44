package mongostore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestCombinerGivesEachCallItsResult: 50 concurrent calls against a slow write are written in fewer
// commands than calls, each call gets the result of its own item, and a failed write fails every call of
// its batch and no other.
func TestCombinerGivesEachCallItsResult(t *testing.T) {
	var mu sync.Mutex
	var batches [][]int
	writing := make(chan struct{}, 1)
	c := newCombiner(func(ctx context.Context, items []int) ([]string, error) {
		select {
		case writing <- struct{}{}:
		default:
		}
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		batches = append(batches, items)
		n := len(batches)
		mu.Unlock()
		if n == 2 {
			return nil, errors.New("second write failed")
		}
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = fmt.Sprint("r", it)
		}
		return out, nil
	})
	errs := make([]error, 50)
	outs := make([]string, 50)
	var wg sync.WaitGroup
	wg.Go(func() { outs[0], errs[0] = c.do(context.Background(), 0) })
	<-writing // the others arrive while the first is written
	for i := 1; i < 50; i++ {
		wg.Go(func() { outs[i], errs[i] = c.do(context.Background(), i) })
	}
	wg.Wait()
	if len(batches) >= 50 || len(batches) < 2 {
		t.Fatalf("50 calls were written in %d commands, want fewer than 50 and at least 2", len(batches))
	}
	failed := map[int]bool{}
	for _, it := range batches[1] {
		failed[it] = true
	}
	written := 0
	for _, b := range batches {
		written += len(b)
	}
	if written != 50 {
		t.Fatalf("%d items written, want each of the 50 once", written)
	}
	for i := range 50 {
		switch {
		case failed[i] && errs[i] == nil:
			t.Errorf("call %d: its batch failed but it got %q", i, outs[i])
		case !failed[i] && (errs[i] != nil || outs[i] != fmt.Sprint("r", i)):
			t.Errorf("call %d: got %q, %v; want r%d", i, outs[i], errs[i], i)
		}
	}
}

// TestCombinerIgnoresACallersCancellation: the write of a batch goes on when the caller who writes it
// gives up, since it carries others' items.
func TestCombinerIgnoresACallersCancellation(t *testing.T) {
	c := newCombiner(func(ctx context.Context, items []int) ([]int, error) {
		time.Sleep(10 * time.Millisecond)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return items, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := c.do(ctx, 7); err != nil || got != 7 {
		t.Fatalf("got %d, %v; want 7", got, err)
	}
}

// TestConcurrentJobInsertsLandOnce: photo jobs filed at once, each of ten reports twice (a submission and
// its retry), are ten jobs, and no filing failed.
func TestConcurrentJobInsertsLandOnce(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := s.InsertJob(ctx, report.Job{ReportID: fmt.Sprint("job-", i%10), NotBefore: now}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	claimed := map[string]bool{}
	for {
		j, err := s.ClaimJob(ctx, now, now.Add(time.Hour))
		if errors.Is(err, fault.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		claimed[j.ReportID] = true
	}
	if len(claimed) != 10 {
		t.Fatalf("claimed %d distinct jobs, want 10: %v", len(claimed), claimed)
	}
}

// TestConcurrentReceivedCountsAddUp: 60 reports counted at once over two days and three agencies leave
// exactly their counts, however the store grouped them.
func TestConcurrentReceivedCountsAddUp(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			day := []string{"2026-12-01", "2026-12-02"}[i%2]
			keys := map[publicmap.Dimension]string{publicmap.ByAgency: fmt.Sprint("ubnd-", i%3), publicmap.ByCategory: "garbage"}
			if err := s.AddReceived(ctx, day, keys); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.ReceivedOn(ctx, []string{"2026-12-01", "2026-12-02"})
	if err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2026-12-01", "2026-12-02"} {
		if n := got[day][publicmap.ByCategory]["garbage"]; n != 30 {
			t.Errorf("%s: garbage counted %d, want 30", day, n)
		}
		for a := range 3 {
			if n := got[day][publicmap.ByAgency][fmt.Sprint("ubnd-", a)]; n != 10 {
				t.Errorf("%s: ubnd-%d counted %d, want 10", day, a, n)
			}
		}
	}
}
