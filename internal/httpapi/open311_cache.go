package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// open311ListTTL is how long a public GET requests answer is reused. Public answers say max-age=60, so
// any HTTP cache may keep them longer; a request resolved meanwhile shows within this.
const open311ListTTL = 5 * time.Second

// open311MaxStale is how old a kept answer may still be served while one caller builds its successor,
// so that the other callers do not all wait for the rebuild.
const open311MaxStale = 30 * time.Second

// open311BuildTimeout bounds a rebuild that no waiting caller's context limits.
const open311BuildTimeout = 20 * time.Second

// open311MaxCached bounds how many public answers are kept (each up to about 1 MB, plus its gzip).
const open311MaxCached = 64

// gzipAbove is the smallest Open311 answer sent compressed to a client that accepts gzip.
const gzipAbove = 8 << 10

// answerCache keeps encoded public Open311 listings for open311ListTTL, by their query, and builds each
// once however many clients ask for it at the same time: an answer is 1000 requests read from 10 to 20
// day documents and encoded, which many clients asking at once would otherwise each redo.
type answerCache struct {
	mu      sync.Mutex
	entries map[string]cachedAnswer
	flight  singleflight.Group
	now     func() time.Time
}

type cachedAnswer struct {
	doc open311Doc // with its gzip form when large
	at  time.Time
}

func newAnswerCache() *answerCache {
	return &answerCache{entries: map[string]cachedAnswer{}, now: time.Now}
}

// get returns the answer kept under key if still fresh, or builds it (once for all concurrent callers),
// compresses it and keeps it. An answer past its TTL but younger than open311MaxStale is returned at
// once while a rebuild runs in the background. Errors are not kept.
func (c *answerCache) get(ctx context.Context, key string, build func(context.Context) (open311Doc, error)) (open311Doc, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	age := c.now().Sub(e.at)
	if ok && age < open311ListTTL {
		return e.doc, nil
	}
	rebuild := func(ctx context.Context) func() (any, error) {
		return func() (any, error) {
			d, err := build(ctx)
			if err != nil {
				return open311Doc{}, err
			}
			d.gz = gzipDoc(d.body)
			c.put(key, cachedAnswer{doc: d, at: c.now()})
			return d, nil
		}
	}
	if ok && age < open311MaxStale {
		// Not the caller's context: it ends with its request.
		bg, cancel := context.WithTimeout(context.Background(), open311BuildTimeout)
		go func() {
			defer cancel()
			_, _, _ = c.flight.Do(key, rebuild(bg))
		}()
		return e.doc, nil
	}
	v, err, _ := c.flight.Do(key, rebuild(ctx))
	return v.(open311Doc), err
}

func (c *answerCache) put(key string, e cachedAnswer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= open311MaxCached {
		for k, old := range c.entries {
			if e.at.Sub(old.at) >= open311MaxStale {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= open311MaxCached {
			return // many distinct fresh queries: answer them without keeping more
		}
	}
	c.entries[key] = e
}

// gzipDoc compresses an answer worth compressing; nil otherwise.
func gzipDoc(body []byte) []byte {
	if len(body) < gzipAbove {
		return nil
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	_, _ = zw.Write(body)
	_ = zw.Close()
	return b.Bytes()
}

// withGzip marks the answer to be sent compressed when the caller accepts gzip and it is large enough,
// compressing it unless it already is.
func withGzip(ctx context.Context, d open311Doc) open311Doc {
	c, ok := ginContext(ctx)
	if !ok || !acceptsGzip(c.GetHeader("Accept-Encoding")) {
		d.gz = nil
		return d
	}
	if d.gz == nil {
		d.gz = gzipDoc(d.body)
	}
	return d
}

// acceptsGzip reads Accept-Encoding well enough: gzip (or *) listed without q=0.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
