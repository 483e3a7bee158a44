package mongostore

import (
	"context"
	"sync"
	"time"
)

// combiner writes together the calls that arrive while one of its writes is under way: the first caller
// writes at once, and those that came meanwhile are written by one of them in the next command. Under load
// one command serves several submissions (one $inc of a counter by k, one InsertMany); alone, a call waits
// for nothing. Each caller writes at most one batch, its own included.
type combiner[In, Out any] struct {
	// write stores the batch and returns one result per item, in order; an error fails every item.
	write func(ctx context.Context, items []In) ([]Out, error)

	mu      sync.Mutex
	waiting []*combinedCall[In, Out]
	busy    bool // a batch is being written
}

type combinedCall[In, Out any] struct {
	item In
	out  Out
	err  error
	lead chan struct{} // closed when this call is to write the waiting batch
	done chan struct{} // closed when out and err are set
}

// combineTimeout bounds one combined write: it serves several requests, so no single request's
// cancellation ends it.
const combineTimeout = 30 * time.Second

func newCombiner[In, Out any](write func(ctx context.Context, items []In) ([]Out, error)) *combiner[In, Out] {
	return &combiner[In, Out]{write: write}
}

// do stores item with whatever else is waiting and returns its result.
func (c *combiner[In, Out]) do(ctx context.Context, item In) (Out, error) {
	call := &combinedCall[In, Out]{item: item, lead: make(chan struct{}), done: make(chan struct{})}
	c.mu.Lock()
	c.waiting = append(c.waiting, call)
	if !c.busy {
		c.busy = true
		close(call.lead)
	}
	c.mu.Unlock()

	select {
	case <-call.done:
		return call.out, call.err
	case <-call.lead:
	}
	c.mu.Lock()
	batch := c.waiting
	c.waiting = nil
	c.mu.Unlock()

	items := make([]In, len(batch))
	for i, b := range batch {
		items[i] = b.item
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), combineTimeout)
	outs, err := c.write(wctx, items)
	cancel()
	for i, b := range batch {
		if err != nil {
			b.err = err
		} else {
			b.out = outs[i]
		}
		if b != call {
			close(b.done)
		}
	}

	// The next batch is written by its first caller.
	c.mu.Lock()
	if len(c.waiting) > 0 {
		close(c.waiting[0].lead)
	} else {
		c.busy = false
	}
	c.mu.Unlock()
	return call.out, call.err
}
