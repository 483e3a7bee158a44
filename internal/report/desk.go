package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/workcal"
)

// DeskStore is what the officers' desk needs from the store.
type DeskStore interface {
	Report(ctx context.Context, id string) (Report, error)
	// SaveReport writes after over before, moving it from before.Version to before.Version+1; false when
	// someone else moved it first.
	SaveReport(ctx context.Context, before, after Report, now time.Time) (bool, error)
	// PutQueueEntry and DropQueueEntry maintain the precomputed queue of an agency.
	PutQueueEntry(ctx context.Context, agencyID string, e QueueEntry, now time.Time) error
	DropQueueEntry(ctx context.Context, agencyID, reportID string, now time.Time) error
	Queue(ctx context.Context, agencyID string) ([]QueueEntry, error)
	// Queues returns the queues of several agencies at once.
	Queues(ctx context.Context, agencyIDs []string) ([]QueueEntry, error)
	PutJob(ctx context.Context, j Job) error
	// InsertJob stores a new photo job; a report that has a job already keeps it.
	InsertJob(ctx context.Context, j Job) error
	// ReportsCreated returns the reports created in [from, to), oldest first.
	ReportsCreated(ctx context.Context, from, to time.Time) ([]Report, error)
	FollowerMoves
}

// QueueEntry is a ticket as its agency's queue shows it. Queues hold the tickets still being handled
// (not closed or rejected) and are read by _id, so an officer's list never scans the reports.
type QueueEntry struct {
	AgencyID    string
	ReportID    string
	Code        string
	Category    string
	CommuneCode string
	Status      Status
	Urgent      bool
	Complex     bool
	AcceptBy    time.Time
	ResolveBy   time.Time
	CreatedAt   time.Time
	Version     int64
	AssigneeID  string
	Steps       int64 // WorkflowVersion of the report: what If-Match names
}

// InQueue reports whether a report in this status belongs in its agency's queue.
func InQueue(s Status) bool { return s != Closed && s != Rejected }

// Entry returns the queue entry of a report.
func Entry(r Report, urgent bool) QueueEntry {
	return QueueEntry{AgencyID: r.Routing.AgencyID, ReportID: r.ID, Code: r.Code, Category: r.Category, CommuneCode: r.Routing.CommuneCode, Status: r.Status,
		Urgent: urgent, Complex: r.Ticket.Complex, AcceptBy: r.Ticket.AcceptBy, ResolveBy: r.Ticket.ResolveBy,
		CreatedAt: r.CreatedAt, Version: r.Version, AssigneeID: r.Ticket.AssigneeID, Steps: WorkflowVersion(r)}
}

// StaffDirectory finds the staff a ticket may be assigned to.
type StaffDirectory interface {
	// AssignableAgency returns the agency of an enabled officer or agency admin, or "" for anyone else
	// (unknown, disabled, another role).
	AssignableAgency(ctx context.Context, userID string) (string, error)
}

// Desk is where staff work tickets.
type Desk struct {
	Store    DeskStore
	Blobs    Blobs
	Router   Router
	Calendar func() *workcal.Calendar // the calendar in force (administrators edit the holidays)
	Policy   workcal.Policy
	Log      *slog.Logger
	Now      func() time.Time
	Staff    StaffDirectory // who a ticket may be assigned to
	// OnChange, when set, hears every saved change (the public map and notifications use it).
	OnChange func(ctx context.Context, before, after Report, events []Event)
	// Similar finds a ticket's possible duplicates and keeps each changed report in its spatial bucket.
	Similar *Similar

	// ProvinceMaxAge is how old the province-wide queue (every agency's) that dispatchers list may get
	// before a replica renews it in the background (zero: read at every listing): listings reuse one read
	// of every open ticket; a change made through this replica drops the copy at once.
	ProvinceMaxAge time.Duration

	provinceMu       sync.Mutex
	province         []QueueEntry
	provinceAt       time.Time
	provinceRenewing bool // a background read is renewing the copy
	provinceGen      int  // bumped by every change through this desk: a read started before it is not kept

	sweepMu sync.Mutex
}

