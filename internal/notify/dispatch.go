package notify

import (
	"cmp"
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
	// Workers is how many reports' hints are sent at once (each hint with its own Send call).
	Workers int
	// Spacing is the least time from the start of one batch to the start of the next, unless the batch was
	// full. A batch costs about the same whatever its size (its reports read at once, each queue shard
	// written once, one settle), so under a steady stream of reports fewer, larger batches cost the
	// database less. A hint that arrives while the dispatcher is idle goes out at once.
	Spacing time.Duration
	// Batch is how many hints one RunOnce leases (with one claim insert) and settles (default 8 × Workers).
	Batch int
	Now   func() time.Time
	Rand  func() float64 // [0, 1), for back-off jitter
	// OnNewReports, when set, starts the other work of new reports (their photo jobs), once per batch, after
	// their queue entries, with the reports as they stand then: intake writes only the report (and its
	// hints). An error leaves the batch's new reports to be tried again when the lease ends, so it must be
	// safe to repeat.
	OnNewReports func(ctx context.Context, rs []report.Report) error
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
		started := time.Now()
		n, err := d.RunOnce(ctx)
		if err != nil && !errors.Is(err, fault.ErrUnavailable) {
			d.Log.WarnContext(ctx, "dispatch failed", "error", err.Error())
		}
		if n >= d.batch() && err == nil {
			continue // a backlog: the next batch is full already
		}
		if n > 0 && err == nil {
			// Busy, not backlogged: the next batch gathers what arrives meanwhile.
			select {
			case <-ctx.Done():
			case <-time.After(time.Until(started.Add(d.Spacing))):
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-time.After(poll):
		}
	}
}

// RunOnce takes the hints this process's store wrote leased to it (TakeStored) and leases the hints due now,
// in one batch, sends them and settles the sent ones in one batch, and returns how many it took. Reads are
// batched too: the hints' reports in one Reports (but for those taken with their reports), then the
// devices of every recipient of the batch in one DevicesOf.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	workers := max(d.Workers, 1)
	hints, reports := d.Store.TakeStored(d.batch())
	var leaseErr error
	if rest := d.batch() - len(hints); rest > 0 {
		leased, err := d.leaseDue(ctx, rest)
		hints, leaseErr = append(hints, leased...), err
	}
	if len(hints) == 0 {
		return 0, leaseErr
	}

	// The other hints' reports, in one read.
	if err := d.readReports(ctx, hints, reports); err != nil {
		return len(hints), err // the hints stay leased, and are tried again when the lease ends
	}
	jobs := make([]job, len(hints))
	staff := &staffCache{store: d.Store, ids: map[string][]string{}}
	parallel(len(hints), workers, func(i int) { jobs[i] = d.prepare(ctx, hints[i], reports, staff) })

	// New reports' tickets enter their agency's queue now, before the officers are told.
	d.queueNew(ctx, jobs)

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
	// right after the sends, inside the lease, so no other dispatcher sends these hints again.
	if err := d.Store.FinishHints(ctx, settled, d.now()); err != nil && first == nil {
		first = err
	}
	return len(hints), first
}

// leaseDue leases up to limit hints due now.
func (d *Dispatcher) leaseDue(ctx context.Context, limit int) ([]Hint, error) {
	due, err := d.Store.DueHints(ctx, d.now(), limit)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	now := d.now()
	return d.Store.LeaseHints(ctx, due, now, now.Add(d.lease()))
}

// readReports adds to reports those of the hints' reports it lacks, and reads again those that have other
// hints than their "received" one in the batch (a report taken as stored may have changed since). What
// changed after the batch's reads is applied by queueNew's read.
func (d *Dispatcher) readReports(ctx context.Context, hints []Hint, reports map[string]report.Report) error {
	var read []string
	seen := map[string]bool{}
	for _, h := range hints {
		if seen[h.ReportID] {
			continue
		}
		if _, ok := reports[h.ReportID]; !ok || h.Seq != 0 {
			seen[h.ReportID] = true
			read = append(read, h.ReportID)
		}
	}
	if len(read) == 0 {
		return nil
	}
	slices.Sort(read)
	got, err := d.Store.Reports(ctx, read)
	if err != nil {
		return err
	}
	for _, id := range read {
		if r, ok := got[id]; ok {
			reports[id] = r
		} else {
			delete(reports, id)
		}
	}
	return nil
}

