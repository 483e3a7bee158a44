package report

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// MaxBulk is the most tickets one bulk action names.
const MaxBulk = 100

// BulkActions are the actions a selection of tickets may get at once.
var BulkActions = []Action{ActionAccept, ActionAssign, ActionTransfer}

// BulkItem names a ticket and the workflow version (ETag) the caller last saw it at.
type BulkItem struct {
	ID      string
	Version int64
}

// BulkOutcome is what one ticket of a bulk action became: the ticket after the action, or why it failed
// (any error Act returns).
type BulkOutcome struct {
	ID     string
	Ticket Report
	Err    error
}

// bulkWorkers is how many tickets of a bulk action are acted on at once.
const bulkWorkers = 4

// Bulk performs c on each ticket of items, each alone and guarded by its own version, as Act would
// (bulkWorkers at a time), and returns the outcomes in the order given: one ticket's failure does not stop
// the others. It returns *fault.Invalid (and no outcome)
// when the request itself is wrong: an action that is not one of BulkActions, no ticket, more than
// MaxBulk, a ticket named twice.
func (d *Desk) Bulk(ctx context.Context, p auth.Principal, c Command, items []BulkItem) ([]BulkOutcome, error) {
	inv := &fault.Invalid{}
	if !slices.Contains(BulkActions, c.Action) {
		inv.Add("body.action", "must be one of accept, assign, transfer")
	}
	switch {
	case len(items) == 0:
		inv.Add("body.tickets", "name at least one ticket")
	case len(items) > MaxBulk:
		inv.Add("body.tickets", fmt.Sprintf("at most %d tickets at once", MaxBulk))
	}
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		if seen[it.ID] {
			inv.Add(fmt.Sprintf("body.tickets[%d].id", i), "names a ticket already in the selection")
		}
		seen[it.ID] = true
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	out := make([]BulkOutcome, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(bulkWorkers, len(items)) {
		wg.Go(func() {
			for i := range next {
				it := items[i]
				if err := ctx.Err(); err != nil {
					out[i] = BulkOutcome{ID: it.ID, Err: fault.Wrap(fault.ErrUnavailable, "", err)}
					continue
				}
				r, err := d.Act(ctx, p, it.ID, it.Version, c, nil, nil)
				out[i] = BulkOutcome{ID: it.ID, Ticket: r, Err: err}
			}
		})
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, nil
}