func (d *Desk) now() time.Time {
	if d.Now != nil {
		return Stamp(d.Now())
	}
	return Stamp(time.Now())
}

// Env returns the workflow environment for a report's category.
func (d *Desk) Env(category string) Env {
	cat, _ := d.Router.Catalogue().Category(category)
	var cal *workcal.Calendar
	if d.Calendar != nil {
		cal = d.Calendar()
	}
	return Env{Calendar: cal, Policy: d.Policy, Category: cat, AgencyExists: func(id string) bool {
		_, ok := d.Router.Catalogue().Agency(id)
		return ok
	}}
}

// staffMaySee: dispatchers and admins see every ticket; officers and agency admins their agency's.
func staffMaySee(p auth.Principal, r Report) bool {
	switch p.Role {
	case auth.RoleDispatcher, auth.RoleAdmin:
		return true
	case auth.RoleOfficer, auth.RoleAgencyAdmin:
		return p.AgencyID != "" && p.AgencyID == r.Routing.AgencyID
	}
	return false
}

// Ticket returns a report for staff, with its possible duplicates (Similar.OfReport); fault.ErrNotFound
// when the caller's agency does not handle it, and storage errors.
func (d *Desk) Ticket(ctx context.Context, p auth.Principal, id string) (Report, []Candidate, error) {
	r, err := d.Store.Report(ctx, id)
	if err != nil {
		return Report{}, nil, err
	}
	if !staffMaySee(p, r) {
		return Report{}, nil, fault.New(fault.ErrNotFound, "no such report")
	}
	dups := []Candidate{}
	if d.Similar != nil {
		if dups, err = d.Similar.OfReport(ctx, r); err != nil {
			return Report{}, nil, err
		}
	}
	return r, dups, nil
}

// ResidentReport returns a report its reporter may act on; fault.ErrNotFound for anyone else.
func (d *Desk) ResidentReport(ctx context.Context, p auth.Principal, id string) (Report, error) {
	r, err := d.Store.Report(ctx, id)
	if err != nil {
		return Report{}, err
	}
	if r.ReporterID != p.UserID {
		return Report{}, fault.New(fault.ErrNotFound, "no such report")
	}
	return r, nil
}

// ErrVersionRequired: a change was sent without If-Match.
var ErrVersionRequired = errors.New("If-Match is required")

// WorkflowVersion is what a ticket's ETag stands for: the number of actions in its timeline. Background
// work on the document (photo derivatives) moves Report.Version but not this, so an officer's If-Match
// does not go stale because a thumbnail was made.
func WorkflowVersion(r Report) int64 { return int64(len(r.Timeline)) }

