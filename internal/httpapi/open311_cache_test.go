package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("timed out")
}

func TestAnswerCacheBuildsOnceAndExpires(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	c := newAnswerCache()
	c.now = func() time.Time { return clock }
	var builds atomic.Int32
	release := make(chan struct{})
	body := bytes.Repeat([]byte(`{"service_request_id":"QN-1","status":"closed"},`), 1000)
	build := func(context.Context) (open311Doc, error) {
		builds.Add(1)
		<-release
		return open311Doc{status: 200, body: body}, nil
	}
	// Concurrent askers share one build.
	var wg sync.WaitGroup
	docs := make(chan open311Doc, 8)
	for range 8 {
		wg.Go(func() {
			d, err := c.get(ctx, "k", build)
			if err != nil {
				t.Error(err)
			}
			docs <- d
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(docs)
	for d := range docs {
		zr, err := gzip.NewReader(bytes.NewReader(d.gz))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(zr); !bytes.Equal(got, body) || len(d.gz) >= len(body)/4 {
			t.Fatalf("gzip form: %d bytes for %d", len(d.gz), len(body))
		}
	}
	if n := builds.Load(); n < 1 || n > 2 {
		t.Errorf("%d builds for 8 concurrent askers", n)
	}
	before := builds.Load()
	clock = clock.Add(open311ListTTL - time.Millisecond)
	if _, err := c.get(ctx, "k", build); err != nil || builds.Load() != before {
		t.Errorf("a fresh answer was built again: %v", err)
	}
	// Past its TTL: served at once while one rebuild runs behind.
	clock = clock.Add(time.Millisecond)
	if d, err := c.get(ctx, "k", build); err != nil || !bytes.Equal(d.body, body) {
		t.Errorf("a stale answer was not served: %v", err)
	}
	waitFor(t, func() bool { return builds.Load() == before+1 })
	waitFor(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.entries["k"].at.Equal(clock) })
	// Too old to serve: the caller waits for the new one.
	clock = clock.Add(open311MaxStale)
	if _, err := c.get(ctx, "k", build); err != nil || builds.Load() != before+2 {
		t.Errorf("an answer older than open311MaxStale was served: %v", err)
	}
	// Errors are not kept.
	fail := errors.New("database down")
	if _, err := c.get(ctx, "e", func(context.Context) (open311Doc, error) { return open311Doc{}, fail }); !errors.Is(err, fail) {
		t.Errorf("error: %v", err)
	}
	if d, err := c.get(ctx, "e", func(context.Context) (open311Doc, error) { return open311Doc{status: 200, body: []byte("[]")}, nil }); err != nil || string(d.body) != "[]" || d.gz != nil {
		t.Errorf("after an error: %+v %v", d, err)
	}
}

func TestAnswerCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	c := newAnswerCache()
	c.now = func() time.Time { return clock }
	for i := range open311MaxCached + 10 {
		key := string(rune('a' + i))
		if _, err := c.get(ctx, key, func(context.Context) (open311Doc, error) { return open311Doc{body: []byte("[]")}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.entries) != open311MaxCached {
		t.Errorf("%d entries kept", len(c.entries))
	}
	clock = clock.Add(open311MaxStale)
	if _, err := c.get(ctx, "new", func(context.Context) (open311Doc, error) { return open311Doc{body: []byte("[]")}, nil }); err != nil || len(c.entries) != 1 {
		t.Errorf("stale entries not swept: %d", len(c.entries))
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{"gzip": true, "gzip, deflate, br": true, "br;q=1.0, gzip;q=0.8": true, "*": true,
		"gzip;q=0": false, "identity": false, "": false, "deflate": false} {
		if acceptsGzip(h) != want {
			t.Errorf("%q: want %v", h, want)
		}
	}
}
