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
	errSample map[string]int  // error text → count (a few kinds, for diagnosis)
	latencies []time.Duration // of the successful operations, sorted
}

// merge sums runs of the same load (rounds of an interleaved measurement): operations over the summed
// time, percentiles over all the operations.
func merge(runs ...stats) stats {
	out := stats{errSample: map[string]int{}}
	for _, r := range runs {
		out.errors += r.errors
		out.elapsed += r.elapsed
		out.latencies = append(out.latencies, r.latencies...)
		for k, n := range r.errSample {
			out.errSample[k] += n
		}
	}
	out.summarise()
	return out
}

// summarise sets ok, rps and the percentiles from latencies and elapsed.
func (s *stats) summarise() {
	sort.Slice(s.latencies, func(i, j int) bool { return s.latencies[i] < s.latencies[j] })
	s.ok = len(s.latencies)
	if s.ok > 0 {
		s.rps = float64(s.ok) / s.elapsed.Seconds()
		s.p50 = s.latencies[s.ok/2]
		s.p99 = s.latencies[min(s.ok-1, s.ok*99/100)]
	}
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
	s.latencies = all
	s.summarise()
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
