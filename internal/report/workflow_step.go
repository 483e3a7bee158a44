package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/workcal"
)

// step is one Apply in progress: run checks the input and the preconditions, then changes r and t (copies
// that Apply discards on failure) and sets the new status and the event's note.
type step struct {
	r        Report
	t        Ticket
	c        Command
	now      time.Time
	env      Env
	to       Status
	note     string
	assignee string // the event's Assignee
}

func (s *step) run() error {
	c := s.c
	inv := &fault.Invalid{}
	s.note = c.Note
	switch c.Action {
	case ActionAccept:
		checkNote(inv, c.Note, false, "")
		s.to = Accepted
	case ActionAssign:
		return s.assign(inv)
	case ActionStart:
		checkNote(inv, c.Note, false, "")
		s.to = InProgress
	case ActionRequestInfo:
		checkNote(inv, c.Note, true, "the question to the reporter")
		if inv.Err() == nil {
			s.t.InfoFrom = s.r.Status
			s.t.Pauses = append(s.t.Pauses, workcal.Interval{Start: s.now})
			s.to = InfoRequested
			return s.t.schedule(s.env)
		}
	case ActionProvideInfo:
		checkNote(inv, c.Note, true, "the answer")
		if inv.Err() == nil {
			s.provideInfo()
			return s.t.schedule(s.env)
		}
	case ActionResolve:
		s.resolve(inv)
	case ActionReject:
		s.reject(inv)
	case ActionMarkDuplicate:
		checkNote(inv, c.Note, false, "")
		s.duplicate(inv)
		s.note = joinNote("duplicate of "+c.DuplicateOf, c.Note)
	case ActionTransfer:
		if err := s.transfer(inv); err != nil || inv.Err() != nil {
			return firstErr(err, inv.Err())
		}
		return s.t.schedule(s.env)
	case ActionMarkComplex:
		checkNote(inv, c.Note, true, "the reason")
		if inv.Err() == nil {
			if s.t.Complex {
				return fault.New(fault.ErrConflict, "the report is already marked complex")
			}
			s.t.Complex = true
			return s.t.schedule(s.env)
		}
	case ActionComment:
		checkNote(inv, c.Note, true, "the comment")
	case ActionHide, ActionUnhide:
		checkNote(inv, c.Note, true, "the reason")
		hide := c.Action == ActionHide
		switch {
		case inv.Err() != nil:
		case hide && s.t.Hidden:
			return fault.New(fault.ErrConflict, "the report is already hidden")
		case !hide && !s.t.Hidden:
			return fault.New(fault.ErrConflict, "the report is not hidden")
		}
		s.t.Hidden = hide
	case ActionConfirm:
		checkNote(inv, c.Note, false, "")
		if inv.Err() == nil {
			if err := s.inWindow(); err != nil {
				return err
			}
		}
		s.to = Closed
	case ActionDispute:
		checkNote(inv, c.Note, true, "the reason")
		if inv.Err() == nil {
			if err := s.inWindow(); err != nil {
				return err
			}
			s.to = Reopened
			s.t.ResolveFrom, s.t.ResolvedAt, s.t.Escalated = s.now, time.Time{}, false
			return s.t.schedule(s.env)
		}
	case ActionRate:
		return s.rate(inv)
	case ActionAutoClose:
		if end := s.t.WindowEnd(); s.now.Before(end) {
			return fault.New(fault.ErrConflict, "the reporter may answer the resolution until "+formatWhen(end))
		}
		s.to = Closed
		s.note = "closed automatically: the reporter did not answer the resolution within 7 days"
	case ActionEscalate:
		return s.escalate()
	case ActionWarnDeadline:
		return s.warnDeadline()
	}
	return inv.Err()
}

func (s *step) provideInfo() {
	if i := len(s.t.Pauses) - 1; i >= 0 && s.t.Pauses[i].Open() {
		s.t.Pauses[i].End = s.now
	}
	s.to = s.t.InfoFrom
	if s.to == "" {
		s.to = Accepted
	}
	s.t.InfoFrom = ""
}

func (s *step) resolve(inv *fault.Invalid) {
	c := s.c
	checkNote(inv, c.Note, true, "a public reply")
	switch {
	case len(c.AfterPhotos) == 0 && s.env.Category.Physical:
		inv.Add("body.after_photos", "at least one photo of the result is required for this category")
	case len(c.AfterPhotos) > MaxPhotos:
		inv.Add("body.after_photos", fmt.Sprintf("at most %d photos", MaxPhotos))
	case slices.Contains(c.AfterPhotos, ""):
		inv.Add("body.after_photos", "photo IDs must not be empty")
	}
	s.to = Resolved
	s.t.ResolvedAt = s.now
	s.t.AfterPhotos = slices.Clone(c.AfterPhotos)
	s.t.Rating, s.t.RatingComment = 0, ""
}

func (s *step) reject(inv *fault.Invalid) {
	c := s.c
	if !c.Reason.valid() {
		inv.Add("body.reason", "must be one of duplicate, not_a_problem, insufficient_info, abusive")
	}
	checkNote(inv, c.Note, true, "a message to the reporter")
	s.to = Rejected
	s.note = string(c.Reason) + ": " + c.Note
	if c.Reason == ReasonDuplicate {
		s.duplicate(inv)
		s.note = "duplicate of " + c.DuplicateOf + ": " + c.Note
	}
}

