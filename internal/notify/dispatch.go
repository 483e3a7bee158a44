package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/fcm"
	"github.com/quangninh/feedback/internal/report"
)

// Sender sends pushes (fcm.Sender). Send returns one result per push, in order.
type Sender interface {
	Send(ctx context.Context, pushes []fcm.Push) []fcm.Result
}

// Dispatcher delivers the pushes of outbox hints. Any number may run at once, in API replicas or in
// cmd/qndispatch: hints are leased with unique-insert claims.
type Dispatcher struct {
	Store  Store
	Sender Sender
	Log    *slog.Logger
	// Urgent tells whether a category's pushes go out with high priority.
	Urgent func(category string) bool
	// Lease is how long a hint is held; a dispatcher that dies holding one delays it by this much.
	Lease time.Duration
	// MaxAttempts is how many leases a hint gets before it is parked as failed.
	MaxAttempts int
	// Workers is how many hints are sent at once (each with its own Send call).
	Workers int
	Now     func() time.Time
	Rand    func() float64 // [0, 1), for back-off jitter
	// OnResult, when set, hears each push's result: "" when FCM accepted it, else FCM's error code
	// (fcm.Code). Metrics count them.
	OnResult func(code string)

	wakeOnce sync.Once
	wake     chan struct{}
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) wakeCh() chan struct{} {
	d.wakeOnce.Do(func() { d.wake = make(chan struct{}, 1) })
	return d.wake
}

