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
// cmd/qndispatch: each hint is leased to one at a time (LeaseDueHints).
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
	// Workers is how many reports' hints are sent at once (each hint with its own Send call).
	Workers int
	// Batch is how many hints one RunOnce leases (with one claim insert) and settles (default 8 × Workers).
	Batch int
	Now   func() time.Time
	Rand  func() float64 // [0, 1), for back-off jitter
	// OnResult, when set, hears each push's result: "" when FCM accepted it, else FCM's error code
	// (fcm.Code). Metrics count them.
	OnResult func(code string)

	wakeOnce sync.Once
	wake     chan struct{}

	// unrecorded are hints this dispatcher sent whose settled record the database did not take (it did not
	// answer): RunOnce records them before it leases anything, so they are not sent again.
	mu         sync.Mutex
	unrecorded []Settled
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
// sweep interval, and as soon as the database answers again after it did not (hint writes may have failed
// meanwhile).
func (d *Dispatcher) Run(ctx context.Context, poll, sweep time.Duration) {
	wake := d.wakeCh()
	lastSweep := time.Time{}
	for ctx.Err() == nil {
		if time.Since(lastSweep) >= sweep {
			n, err := d.Store.RepairOutbox(ctx, d.now().Add(-report.OutboxHorizon))
			switch {
			case err == nil:
				lastSweep = time.Now()
				if n > 0 {
					d.Log.InfoContext(ctx, "outbox sweep re-created lost hints", "hints", n)
				}
			case !errors.Is(err, fault.ErrUnavailable):
				lastSweep = time.Now()
				d.Log.WarnContext(ctx, "outbox sweep failed", "error", err.Error())
			}
		}
		n, err := d.RunOnce(ctx)
		if errors.Is(err, fault.ErrUnavailable) {
			lastSweep = time.Time{}
		} else if err != nil {
			d.Log.WarnContext(ctx, "dispatch failed", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue // there may be more due
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-time.After(poll):
		}
	}
}

// RunOnce leases the hints due now, in one batch, sends them and settles the sent ones in one batch, and
// returns how many it took. Reads are batched too: the hints' reports in one Reports, then the devices
// of every recipient of the batch in one DevicesOf.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	if err := d.recordUnrecorded(ctx); err != nil {
		return 0, err
	}
	workers := max(d.Workers, 1)
	now := d.now()
	hints, err := d.Store.LeaseDueHints(ctx, now, now.Add(d.lease()), d.batch())
	if err != nil || len(hints) == 0 {
		return 0, err
	}
	reports, err := d.readReports(ctx, hints)
	if err != nil {
		return len(hints), err // the hints stay leased, and are tried again when the lease ends
	}
	jobs := make([]job, len(hints))
	staff := &staffCache{store: d.Store, ids: map[string][]string{}}
	parallel(len(hints), workers, func(i int) { jobs[i] = d.prepare(ctx, hints[i], reports, staff) })

	// The devices of everybody the batch goes to, in one read.
	seen := map[string]bool{}
	var users []string
	for _, j := range jobs {
		for u := range j.who {
			if !seen[u] {
				seen[u] = true
				users = append(users, u)
			}
		}
	}
	slices.Sort(users)
	devices, err := d.Store.DevicesOf(ctx, users)
	if err != nil {
		return len(hints), err // the hints stay leased, and are tried again when the lease ends
	}
	byUser := map[string][]Device{}
	for _, dv := range devices {
		byUser[dv.UserID] = append(byUser[dv.UserID], dv)
	}

	// The pushes go out in waves, each in one Send (SendEach calls of 500 messages, sent at once): wave k
	// holds the k-th hint of every report, so one report's hints still go out in timeline order. A phone
	// shows the newest push of a report (collapse key): an older one arriving last would hide the newer.
	byReport := map[string][]*job{}
	for i := range jobs {
		j := &jobs[i]
		byReport[j.h.ReportID] = append(byReport[j.h.ReportID], j)
	}
	var waves [][]*job
	for _, group := range byReport {
		slices.SortFunc(group, func(a, b *job) int { return a.h.Seq - b.h.Seq })
		for k, j := range group {
			if k == len(waves) {
				waves = append(waves, nil)
			}
			waves[k] = append(waves[k], j)
		}
	}
	for _, wave := range waves {
		d.sendWave(ctx, wave, byUser, workers)
	}
	var (
		settled []Settled
		first   error
	)
	for _, j := range jobs {
		if j.done {
			settled = append(settled, Settled{ID: j.h.ID, WithReceipts: j.h.Attempts > 1})
		}
		if j.err != nil && first == nil {
			first = j.err
		}
	}
	// The settled records written by FinishHints are the receipts of every push of this lease: written
	// right after the sends, inside the lease, so no other dispatcher sends these hints again. They are
	// written also when ctx ends (shutdown), and kept to be written later when the database is down.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.Store.FinishHints(fctx, settled, d.now()); err != nil {
		if errors.Is(err, fault.ErrUnavailable) {
			d.mu.Lock()
			d.unrecorded = append(d.unrecorded, settled...)
			d.mu.Unlock()
		}
		if first == nil {
			first = fmt.Errorf("record %d sent notifications: %w", len(settled), err)
		}
	}
	return len(hints), first
}