// Act performs a workflow command on report id, which the caller last saw at workflow version (its ETag).
// Officers' "after" photos come as upload IDs. It returns fault.ErrPrecondition when someone acted on the
// report since, the workflow's errors (fault.ErrConflict naming the allowed actions, *fault.Invalid,
// fault.ErrNotFound, fault.ErrForbidden), and storage errors.
func (d *Desk) Act(ctx context.Context, p auth.Principal, id string, version int64, c Command, afterUploads []string, intake *Intake) (Report, error) {
	var sources []photoSource
	for attempt := 0; ; attempt++ {
		r, err := d.Store.Report(ctx, id)
		if err != nil {
			return Report{}, err
		}
		if p.Role == auth.RoleResident && r.ReporterID != p.UserID {
			return Report{}, fault.New(fault.ErrNotFound, "no such report")
		}
		if p.Role != auth.RoleResident && !staffMaySee(p, r) {
			return Report{}, fault.New(fault.ErrNotFound, "no such report")
		}
		if WorkflowVersion(r) != version {
			return Report{}, fault.New(fault.ErrPrecondition, fmt.Sprintf("someone acted on the report since you read it (it is now at %s); reload it and try again", etagOf(r)))
		}
		// The original is looked up only for an action the caller may take now (Apply answers the others).
		if c.DuplicateOfID == "" && duplicating(c) && c.DuplicateOf != "" && c.DuplicateOf != r.Code && slices.Contains(Allowed(r, c.Actor), c.Action) {
			if c.DuplicateOfID, err = d.original(ctx, c.DuplicateOf); err != nil {
				return Report{}, err
			}
		}
		if c.Action == ActionAssign && c.AssigneeID != "" && c.AssigneeAgency == "" && slices.Contains(Allowed(r, c.Actor), c.Action) {
			if d.Staff == nil {
				return Report{}, errors.New("report: desk: no staff directory to assign tickets with")
			}
			if c.AssigneeAgency, err = d.Staff.AssignableAgency(ctx, c.AssigneeID); err != nil {
				return Report{}, fmt.Errorf("look up assignee %s: %w", c.AssigneeID, err)
			}
		}
		if len(afterUploads) > 0 && sources == nil {
			if c.Action != ActionResolve {
				return Report{}, invalid("body.after_photos", "only a resolution carries after photos")
			}
			if sources, err = intake.adoptUploads(ctx, p, afterUploads, r.ID, d.now(), "body.after_photos"); err != nil {
				return Report{}, err
			}
		}
		after, events, saved, err := d.apply(ctx, r, c, sources)
		if err != nil {
			return Report{}, err
		}
		if saved {
			return after, nil
		}
		if attempt == 10 {
			return Report{}, fault.New(fault.ErrPrecondition, "the report is being changed by others right now; reload it and try again")
		}
		_ = events
		// Another writer (the photo worker, a follower) moved the document: let it finish, then redo.
		select {
		case <-ctx.Done():
			return Report{}, fault.Wrap(fault.ErrUnavailable, "", ctx.Err())
		case <-time.After(time.Duration(1+rand.IntN(10*(attempt+1))) * time.Millisecond):
		}
	}
}

func etagOf(r Report) string { return fmt.Sprintf(`"v%d"`, WorkflowVersion(r)) }

// apply runs one attempt of Act on r as read; saved is false when another writer (the photo worker, a
// follower) moved the document meanwhile, and the caller reads it again.
func (d *Desk) apply(ctx context.Context, r Report, c Command, sources []photoSource) (Report, []Event, bool, error) {
	now := d.now()
	before := r
	var newPhotos []Photo
	for i, s := range sources {
		ph := Photo{ID: fmt.Sprintf("a%d-%d", WorkflowVersion(r), i+1), OriginalKey: s.key, ContentType: s.info.ContentType,
			Size: s.size, Width: s.info.Width, Height: s.info.Height, State: PhotoProcessing, After: true}
		newPhotos = append(newPhotos, ph)
		c.AfterPhotos = append(c.AfterPhotos, ph.ID)
	}
	after, t, events, err := Apply(r, r.Ticket, c, now, d.Env(r.Category))
	if err != nil {
		return Report{}, nil, false, err
	}
	after.Ticket = t
	after.Photos = append(slices.Clone(r.Photos), newPhotos...)
	after = withOutbox(before, after, len(events), now)
	if len(newPhotos) > 0 {
		// The job first, so the photos get their derivatives even if this process dies after saving.
		if err := d.Store.PutJob(ctx, Job{ReportID: r.ID, NotBefore: now}); err != nil {
			return Report{}, nil, false, err
		}
	}
	owesMove := followersOwed(after) && !followersOwed(before)
	if owesMove {
		// The note first, so that the sweep finishes the move if this process dies after saving.
		if err := d.Store.PutFollowerMove(ctx, r.ID, now); err != nil {
			return Report{}, nil, false, err
		}
	}
	ok, err := d.Store.SaveReport(ctx, before, after, now)
	if err != nil || !ok {
		return Report{}, nil, false, err
	}
	after.Version = before.Version + 1
	if owesMove {
		if err := d.MoveFollowers(ctx, after); err != nil {
			d.Log.WarnContext(ctx, "duplicate's followers not moved yet; the sweep retries", "report", r.ID, "error", err.Error())
		} else {
			after.Ticket.FollowersMoved = true
			after.Version++ // MarkFollowersMoved's write
		}
	}
	d.syncQueues(ctx, before, after, now)
	if d.Similar != nil {
		if err := d.Similar.Sync(ctx, after); err != nil {
			d.Log.WarnContext(ctx, "spatial bucket not updated; the photo worker or the next change does it", "report", r.ID, "error", err.Error())
		}
	}
	if d.OnChange != nil {
		d.OnChange(ctx, before, after, events)
	}
	return after, events, true, nil
}

