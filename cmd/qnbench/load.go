package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// stats summarises one load run: only successful operations count towards rps and the latencies.
type stats struct {
	rps       float64
	p50, p99  time.Duration
	ok        int
	errors    int
	elapsed   time.Duration
	errSample map[string]int // error text → count (a few kinds, for diagnosis)
}

// drive runs op from conns goroutines until dur has passed (operations under way are finished and
// counted; elapsed includes them) and times every operation. op gets its goroutine's number and the
// operation's sequence number within that goroutine.
func drive(conns int, dur time.Duration, op func(worker, seq int) error) stats {
	var mu sync.Mutex
	var all []time.Duration
	s := stats{errSample: map[string]int{}}
	start := time.Now()
	stop := start.Add(dur)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			var mine []time.Duration
			bad := map[string]int{}
			for seq := 0; time.Now().Before(stop); seq++ {
				t0 := time.Now()
				if err := op(w, seq); err != nil {
					bad[errKind(err)]++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			for k, n := range bad {
				s.errSample[k] += n
				s.errors += n
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	s.elapsed = time.Since(start)
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	s.ok = len(all)
	if len(all) > 0 {
		s.rps = float64(len(all)) / s.elapsed.Seconds()
		s.p50 = all[len(all)/2]
		s.p99 = all[min(len(all)-1, len(all)*99/100)]
	}
	return s
}

// errKind shortens an error to something that groups well (status codes, not request IDs).
func errKind(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// report appends <name>.rps (unit given), .p50, .p99 and, when there were any, .errors.
func (s stats) report(rs *results, name, unit, note string) {
	rs.add(name+".rps", s.rps, unit, note)
	rs.add(name+".p50", ms(s.p50), "ms", note)
	rs.add(name+".p99", ms(s.p99), "ms", note)
	if s.errors > 0 {
		rs.add(name+".errors", float64(s.errors), "count", note+"; failed: "+s.errorSummary())
	}
}

func (s stats) errorSummary() string {
	var parts []string
	for k, n := range s.errSample {
		parts = append(parts, fmt.Sprintf("%d× %s", n, k))
	}
	sort.Strings(parts)
	if len(parts) > 3 {
		parts = append(parts[:3], "…")
	}
	return strings.Join(parts, "; ")
}