// recordUnrecorded writes the settled records that an earlier RunOnce could not. Until they are written
// nothing else is leased: their hints' leases may have ended, and this dispatcher must not send them again.
// (A dispatcher in another process could, once the lease ends: exactly once across an outage needs it to
// be shorter than the lease, or a single dispatcher.)
func (d *Dispatcher) recordUnrecorded(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.unrecorded) == 0 {
		return nil
	}
	if err := d.Store.FinishHints(ctx, d.unrecorded, d.now()); err != nil {
		err = fmt.Errorf("record %d sent notifications: %w", len(d.unrecorded), err)
		if !errors.Is(err, fault.ErrUnavailable) {
			// Not an outage: never stop dispatching for it; the hints may be sent again when their lease ends.
			d.Log.WarnContext(ctx, "sent notifications not recorded", "hints", len(d.unrecorded), "error", err.Error())
			d.unrecorded = nil
		}
		return err
	}
	d.Log.InfoContext(ctx, "sent notifications recorded after the database came back", "hints", len(d.unrecorded))
	d.unrecorded = nil
	return nil
}

// readReports reads the hints' reports, by ID; those that no longer exist are absent.
func (d *Dispatcher) readReports(ctx context.Context, hints []Hint) (map[string]report.Report, error) {
	var ids []string
	seen := map[string]bool{}
	for _, h := range hints {
		if !seen[h.ReportID] {
			seen[h.ReportID] = true
			ids = append(ids, h.ReportID)
		}
	}
	slices.Sort(ids)
	return d.Store.Reports(ctx, ids)
}

// job is a leased hint on its way out.
type job struct {
	h    Hint
	r    report.Report
	who  map[string]audience // recipient → why they hear of it
	done bool                // settled: sent, or nothing (left) to send
	err  error
}

// live tells whether the job still has pushes to send.
func (j *job) live() bool { return j.err == nil && !j.done }

// parallel runs f(0..n-1), at most workers at once.
func parallel(n, workers int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}

// batch is how many hints one RunOnce leases.
func (d *Dispatcher) batch() int {
	if d.Batch > 0 {
		return d.Batch
	}
	return max(d.Workers, 1) * 8
}

// prepare works out who hears of a leased hint, given the batch's reports.
func (d *Dispatcher) prepare(ctx context.Context, h Hint, reports map[string]report.Report, staff *staffCache) job {
	j := job{h: h}
	// A hint on its first lease was never sent (a re-created one starts at one attempt, so is checked).
	if h.Attempts > 1 {
		if done, err := d.Store.HintDone(ctx, h.ID); err != nil || done {
			j.done, j.err = done, err
			return j
		}
	}
	r, ok := reports[h.ReportID]
	if !ok || h.Seq < 0 || h.Seq >= len(r.Timeline) { // the report is gone, or has no such event
		j.done = true
		return j
	}
	j.r = r
	j.who, j.err = d.recipients(ctx, r, r.Timeline[h.Seq], staff)
	return j
}

// sendWave sends the pushes of the wave's jobs in one Send and settles each job by its results.
func (d *Dispatcher) sendWave(ctx context.Context, wave []*job, byUser map[string][]Device, workers int) {
	var live []*job
	for _, j := range wave {
		if j.live() {
			live = append(live, j)
		}
	}
	owed := make([][]fcm.Push, len(live))
	parallel(len(live), workers, func(i int) { owed[i], live[i].err = d.pushes(ctx, live[i], byUser) })
	var all []fcm.Push
	for i, j := range live {
		if j.err == nil {
			all = append(all, owed[i]...)
		}
	}
	results := d.Sender.Send(ctx, all)
	off := 0
	for i, j := range live {
		if j.err != nil {
			continue
		}
		n := len(owed[i])
		j.done, j.err = d.settle(ctx, j, owed[i], results[off:off+n])
		off += n
	}
}

