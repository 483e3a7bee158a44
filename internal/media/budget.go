package media

import (
	"context"
	"runtime"

	"golang.org/x/sync/semaphore"
)

// RenderBudget bounds the memory that renders running at once take: each holds what decoding its photo
// takes (Info.DecodeBytes) and its renditions, while it decodes and encodes, so many small photos render
// side by side and a large one waits until it can run alone. It is safe for concurrent use.
type RenderBudget struct {
	sem  *semaphore.Weighted
	size int64
}

// NewRenderBudget returns a budget of bytes.
func NewRenderBudget(bytes int64) *RenderBudget {
	return &RenderBudget{sem: semaphore.NewWeighted(bytes), size: bytes}
}

// Acquire waits until n bytes of the budget are free (the whole budget when n exceeds it) and takes them;
// release gives them back. It fails with ctx's error when ctx ends first.
//
// Giving back a large share (largeRender or more) also runs the garbage collector: the pixels just
// decoded are garbage then, and Go's pacer would otherwise let the next large render allocate beside them
// (the heap grows to twice what was live before it collects), doubling the peak.
func (b *RenderBudget) Acquire(ctx context.Context, n int64) (release func(), err error) {
	n = min(max(n, 1), b.size)
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() {
		b.sem.Release(n)
		if n >= largeRender {
			runtime.GC()
		}
	}, nil
}

// largeRender is the share of a budget whose release is followed by a collection (a 16 MP JPEG's pixels
// and renditions take less).
const largeRender = 64 << 20