// queueNew puts the tickets of the batch's new reports (those whose hint is their "received" event) into
// their agency's queue. Intake leaves this to the outbox: a submission then waits for no queue write, the
// writes of a whole batch are grouped per queue shard, and the report's outbox (written with the report)
// makes sure it happens. A report may change meanwhile, and its own queue update (say, dropping a rejected
// ticket) may run before this one: so the reports are read again afterwards, and any that moved on get
// their current state applied.
func (d *Dispatcher) queueNew(ctx context.Context, jobs []job) {
	var fresh []*job
	for i := range jobs {
		if j := &jobs[i]; j.live() && j.r.Timeline[j.h.Seq].Action == report.EventReceived {
			fresh = append(fresh, j)
		}
	}
	if len(fresh) == 0 {
		return
	}
	now := d.now()
	// The tickets still in a queue state go in together, each queue shard written once for the batch. A
	// job whose ticket could not be queued is not sent (nor settled): its hint is tried again when the
	// lease ends, and the rest of the batch goes out.
	var entries []report.QueueEntry
	var queued []*job
	for _, j := range fresh {
		if report.InQueue(j.r.Status) {
			entries = append(entries, d.entry(j.r))
			queued = append(queued, j)
		} else {
			j.err = d.syncQueue(ctx, j.r, now)
		}
	}
	if len(entries) > 0 {
		for i, err := range d.Store.PutQueueEntries(ctx, entries, now) {
			queued[i].err = err
		}
	}
	ids := make([]string, 0, len(fresh))
	for _, j := range fresh {
		ids = append(ids, j.r.ID)
	}
	current, err := d.Store.Reports(ctx, ids)
	if err != nil {
		for _, j := range fresh {
			j.err = cmp.Or(j.err, err)
		}
		return
	}
	for _, j := range fresh {
		if j.err != nil {
			continue
		}
		r := j.r
		c, ok := current[r.ID]
		switch {
		case !ok: // gone: nothing to queue
			j.err = d.Store.DropQueueEntry(ctx, r.Routing.AgencyID, r.ID, now)
		case c.Routing.AgencyID != r.Routing.AgencyID: // transferred meanwhile
			j.err = errors.Join(d.Store.DropQueueEntry(ctx, r.Routing.AgencyID, r.ID, now), d.syncQueue(ctx, c, now))
		case c.Version != r.Version:
			j.err = d.syncQueue(ctx, c, now)
		}
	}
	// The photo jobs, from the reports as they stand now.
	if d.OnNewReports != nil {
		var rs []report.Report
		for _, j := range fresh {
			if c, ok := current[j.r.ID]; ok {
				rs = append(rs, c)
			}
		}
		if err := d.OnNewReports(ctx, rs); err != nil {
			for _, j := range fresh {
				j.err = cmp.Or(j.err, err)
			}
		}
	}
}

// syncQueue makes r's agency queue hold r's ticket as r stands (or not hold it, once it left the queue).
func (d *Dispatcher) syncQueue(ctx context.Context, r report.Report, now time.Time) error {
	if !report.InQueue(r.Status) {
		return d.Store.DropQueueEntry(ctx, r.Routing.AgencyID, r.ID, now)
	}
	return d.Store.PutQueueEntry(ctx, r.Routing.AgencyID, d.entry(r), now)
}

// entry is r's queue entry, urgent by its category.
func (d *Dispatcher) entry(r report.Report) report.QueueEntry {
	return report.Entry(r, d.Urgent != nil && d.Urgent(r.Category))
}

// job is a leased hint on its way out.
type job struct {
	h    Hint
	r    report.Report
	who  map[string]audience // recipient → why they hear of it
	done bool                // settled: sent, or nothing (left) to send
	// waiting: its report is not stored yet; the hint was rescheduled.
	waiting bool
	err     error
}

// live tells whether the job still has pushes to send.
func (j *job) live() bool { return j.err == nil && !j.done && !j.waiting }

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
	if !ok && d.now().Sub(h.CreatedAt) < PendingReport {
		// Written beside its report, which may not be stored yet (or whose insert may have failed, to be
		// retried by the phone under the same ID): look again shortly.
		j.waiting = true
		j.err = d.Store.RescheduleHint(ctx, h.ID, d.now().Add(min(time.Duration(h.Attempts)*time.Second, 10*time.Second)), false, "report not stored yet")
		return j
	}
	if !ok || h.Seq < 0 || h.Seq >= len(r.Timeline) { // the report is gone, or has no such event
		j.done = true
		return j
	}
	// A retry of a submission writes the new report's hints beside its insert, which finds the report
	// stored: if the first attempt's hint was sent and settled by then, the retry's is a second hint for
	// the same event. It carries the retry's time, not the event's: check before sending.
	if e := r.Timeline[h.Seq]; h.Attempts == 1 && e.Action == report.EventReceived && !h.CreatedAt.Equal(e.At) {
		if done, err := d.Store.HintDone(ctx, h.ID); err != nil || done {
			j.done, j.err = done, err
			return j
		}
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
	residents := append([]string{r.ReporterID}, r.Followers...)
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
		add(residents, toResident)
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
