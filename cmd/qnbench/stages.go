package main

import (
	"bytes"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// stageSampler is a wall-clock profiler of the in-process service's report handlers: every interval it takes
// the stacks of all goroutines and files each one that is handling POST /v1/reports under the first known
// step found from the top of its stack. The shares say where a submission's time goes, waiting included
// (which a CPU profile does not show).
type stageSampler struct {
	mu     sync.Mutex
	counts map[string]int
	total  int
	every  time.Duration
	stop   chan struct{}
	done   chan struct{}
}

// stages outside MongoDB, in the order they are looked for; the first whose marker is on the stack wins.
// A goroutine inside mongostore is filed under the outermost store method on its stack instead.
var stages = []struct{ name, marker string }{
	{"s3: PUT original", "internal/s3blob.(*Store).Put"},
	{"s3: other", "internal/s3blob."},
	{"spool: read body, check, write temp file + digest", "(*Intake).Spool"},
	{"intake: other", "internal/report.(*Intake)"},
	{"http: read multipart", "(*Server).readMultipart"},
	{"http: other handler", "(*Server).CreateReport"},
}

func sampleStages(every time.Duration) *stageSampler {
	s := &stageSampler{counts: map[string]int{}, every: every, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 8<<20)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
			n := runtime.Stack(buf, true)
			s.mu.Lock()
			for g := range bytes.SplitSeq(buf[:n], []byte("\n\n")) {
				st := string(g)
				if !strings.Contains(st, "(*Server).CreateReport") {
					continue
				}
				name := "?"
				const m = "internal/mongostore.(*Store)."
				if i := strings.LastIndex(st, m); i >= 0 {
					rest := st[i+len(m):]
					name = "mongo " + rest[:max(0, strings.IndexByte(rest, '('))]
				} else {
					for _, stg := range stages {
						if strings.Contains(st, stg.marker) {
							name = stg.name
							break
						}
					}
				}
				s.counts[name]++
				s.total++
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// summary stops the sampler and lists the steps by share of the samples, largest first; top is the largest.
func (s *stageSampler) summary() (top string, share float64, text string) {
	close(s.stop)
	<-s.done
	type kv struct {
		k string
		n int
	}
	var all []kv
	for k, n := range s.counts {
		all = append(all, kv{k, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n })
	var parts []string
	for _, e := range all {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", e.k, 100*float64(e.n)/float64(max(1, s.total))))
	}
	if len(all) > 0 {
		top, share = all[0].k, 100*float64(all[0].n)/float64(s.total)
	}
	return top, share, fmt.Sprintf("where in-flight submissions were (%d goroutine-stack samples, every %v): %s", s.total, s.every, strings.Join(parts, ", "))
}