// ProvinceQueueMaxAge is the ProvinceMaxAge the service runs with: a dispatcher's list may show another
// replica's change this much later (their own changes at once, and every ticket read is fresh).
const ProvinceQueueMaxAge = 5 * time.Second

// provinceQueue returns the province-wide queue. A copy older than ProvinceMaxAge is served while one
// background read renews it (so no listing waits for the eight large documents once a copy exists); after
// a change through this desk, or without a copy, the listing reads them itself.
func (d *Desk) provinceQueue(ctx context.Context) ([]QueueEntry, error) {
	if d.ProvinceMaxAge <= 0 {
		return d.everyQueue(ctx)
	}
	d.provinceMu.Lock()
	all, at, renewing := d.province, d.provinceAt, d.provinceRenewing
	if all != nil && time.Since(at) >= d.ProvinceMaxAge && !renewing {
		d.provinceRenewing = true
		gen := d.provinceGen
		go func() {
			// Bounded: a renewal that hung would hold provinceRenewing and leave the copy old for good.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), provinceRenewTimeout)
			fresh, err := d.everyQueue(rctx)
			cancel()
			d.provinceMu.Lock()
			defer d.provinceMu.Unlock()
			d.provinceRenewing = false
			if err == nil && gen == d.provinceGen {
				d.province, d.provinceAt = fresh, time.Now()
			}
		}()
	}
	d.provinceMu.Unlock()
	if all != nil {
		return all, nil
	}
	d.provinceMu.Lock()
	gen := d.provinceGen
	d.provinceMu.Unlock()
	fresh, err := d.everyQueue(ctx)
	if err != nil {
		return nil, err
	}
	d.provinceMu.Lock()
	if gen == d.provinceGen {
		d.province, d.provinceAt = fresh, time.Now()
	}
	d.provinceMu.Unlock()
	return fresh, nil
}

// everyQueue reads every agency's queue.
func (d *Desk) everyQueue(ctx context.Context) ([]QueueEntry, error) {
	agencies := d.Router.Catalogue().Agencies()
	ids := make([]string, len(agencies))
	for i, a := range agencies {
		ids[i] = a.ID
	}
	return d.Store.Queues(ctx, ids)
}

// provinceRenewTimeout bounds a background renewal of the province-wide queue.
const provinceRenewTimeout = 30 * time.Second

// forgetProvince drops the cached province queue after a change through this desk.
func (d *Desk) forgetProvince() {
	d.provinceMu.Lock()
	d.province = nil
	d.provinceGen++
	d.provinceMu.Unlock()
}

// syncQueues updates the precomputed queues after a change. A failure is logged: the periodic rebuild
// repairs queues (they are derived data; the report is the truth).
func (d *Desk) syncQueues(ctx context.Context, before, after Report, now time.Time) {
	defer d.forgetProvince()
	cat, _ := d.Router.Catalogue().Category(after.Category)
	urgent := cat.Deadline == "urgent"
	if before.Routing.AgencyID != after.Routing.AgencyID {
		if err := d.Store.DropQueueEntry(ctx, before.Routing.AgencyID, before.ID, now); err != nil {
			d.Log.WarnContext(ctx, "queue not updated", "agency", before.Routing.AgencyID, "error", err.Error())
		}
	}
	var err error
	if InQueue(after.Status) {
		err = d.Store.PutQueueEntry(ctx, after.Routing.AgencyID, Entry(after, urgent), now)
	} else {
		err = d.Store.DropQueueEntry(ctx, after.Routing.AgencyID, after.ID, now)
	}
	if err != nil {
		d.Log.WarnContext(ctx, "queue not updated", "agency", after.Routing.AgencyID, "error", err.Error())
	}
}