// Wake makes a running dispatcher look for due hints now rather than at its next poll. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wakeCh() <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx ends: woken by Wake, or every poll when idle, and repairing the outbox every
// sweep interval.
func (d *Dispatcher) Run(ctx context.Context, poll, sweep time.Duration) {
	wake := d.wakeCh()
	lastSweep := time.Time{}
	for ctx.Err() == nil {
		if time.Since(lastSweep) >= sweep {
			if n, err := d.Store.RepairOutbox(ctx, d.now().Add(-report.OutboxHorizon)); err != nil {
				d.Log.WarnContext(ctx, "outbox sweep failed", "error", err.Error())
			} else if n > 0 {
				d.Log.InfoContext(ctx, "outbox sweep re-created lost hints", "hints", n)
			}
			lastSweep = time.Now()
		}
		n, err := d.RunOnce(ctx)
		if err != nil && !errors.Is(err, fault.ErrUnavailable) {
			d.Log.WarnContext(ctx, "dispatch failed", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-time.After(poll):
		}
	}
}

// RunOnce leases and sends the hints due now, Workers at a time, and returns how many it leased.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	workers := max(d.Workers, 1)
	hints, err := d.Store.DueHints(ctx, d.now(), workers*4)
	if err != nil {
		return 0, err
	}
	var (
		mu     sync.Mutex
		leased int
		first  error
		wg     sync.WaitGroup
		sem    = make(chan struct{}, workers)
	)
	// One report's hints go out in timeline order, by one worker: a phone shows the newest push of a
	// report (collapse key), so an older one arriving last would hide the newer.
	byReport := map[string][]Hint{}
	var order []string
	for _, h := range hints {
		if _, ok := byReport[h.ReportID]; !ok {
			order = append(order, h.ReportID)
		}
		byReport[h.ReportID] = append(byReport[h.ReportID], h)
	}
	for _, id := range order {
		group := byReport[id]
		slices.SortFunc(group, func(a, b Hint) int { return a.Seq - b.Seq })
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for _, h := range group {
				ok, err := d.handle(ctx, h)
				mu.Lock()
				if ok {
					leased++
				}
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return leased, first
}

// handle leases one hint and sends its pushes. leased is false when another dispatcher holds it.
func (d *Dispatcher) handle(ctx context.Context, h Hint) (leased bool, err error) {
	now := d.now()
	h, ok, err := d.Store.LeaseHint(ctx, h, now, now.Add(d.lease()))
	if err != nil || !ok {
		return false, err
	}
	if done, err := d.Store.HintDone(ctx, h.ID); err != nil || done {
		if done {
			err = d.Store.FinishHint(ctx, h.ID, now, h.Attempts > 1)
		}
		return true, err
	}
	r, err := d.Store.Report(ctx, h.ReportID)
	if errors.Is(err, fault.ErrNotFound) || err == nil && (h.Seq < 0 || h.Seq >= len(r.Timeline)) {
		return true, d.Store.FinishHint(ctx, h.ID, now, h.Attempts > 1)
	}
	if err != nil {
		return true, err
	}
	pushes, err := d.pushes(ctx, h, r)
	if err != nil {
		return true, err
	}
	results := d.Sender.Send(ctx, pushes)
	sent := map[string]string{}
	var retry []error
	var retryAfter time.Duration
	for i, res := range results {
		tok := pushes[i].Token
		if d.OnResult != nil {
			d.OnResult(fcm.Code(res.Err))
		}
		switch {
		case res.Err == nil:
			sent[tok] = res.MessageID
		case errors.Is(res.Err, fcm.ErrTokenGone):
			if err := d.Store.DeleteDevice(ctx, tok); err != nil {
				return true, err
			}
		case errors.Is(res.Err, fcm.ErrRetryable):
			retry = append(retry, res.Err)
			if ra, ok := fcm.RetryAfter(res.Err); ok {
				retryAfter = max(retryAfter, ra)
			}
		default:
			d.Log.WarnContext(ctx, "push rejected by FCM", "hint", h.ID, "error", res.Err.Error())
		}
	}
	if len(retry) == 0 {
		// The settled record written by FinishHint is the receipt of every push of this lease: written
		// first, right after Send, it leaves the same crash window as per-device receipts would.
		return true, d.Store.FinishHint(ctx, h.ID, d.now(), h.Attempts > 1)
	}
	// Some pushes must be tried again: remember who got it, so the next lease sends to the others only.
	if err := d.Store.PutReceipts(ctx, h.ID, sent, d.now()); err != nil {
		return true, err
	}
	maxAttempts := d.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 8
	}
	park := h.Attempts >= maxAttempts
	rnd := d.Rand
	if rnd == nil {
		rnd = rand.Float64
	}
	next := d.now().Add(fcm.Backoff(h.Attempts, retryAfter, rnd))
	msg := fmt.Sprintf("%d of %d pushes failed (attempt %d): %v", len(retry), len(pushes), h.Attempts, retry[0])
	if park {
		d.Log.WarnContext(ctx, "notification parked as failed", "hint", h.ID, "error", msg)
	}
	return true, d.Store.RescheduleHint(ctx, h.ID, next, park, msg)
}

func (d *Dispatcher) lease() time.Duration {
	if d.Lease > 0 {
		return d.Lease
	}
	return time.Minute
}

// pushes builds the pushes of a hint still owed: one per device of every recipient, minus the devices
// that have a receipt already.
func (d *Dispatcher) pushes(ctx context.Context, h Hint, r report.Report) ([]fcm.Push, error) {
	e := r.Timeline[h.Seq]
	who, err := d.recipients(ctx, r, e)
	if err != nil {
		return nil, err
	}
	users := make([]string, 0, len(who))
	for u := range who {
		users = append(users, u)
	}
	slices.Sort(users)
	devices, err := d.Store.DevicesOf(ctx, users)
	if err != nil {
		return nil, err
	}
	tokens := make([]string, len(devices))
	for i, dv := range devices {
		tokens[i] = dv.Token
	}
	done := map[string]string{}
	if h.Attempts > 1 { // receipts exist only if an earlier lease sent something
		if done, err = d.Store.Receipts(ctx, h.ID, tokens); err != nil {
			return nil, err
		}
	}
	urgent := d.Urgent != nil && d.Urgent(r.Category)
	status := e.To
	if status == "" {
		status = r.Status
	}
	var out []fcm.Push
	for _, dv := range devices {
		if _, ok := done[dv.Token]; ok {
			continue
		}
		title, body := text(dv.Language, who[dv.UserID], r, e)
		out = append(out, fcm.Push{
			Token: dv.Token, Title: title, Body: body, Lang: dv.Language,
			Data:         map[string]string{"report_id": r.ID, "code": r.Code, "status": string(status), "event": e.Action},
			CollapseKey:  "report-" + r.ID,
			HighPriority: urgent,
		})
	}
	return out, nil
}

// recipients maps who hears of event e to why. The actor never hears of their own action.
func (d *Dispatcher) recipients(ctx context.Context, r report.Report, e report.Event) (map[string]audience, error) {
	who := map[string]audience{}
	add := func(ids []string, a audience) {
		for _, id := range ids {
			if _, ok := who[id]; id != "" && !ok {
				who[id] = a
			}
		}
	}
	residents := append([]string{r.ReporterID}, r.Followers...)
	switch e.Action {
	case report.EventReceived:
		ids, err := d.Store.StaffIDs(ctx, r.Routing.AgencyID, auth.RoleOfficer)
		if err != nil {
			return nil, err
		}
		add(ids, toOfficer)
	case string(report.ActionTransfer):
		ids, err := d.Store.StaffIDs(ctx, r.Routing.AgencyID, auth.RoleOfficer)
		if err != nil {
			return nil, err
		}
		add(ids, toOfficer)
		add(residents, toResident)
	case string(report.ActionEscalate):
		admins, err := d.Store.StaffIDs(ctx, r.Routing.AgencyID, auth.RoleAgencyAdmin)
		if err != nil {
			return nil, err
		}
		dispatchers, err := d.Store.StaffIDs(ctx, "", auth.RoleDispatcher)
		if err != nil {
			return nil, err
		}
		add(admins, toSupervisor)
		add(dispatchers, toSupervisor)
	default:
		add(residents, toResident)
	}
	delete(who, e.ActorID)
	return who, nil
}

// Failed lists parked notifications for admins.
func (d *Dispatcher) Failed(ctx context.Context, limit int) ([]Hint, error) {
	return d.Store.FailedHints(ctx, limit)
}

// Retry makes a parked notification due again now; fault.ErrNotFound when there is none.
func (d *Dispatcher) Retry(ctx context.Context, id string) error {
	if err := d.Store.RetryHint(ctx, id, d.now()); err != nil {
		return err
	}
	d.Wake()
	return nil
}