func (s *step) duplicate(inv *fault.Invalid) {
	switch of := s.c.DuplicateOf; {
	case of == "":
		inv.Add("body.duplicate_of", "the code of the original report is required")
	case of == s.r.Code:
		inv.Add("body.duplicate_of", "a report cannot duplicate itself")
	}
	s.to = Rejected
	s.t.DuplicateOf, s.t.DuplicateOfID, s.t.FollowersMoved = s.c.DuplicateOf, s.c.DuplicateOfID, false
}

// transfer hands the report to another agency: it is received there afresh, with new deadlines.
func (s *step) transfer(inv *fault.Invalid) error {
	c := s.c
	from := s.r.Routing.AgencyID
	checkNote(inv, c.Note, true, "the reason")
	switch {
	case c.ToAgency == "":
		inv.Add("body.to_agency", "the agency to transfer to is required")
	case c.ToAgency == from:
		inv.Add("body.to_agency", "the report is already with this agency")
	case s.env.AgencyExists == nil:
		return fmt.Errorf("report: workflow: no agency lookup for a transfer")
	case !s.env.AgencyExists(c.ToAgency):
		inv.Add("body.to_agency", "no such agency")
	}
	if inv.Err() != nil {
		return nil
	}
	s.r.Routing.AgencyID = c.ToAgency
	s.r.Routing.Rule = RuleTransfer
	s.r.Routing.Reason = fmt.Sprintf("transferred from %s to %s by %s %s: %s", from, c.ToAgency, actorRole(c.Actor), c.Actor.Principal.UserID, c.Note)
	s.r.Routing.ReasonVi = fmt.Sprintf("chuyển từ %s sang %s: %s", from, c.ToAgency, c.Note)
	s.to = Received
	s.note = fmt.Sprintf("from %s to %s: %s", from, c.ToAgency, c.Note)
	s.t.AcceptFrom, s.t.ResolveFrom = s.now, s.now
	s.t.Complex, s.t.Escalated = false, false
	s.t.AssigneeID = ""
	return nil
}

// assign gives the ticket to a staff member of the agency handling it (the desk has looked up their
// agency into AssigneeAgency).
func (s *step) assign(inv *fault.Invalid) error {
	c := s.c
	checkNote(inv, c.Note, false, "")
	switch {
	case c.AssigneeID == "":
		inv.Add("body.assignee_id", "whom to assign the ticket to is required (your own ID to take it)")
	case c.AssigneeAgency == "" || c.AssigneeAgency != s.r.Routing.AgencyID:
		inv.Add("body.assignee_id", "must be an enabled officer or agency admin of the agency handling the ticket ("+s.r.Routing.AgencyID+")")
	}
	if err := inv.Err(); err != nil {
		return err
	}
	if s.t.AssigneeID == c.AssigneeID {
		return fault.New(fault.ErrConflict, "the ticket is already assigned to "+c.AssigneeID)
	}
	s.t.AssigneeID = c.AssigneeID
	s.assignee = c.AssigneeID
	s.note = joinNote("assigned to "+c.AssigneeID, c.Note)
	return nil
}

func (s *step) rate(inv *fault.Invalid) error {
	c := s.c
	if c.Rating < 1 || c.Rating > 5 {
		inv.Add("body.rating", "must be from 1 to 5")
	}
	checkNote(inv, c.Note, false, "")
	if err := inv.Err(); err != nil {
		return err
	}
	if s.t.Rating != 0 {
		return fault.New(fault.ErrConflict, "this resolution is already rated")
	}
	if err := s.inWindow(); err != nil {
		return err
	}
	s.t.Rating, s.t.RatingComment = c.Rating, c.Note
	s.note = joinNote(fmt.Sprintf("rated %d/5", c.Rating), c.Note)
	return nil
}

func (s *step) escalate() error {
	if s.t.Escalated {
		return fault.New(fault.ErrConflict, "the report was already escalated")
	}
	accept, resolve := Overdue(s.r, s.t, s.now)
	switch {
	case accept:
		s.note = "not accepted by the deadline " + formatWhen(s.t.AcceptBy)
	case resolve:
		s.note = "not resolved by the deadline " + formatWhen(s.t.ResolveBy)
	default:
		return fault.New(fault.ErrConflict, "the report is not overdue")
	}
	s.t.Escalated = true
	return nil
}

// warnDeadline notes that the current deadline is within DeadlineWarning of working time, once per
// deadline: a new deadline (accepted, reopened, transferred, marked complex) may be warned of again.
func (s *step) warnDeadline() error {
	d := ActiveDeadline(s.r, s.t)
	switch {
	case d.IsZero():
		return fault.New(fault.ErrConflict, "the report has no deadline running")
	case s.t.WarnedFor.Equal(d):
		return fault.New(fault.ErrConflict, "the deadline "+formatWhen(d)+" was already warned of")
	case !s.now.Before(d):
		return fault.New(fault.ErrConflict, "the deadline "+formatWhen(d)+" has passed")
	case s.env.Calendar != nil && s.env.Calendar.Between(s.now, d) > DeadlineWarning:
		return fault.New(fault.ErrConflict, "the deadline "+formatWhen(d)+" is not near yet")
	}
	s.t.WarnedFor = d
	s.note = "deadline " + formatWhen(d)
	return nil
}

// inWindow refuses the reporter's answer once the 7-day window after the resolution has closed.
func (s *step) inWindow() error {
	if end := s.t.WindowEnd(); s.now.After(end) {
		return fault.New(fault.ErrConflict, "the 7-day window closed on "+formatWhen(end))
	}
	return nil
}

func formatWhen(t time.Time) string {
	return t.In(workcal.Location()).Format("2 Jan 2006 15:04 (UTC-07:00)")
}

func joinNote(head, note string) string {
	if note == "" {
		return head
	}
	return head + ": " + note
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