// QueueFilter selects and orders a queue.
type QueueFilter struct {
	Status         Status
	Category       string
	Commune        string
	Overdue        bool
	Assigned       string // "me": assigned to the caller; "none": to nobody; "": either
	DeadlineBefore time.Time
	Sort           string // "deadline" (default), "newest", "priority"
	Limit          int
	Offset         int
}

// QueuePage is one page of a queue with counts per status over the whole (unfiltered) queue.
type QueuePage struct {
	Items  []QueueEntry
	Counts map[Status]int
	Next   int // offset of the next page; 0 on the last
	// Left is the working time to each item's running deadline (Desk.WorkingLeft), by report ID; items
	// without one are absent.
	Left map[string]time.Duration
}

// Queue lists the tickets the caller handles: their agency's, or every agency's for dispatchers.
func (d *Desk) Queue(ctx context.Context, p auth.Principal, f QueueFilter) (QueuePage, error) {
	var all []QueueEntry
	var err error
	switch p.Role {
	case auth.RoleDispatcher, auth.RoleAdmin:
		all, err = d.provinceQueue(ctx)
	default:
		all, err = d.Store.Queue(ctx, p.AgencyID)
	}
	if err != nil {
		return QueuePage{}, err
	}
	now := d.now()
	page := QueuePage{Counts: map[Status]int{}}
	for _, e := range all {
		page.Counts[e.Status]++
		switch {
		case f.Status != "" && e.Status != f.Status,
			f.Category != "" && e.Category != f.Category,
			f.Commune != "" && e.CommuneCode != f.Commune,
			f.Overdue && !entryOverdue(e, now),
			f.Assigned == "me" && e.AssigneeID != p.UserID,
			f.Assigned == "none" && e.AssigneeID != "",
			!f.DeadlineBefore.IsZero() && (e.ResolveBy.IsZero() || !e.ResolveBy.Before(f.DeadlineBefore)):
			continue
		}
		page.Items = append(page.Items, e)
	}
	slices.SortFunc(page.Items, func(a, b QueueEntry) int {
		switch f.Sort {
		case "newest":
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
		case "priority":
			if a.Urgent != b.Urgent {
				if a.Urgent {
					return -1
				}
				return 1
			}
			fallthrough
		default:
			if c := deadlineOf(a).Compare(deadlineOf(b)); c != 0 {
				return c
			}
		}
		return strings.Compare(a.ReportID, b.ReportID)
	})
	if f.Offset > len(page.Items) {
		f.Offset = len(page.Items)
	}
	page.Items = page.Items[f.Offset:]
	if f.Limit > 0 && len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		page.Next = f.Offset + f.Limit
	}
	page.Left = make(map[string]time.Duration, len(page.Items))
	for _, e := range page.Items {
		if left, ok := d.WorkingLeft(e.Status, e.AcceptBy, e.ResolveBy); ok {
			page.Left[e.ReportID] = left
		}
	}
	return page, nil
}

