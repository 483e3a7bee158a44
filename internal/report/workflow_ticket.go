package report

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/quangninh/feedback/internal/workcal"
)

// Ticket is the workflow state of a report that the Report type does not carry: deadlines, the clock's
// pauses, the resolution and its rating, visibility on the public map. The store keeps it with the report
// and saves both in the same compare-and-swap.
type Ticket struct {
	// AcceptBy and ResolveBy are the deadlines, in working time from AcceptFrom and ResolveFrom, not
	// counting Pauses. ResolveBy is zero while the ticket waits for the reporter with budget left: the
	// deadline is unknown until the clock runs again.
	AcceptBy, ResolveBy time.Time
	// AcceptFrom and ResolveFrom are when the clocks started: receipt, or the last transfer; a dispute
	// restarts only ResolveFrom.
	AcceptFrom, ResolveFrom time.Time
	Complex                 bool               // the resolve budget is the complex class's
	Pauses                  []workcal.Interval // the last one is open while the status is info_requested
	InfoFrom                Status             // the status a request for information interrupted
	ResolvedAt              time.Time          // the current resolution; zero when not resolved
	AfterPhotos             []string           // photo IDs showing the current resolution
	Rating                  int                // 1 to 5; 0 when the current resolution is not rated
	RatingComment           string
	Hidden                  bool      // off the public map
	Escalated               bool      // the current deadlines' overrun was escalated
	WarnedFor               time.Time // the deadline the officers were last told was near
	DuplicateOf             string    // the original's code, when rejected as a duplicate
	// DuplicateOfID is the original's report ID. While FollowersMoved is false the duplicate's reporter and
	// followers are still owed a place among the original's followers (see Desk.MoveFollowers).
	DuplicateOfID  string
	FollowersMoved bool
	// AssigneeID is the staff member of the handling agency working the ticket; "" while nobody is. A
	// transfer clears it.
	AssigneeID string
	// LikelyOriginal is the report this one was found, on arrival, to duplicate (matching photos nearby,
	// Similar.LikelyOriginal), for an officer to confirm with mark_duplicate; zero when none was.
	LikelyOriginal DuplicateLink
}

// DuplicateLink points from a report to its likely original.
type DuplicateLink struct {
	ReportID, Code string
	Score          float64
}

// NewTicket returns the ticket of a report just received: both clocks start at r.CreatedAt, with the
// budgets of env.Policy for the category's deadline class.
//
// It returns an error if env has no calendar, env.Category is not r's category, r has no CreatedAt, or
// the policy has no budget for the class; all are bugs in the caller, not the resident's fault.
func NewTicket(r Report, env Env) (Ticket, error) {
	if err := env.check(r); err != nil {
		return Ticket{}, err
	}
	if r.CreatedAt.IsZero() {
		return Ticket{}, errors.New("report: workflow: report has no creation time")
	}
	t := Ticket{AcceptFrom: r.CreatedAt, ResolveFrom: r.CreatedAt}
	if err := t.schedule(env); err != nil {
		return Ticket{}, err
	}
	return t, nil
}

// Overdue reports whether, at now, the report waits for acceptance past AcceptBy, or is still open past
// ResolveBy. A report waiting for the reporter is not overdue unless its budget had run out before the
// question was asked.
func Overdue(r Report, t Ticket, now time.Time) (accept, resolve bool) {
	accept = r.Status == Received && !t.AcceptBy.IsZero() && now.After(t.AcceptBy)
	resolve = r.Status.Open() && !t.ResolveBy.IsZero() && now.After(t.ResolveBy)
	return accept, resolve
}

// ActiveDeadline is the deadline running for r: accepting while received, resolving while accepted, in
// progress or reopened; zero otherwise (including while the clock waits for information).
func ActiveDeadline(r Report, t Ticket) time.Time {
	switch r.Status {
	case Received:
		if !t.AcceptBy.IsZero() {
			return t.AcceptBy
		}
		return t.ResolveBy
	case Accepted, InProgress, Reopened:
		return t.ResolveBy
	}
	return time.Time{}
}

// WindowEnd is when the reporter's window to confirm, dispute or rate the current resolution closes, and
// when the system may close the report: ResidentWindow (seven calendar days) after ResolvedAt.
func (t Ticket) WindowEnd() time.Time {
	return t.ResolvedAt.In(workcal.Location()).AddDate(0, 0, int(ResidentWindow/(24*time.Hour)))
}

// clone returns a copy of t that shares no slice with it.
func (t Ticket) clone() Ticket {
	t.Pauses = slices.Clone(t.Pauses)
	t.AfterPhotos = slices.Clone(t.AfterPhotos)
	return t
}

// schedule recomputes the deadlines from the clocks' starts, the class and the pauses.
func (t *Ticket) schedule(env Env) error {
	class, err := workcal.ParseDeadlineClass(string(env.Category.Deadline))
	if err != nil {
		return fmt.Errorf("report: workflow: category %s: %w", env.Category.Code, err)
	}
	b, err := env.Policy.Budget(env.Category.Code, class)
	if err != nil {
		return fmt.Errorf("report: workflow: category %s: %w", env.Category.Code, err)
	}
	resolve := b.Resolve
	if t.Complex {
		cb, err := env.Policy.Budget(env.Category.Code, workcal.ClassComplex)
		if err != nil {
			return fmt.Errorf("report: workflow: category %s: %w", env.Category.Code, err)
		}
		resolve = cb.Resolve
	}
	cal := env.Calendar
	t.AcceptBy, _ = cal.Deadline(t.AcceptFrom, cal.Duration(b.Accept), t.Pauses)
	t.ResolveBy, _ = cal.Deadline(t.ResolveFrom, cal.Duration(resolve), t.Pauses)
	t.AcceptBy, t.ResolveBy = Stamp(t.AcceptBy), Stamp(t.ResolveBy)
	return nil
}
