package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fcm"
	"github.com/quangninh/feedback/internal/fcmstandin"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// pushBenchmarks measures the push dispatcher against FerretDB and the FCM stand-in answering after
// fcmDelay: throughput draining a backlog of notifications, and the latency from a report write to the
// stand-in receiving its push, with the dispatcher idle and woken by the write.
func pushBenchmarks(results *[]Result, reports, followers, workers int) error {
	dir, err := os.MkdirTemp("", "qnbench-push-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := testenv.Start(dir)
	if err != nil {
		return err
	}
	defer srv.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := mongostore.Open(ctx, srv.MongoURI, "benchpush", mongostore.Options{})
	if err != nil {
		return err
	}
	defer store.Close(context.Background())
	if err := store.EnsureIndexes(ctx); err != nil {
		return err
	}
	const fcmDelay = 50 * time.Millisecond
	standin := fcmstandin.New()
	defer standin.Close()
	standin.SetDelay(fcmDelay)
	sender, err := fcm.New(ctx, fcm.Config{ProjectID: "bench", Endpoint: standin.URL()})
	if err != nil {
		return err
	}
	d := &notify.Dispatcher{Store: store, Sender: sender, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Lease: time.Minute, MaxAttempts: 8, Workers: workers}

	// Throughput: a backlog of reports, each event owed to its reporter and followers (one device each),
	// sent rounds times over (new reports, the same people and devices). Seeded 8 at a time: the devices'
	// writes take most of the set-up.
	const rounds = 3
	now := time.Now().UTC()
	var seedErr error
	var seedMu sync.Mutex
	seed := func(round int) error {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i := range reports {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				r := benchReport(fmt.Sprintf("bench-tp-%d-%05d", round, i), fmt.Sprintf("tp-%05d", i), followers, now)
				err := store.InsertReport(ctx, r)
				for _, u := range append([]string{r.ReporterID}, r.Followers...) {
					if err == nil && round == 0 {
						err = store.PutDevice(ctx, notify.Device{Token: "tok-" + u, UserID: u, Platform: notify.Android, Language: "vi", UpdatedAt: now})
					}
				}
				seedMu.Lock()
				seedErr = errors.Join(seedErr, err)
				seedMu.Unlock()
			})
		}
		wg.Wait()
		return seedErr
	}
	want := reports * (followers + 1)
	var rates []float64
	for round := range rounds {
		if err := seed(round); err != nil {
			return err
		}
		standin.Reset()
		standin.SetDelay(fcmDelay)
		start := time.Now()
		for len(standin.Messages()) < want {
			n, err := d.RunOnce(ctx)
			if err != nil {
				return err
			}
			if n == 0 && time.Since(start) > 5*time.Minute {
				return fmt.Errorf("push throughput: %d of %d pushes after 5 min", len(standin.Messages()), want)
			}
		}
		rates = append(rates, float64(want)/time.Since(start).Seconds())
		if got := len(standin.Messages()); got != want {
			*results = append(*results, Result{"push.dispatch_duplicates", float64(got - want), "count", fmt.Sprintf("round %d", round+1)})
		}
	}
	sorted := slices.Sorted(slices.Values(rates))
	note := fmt.Sprintf("%d notifications x %d devices (%d device sets), %d workers, one dispatcher, FCM stand-in (in this process, HTTP/2) answering after %v; median of %d rounds, each a fresh backlog: %.0f msgs/s",
		reports, followers+1, want, workers, fcmDelay, rounds, rates)
	*results = append(*results, Result{"push.dispatch_throughput", round(sorted[len(sorted)/2]), "msgs/s", note},
		Result{"push.dispatch_throughput.min", round(sorted[0]), "msgs/s", note})

	// Latency: one status change at a time, the dispatcher idle (polling every second) and woken by the write.
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	standin.Reset()
	standin.SetDelay(fcmDelay)
	standin.OnMessage(func(m fcmstandin.Message) {
		mu.Lock()
		arrived[m.Data["report_id"]] = time.Now()
		mu.Unlock()
	})
	store.OnOutbox(d.Wake)
	go d.Run(ctx, time.Second, time.Hour)
	const samples = 100
	var lat []time.Duration
	for i := range samples {
		r := benchReport(fmt.Sprintf("bench-lat-%05d", i), fmt.Sprintf("lat-%05d", i), 0, time.Now().UTC())
		r.Outbox, r.Timeline = nil, r.Timeline[:1]
		r.Timeline[0].Action, r.Timeline[0].From, r.Timeline[0].To = report.EventRouted, "", "" // not notified
		if err := store.InsertReport(ctx, r); err != nil {
			return err
		}
		if err := store.PutDevice(ctx, notify.Device{Token: "tok-" + r.ReporterID, UserID: r.ReporterID, Platform: notify.Android, Language: "vi", UpdatedAt: now}); err != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond)
		after := r
		at := time.Now().UTC()
		after.Timeline = append(after.Timeline, report.Event{At: at, Action: "accept", ActorRole: "officer", ActorID: "officer-1", From: report.Received, To: report.Accepted})
		after.Status, after.Outbox = report.Accepted, []int{1}
		t0 := time.Now()
		if ok, err := store.SaveReport(ctx, r, after, at); err != nil || !ok {
			return fmt.Errorf("push latency: save: %v %v", ok, err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			mu.Lock()
			t1, ok := arrived[r.ID]
			mu.Unlock()
			if ok {
				lat = append(lat, t1.Sub(t0))
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("push latency: no push for %s within 10 s", r.ID)
			}
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	lnote := fmt.Sprintf("%d status changes one at a time, idle dispatcher woken by the write, FCM stand-in answering after %v", samples, fcmDelay)
	*results = append(*results,
		Result{"push.latency.p50", round(float64(lat[len(lat)/2].Microseconds()) / 1000), "ms", lnote},
		Result{"push.latency.p99", round(float64(lat[len(lat)*99/100].Microseconds()) / 1000), "ms", lnote})
	return nil
}

// benchReport is a report whose event at 0 is owed to its reporter and followers, named after people (its
// code, unique like every report's, is made from its ID).
func benchReport(id, people string, followers int, now time.Time) report.Report {
	r := report.Report{ID: id, Code: "QN-BENCH-" + id, ReporterID: "u-" + people, Category: "road_damage",
		Description: "benchmark report", Status: report.Accepted,
		Routing: catalogue.Decision{AgencyID: "ubnd-06673"}, CreatedAt: now, UpdatedAt: now, Version: 1,
		Timeline: []report.Event{{At: now, Action: "accept", ActorRole: "officer", ActorID: "officer-1", From: report.Received, To: report.Accepted}},
		Outbox:   []int{0}}
	for f := range followers {
		r.Followers = append(r.Followers, fmt.Sprintf("f%d-%s", f, people))
	}
	return r
}
