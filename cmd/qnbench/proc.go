package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procStatusLike reads a "Key:   123 kB" line from a /proc file (status, meminfo) and returns the number
// (kB for memory).
func procStatusLike(path, key string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			break
		}
		return strconv.ParseInt(fields[0], 10, 64)
	}
	return 0, fmt.Errorf("%s: no %s", path, key)
}

// memory of a process, in bytes: VmRSS (now) and VmHWM (the peak of VmRSS since start or the last reset).
func rssOf(pid int) (rss, hwm int64, err error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	if rss, err = procStatusLike(path, "VmRSS"); err != nil {
		return 0, 0, err
	}
	if hwm, err = procStatusLike(path, "VmHWM"); err != nil {
		return 0, 0, err
	}
	return rss << 10, hwm << 10, nil
}

// resetPeak sets VmHWM back to the current RSS (writing 5 to clear_refs, Linux 4.0+), so the peak that
// follows belongs to the load alone and not to start-up.
func resetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// sampler reads a process's VmRSS every interval and keeps the highest sample since the last take.
type sampler struct {
	mu   sync.Mutex
	max  int64
	stop chan struct{}
	done chan struct{}
}

func sample(pid int, every time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if rss, _, err := rssOf(pid); err == nil {
				s.mu.Lock()
				s.max = max(s.max, rss)
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// take returns the highest sample since the last take and starts over.
func (s *sampler) take() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.max
	s.max = 0
	return m
}

func (s *sampler) close() {
	close(s.stop)
	<-s.done
}