// deadlineOf is the next deadline of an entry: accepting while received, resolving after.
func deadlineOf(e QueueEntry) time.Time {
	if e.Status == Received && !e.AcceptBy.IsZero() {
		return e.AcceptBy
	}
	if e.ResolveBy.IsZero() {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return e.ResolveBy
}

func entryOverdue(e QueueEntry, now time.Time) bool {
	switch e.Status {
	case Resolved, Closed, Rejected, InfoRequested:
		return false
	}
	d := deadlineOf(e)
	return d.Year() < 9999 && now.After(d)
}

// entryDeadlineNear reports whether an entry's running deadline is within DeadlineWarning of working time.
func (d *Desk) entryDeadlineNear(e QueueEntry, now time.Time) bool {
	switch e.Status {
	case Received, Accepted, InProgress, Reopened:
	default:
		return false
	}
	dl := deadlineOf(e)
	if dl.Year() == 9999 || !now.Before(dl) || d.Calendar == nil {
		return false
	}
	return d.Calendar().Between(now, dl) <= DeadlineWarning
}

// Sweep applies the system's timed actions to queued tickets: closing resolutions left unanswered for
// seven days, telling officers of a deadline DeadlineWarning away, and escalating overdue tickets once. It also finishes moves of duplicates' followers that a
// crash or an outage interrupted. It returns how many tickets it changed.
func (d *Desk) Sweep(ctx context.Context) (int, error) {
	d.sweepMu.Lock()
	defer d.sweepMu.Unlock()
	now := d.now()
	changed, err := d.FinishFollowerMoves(ctx, now.Add(-followerMoveGrace))
	if err != nil {
		d.Log.WarnContext(ctx, "follower moves not finished", "error", err.Error())
	}
	all, err := d.everyQueue(ctx)
	if err != nil {
		return changed, err
	}
	if err := d.fileRecent(ctx, all, now); err != nil {
		d.Log.WarnContext(ctx, "recent reports not filed", "error", err.Error())
	}
	for _, e := range all {
		var action Action
		switch {
		case e.Status == Resolved:
			action = ActionAutoClose
		case entryOverdue(e, now):
			action = ActionEscalate
		case d.entryDeadlineNear(e, now):
			action = ActionWarnDeadline
		default:
			continue
		}
		r, err := d.Store.Report(ctx, e.ReportID)
		if err != nil {
			continue
		}
		if action == ActionAutoClose && now.Before(r.Ticket.WindowEnd()) || action == ActionEscalate && r.Ticket.Escalated ||
			action == ActionWarnDeadline && r.Ticket.WarnedFor.Equal(ActiveDeadline(r, r.Ticket)) {
			continue
		}
		if _, err := d.Act(ctx, auth.Principal{Role: auth.RoleDispatcher}, r.ID, WorkflowVersion(r), Command{Action: action, Actor: SystemActor}, nil, nil); err != nil {
			d.Log.WarnContext(ctx, "timed action failed", "report", r.ID, "action", string(action), "error", err.Error())
			continue
		}
		changed++
	}
	return changed, nil
}

// Reports whose submission stored them but failed (or whose process died) before filing them, and that
// no retry filed, are filed by the sweep: those created between FileLookBack and FileGrace ago.
const (
	FileLookBack = time.Hour
	FileGrace    = time.Minute // far beyond a submission's own filing
)

// fileRecent files the reports created recently that no queue lists although they belong in one, and
// creates their photo jobs if missing. queued is every agency's queue as the sweep read it.
func (d *Desk) fileRecent(ctx context.Context, queued []QueueEntry, now time.Time) error {
	rs, err := d.Store.ReportsCreated(ctx, now.Add(-FileLookBack), now.Add(-FileGrace))
	if err != nil {
		return err
	}
	listed := make(map[string]bool, len(queued))
	for _, e := range queued {
		listed[e.ReportID] = true
	}
	filed := 0
	for _, r := range rs {
		_, pending := photoJob(r, now)
		if listed[r.ID] && !pending || !InQueue(r.Status) && !pending {
			continue
		}
		cat, _ := d.Router.Catalogue().Category(r.Category)
		if err := fileReport(ctx, d.Store, r, cat.Deadline == "urgent", now); err != nil {
			return err
		}
		filed++
	}
	if filed > 0 {
		d.forgetProvince()
		d.Log.InfoContext(ctx, "filed reports whose submission had not", "reports", filed)
	}
	return nil
}