// settle handles the results of a job's pushes. done says that the hint is settled; otherwise it was
// rescheduled, parked, or failed with err.
func (d *Dispatcher) settle(ctx context.Context, j *job, pushes []fcm.Push, results []fcm.Result) (done bool, err error) {
	h := j.h
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
				return false, err
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
		return true, nil
	}
	// Some pushes must be tried again: remember who got it, so the next lease sends to the others only.
	if err := d.Store.PutReceipts(ctx, h.ID, sent, d.now()); err != nil {
		return false, err
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
	return false, d.Store.RescheduleHint(ctx, h.ID, next, park, msg)
}

func (d *Dispatcher) lease() time.Duration {
	if d.Lease > 0 {
		return d.Lease
	}
	return time.Minute
}

// pushes builds the pushes of a hint still owed: one per device of every recipient, minus the devices
// that have a receipt already.
func (d *Dispatcher) pushes(ctx context.Context, j *job, byUser map[string][]Device) ([]fcm.Push, error) {
	h, r := j.h, j.r
	e := r.Timeline[h.Seq]
	users := make([]string, 0, len(j.who))
	for u := range j.who {
		users = append(users, u)
	}
	slices.Sort(users)
	var devices []Device
	for _, u := range users {
		devices = append(devices, byUser[u]...)
	}
	done := map[string]string{}
	if h.Attempts > 1 && len(devices) > 0 { // receipts exist only if an earlier lease sent something
		tokens := make([]string, len(devices))
		for i, dv := range devices {
			tokens[i] = dv.Token
		}
		var err error
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
		title, body := text(dv.Language, j.who[dv.UserID], r, e)
		out = append(out, fcm.Push{
			Token: dv.Token, Title: title, Body: body, Lang: dv.Language,
			Data:         map[string]string{"report_id": r.ID, "code": r.Code, "status": string(status), "event": e.Action},
			CollapseKey:  "report-" + r.ID,
			HighPriority: urgent,
		})
	}
	return out, nil
}

// staffCache remembers, for one batch, the staff lists it read (many hints go to the same agency).
type staffCache struct {
	store Store
	mu    sync.Mutex
	ids   map[string][]string
}

func (c *staffCache) of(ctx context.Context, agencyID string, role auth.Role) ([]string, error) {
	key := agencyID + "|" + string(role)
	c.mu.Lock()
	ids, ok := c.ids[key]
	c.mu.Unlock()
	if ok {
		return ids, nil
	}
	ids, err := c.store.StaffIDs(ctx, agencyID, role)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.ids[key] = ids
	c.mu.Unlock()
	return ids, nil
}

// recipients maps who hears of event e to why. The actor never hears of their own action.
func (d *Dispatcher) recipients(ctx context.Context, r report.Report, e report.Event, staff *staffCache) (map[string]audience, error) {
	who := map[string]audience{}
	add := func(ids []string, a audience) {
		for _, id := range ids {
			if _, ok := who[id]; id != "" && !ok {
				who[id] = a
			}
		}
	}
	residents := func() {
		for _, id := range append([]string{r.ReporterID}, r.Followers...) {
			if a, ok := residentAudience(r, e, id); ok {
				add([]string{id}, a)
			}
		}
	}
	switch e.Action {
	case report.EventReceived:
		ids, err := staff.of(ctx, r.Routing.AgencyID, auth.RoleOfficer)
		if err != nil {
			return nil, err
		}
		add(ids, toOfficer)
	case string(report.ActionTransfer):
		ids, err := staff.of(ctx, r.Routing.AgencyID, auth.RoleOfficer)
		if err != nil {
			return nil, err
		}
		add(ids, toOfficer)
		residents()
	case string(report.ActionAssign):
		add([]string{e.Assignee}, toAssignee)
	case string(report.ActionWarnDeadline):
		ids, err := staff.of(ctx, r.Routing.AgencyID, auth.RoleOfficer)
		if err != nil {
			return nil, err
		}
		add(ids, toOfficer)
	case string(report.ActionEscalate):
		admins, err := staff.of(ctx, r.Routing.AgencyID, auth.RoleAgencyAdmin)
		if err != nil {
			return nil, err
		}
		dispatchers, err := staff.of(ctx, "", auth.RoleDispatcher)
		if err != nil {
			return nil, err
		}
		add(admins, toSupervisor)
		add(dispatchers, toSupervisor)
	case string(report.ActionRequestInfo):
		residents() // the reporter only: only they can answer it
	default:
		residents()
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
