package report

// The ticket workflow: what officers, dispatchers, residents and the system may do to a report once it
// has been received, as pure functions. The store loads a report and its Ticket, calls Apply, and saves
// the result with a compare-and-swap on Report.Version; nothing here reads a clock or a database.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/workcal"
)

// Action is something done to a report after intake. Its value is also the Action of the timeline event
// it appends, except for comments (see ActionComment).
type Action string

// The actions, in the order Allowed lists them.
const (
	ActionAccept        Action = "accept"
	ActionAssign        Action = "assign" // give the ticket to a staff member of its agency (or take it)
	ActionStart         Action = "start"
	ActionRequestInfo   Action = "request_info"
	ActionProvideInfo   Action = "provide_info" // the reporter answers a request for information
	ActionResolve       Action = "resolve"
	ActionReject        Action = "reject"
	ActionMarkDuplicate Action = "mark_duplicate"
	ActionTransfer      Action = "transfer"
	ActionMarkComplex   Action = "mark_complex"
	// ActionComment appends EventCommentPublic or EventCommentInternal, as Command.Public says: the event
	// has no visibility field, so the action name carries it.
	ActionComment   Action = "comment"
	ActionHide      Action = "hide"   // take the report off the public map
	ActionUnhide    Action = "unhide" // put it back
	ActionConfirm   Action = "confirm"
	ActionDispute   Action = "dispute"
	ActionRate      Action = "rate"
	ActionAutoClose Action = "auto_close" // the system closes a resolution left unanswered for 7 days
	ActionEscalate  Action = "escalate"   // the system flags an overdue ticket, once
	// ActionWarnDeadline: the system tells the agency's officers that the current deadline is near, once
	// per deadline (DeadlineWarning of working time before it).
	ActionWarnDeadline Action = "warn_deadline"
)

// DeadlineWarning is how much working time before a deadline the officers are told that it is near.
const DeadlineWarning = 2 * time.Hour

// The event actions of comments. Residents see public comments; internal ones only staff.
const (
	EventCommentPublic   = "comment_public"
	EventCommentInternal = "comment_internal"
)

// EventRoleSystem is the ActorRole of events the system appends.
const EventRoleSystem = "system"

// RuleTransfer is the routing rule of a report that an officer or dispatcher moved to another agency.
const RuleTransfer catalogue.Rule = "transfer"

// ResidentWindow is how long after a resolution the reporter may confirm, dispute or rate it, and after
// which the system closes it.
const ResidentWindow = 7 * 24 * time.Hour

// MaxNote is the longest note, reply, comment or reason, in characters.
const MaxNote = 4000

// RejectReason says why a report was rejected.
type RejectReason string

// The reasons for rejecting a report.
const (
	ReasonDuplicate        RejectReason = "duplicate"
	ReasonNotAProblem      RejectReason = "not_a_problem"
	ReasonInsufficientInfo RejectReason = "insufficient_info"
	ReasonAbusive          RejectReason = "abusive"
)

func (r RejectReason) valid() bool {
	switch r {
	case ReasonDuplicate, ReasonNotAProblem, ReasonInsufficientInfo, ReasonAbusive:
		return true
	}
	return false
}

// Actor is who acts: a signed-in user, or the system (timers) when System is set.
type Actor struct {
	Principal auth.Principal
	System    bool
}

// SystemActor is the actor of automatic actions.
var SystemActor = Actor{System: true}

// Command is one action with its input. Which fields matter depends on the action.
type Command struct {
	Action Action
	Actor  Actor
	// Note is the free text of the action: the public reply of resolve, the message of reject, the
	// question of request_info, the answer of provide_info, the reason of dispute, mark_complex, hide,
	// unhide and transfer, the text of a comment, the comment of a rating.
	Note        string
	Reason      RejectReason // reject
	DuplicateOf string       // reject with ReasonDuplicate, mark_duplicate: the original report's code
	// DuplicateOfID is the original's report ID, which the desk looks up from DuplicateOf before Apply.
	DuplicateOfID string
	ToAgency      string // transfer
	// AssigneeID is whom assign gives the ticket to; AssigneeAgency is that account's agency, which the
	// desk looks up before Apply ("" when it is no enabled officer or agency admin).
	AssigneeID     string
	AssigneeAgency string
	Rating         int      // rate: 1 to 5
	AfterPhotos    []string // resolve: IDs of photos already stored
	Public         bool     // comment: whether the reporter sees it
}

// Env is what Apply needs besides the report: the working-time calendar and deadline policy, the
// report's category, and a way to tell whether an agency exists (for transfers).
type Env struct {
	Calendar     *workcal.Calendar
	Policy       workcal.Policy
	Category     catalogue.Category
	AgencyExists func(id string) bool
}

// Apply performs c on the report r, whose workflow state is t, at now. It returns the new report (status
// changed, the event appended to its timeline, UpdatedAt set; Version untouched, the store bumps it), the
// new ticket, and the events appended (exactly one).
//
// On failure it returns r and t unchanged, no event, and an error:
//   - *fault.Invalid for an unknown action or bad input (body.note, body.after_photos, body.reason,
//     body.duplicate_of, body.to_agency, body.rating);
//   - fault.ErrNotFound when the actor may not see the report: an officer or agency admin of another
//     agency, a resident who is neither its reporter nor a follower;
//   - fault.ErrForbidden when the actor sees the report but may not do this: administrators (read-only
//     here), followers, a resident asking for a staff action, a user asking for a system action;
//   - fault.ErrConflict when the report's state does not allow it: a transition not allowed from the
//     current status (the message names the status and the actions allowed from it), a window that
//     closed, a rating already given, a report already hidden or escalated, nothing overdue;
//   - a plain error when env is incomplete or the deadline policy lacks a class (a bug, not the caller's).
func Apply(r Report, t Ticket, c Command, now time.Time, env Env) (Report, Ticket, []Event, error) {
	rule, ok := rules[c.Action]
	if !ok {
		return r, t, nil, fieldError("body.action", fmt.Sprintf("unknown action %q", c.Action))
	}
	if err := env.check(r); err != nil {
		return r, t, nil, err
	}
	as, err := standing(r, c.Actor)
	if err != nil {
		return r, t, nil, err
	}
	if rule.by&as == 0 {
		return r, t, nil, fault.New(fault.ErrForbidden, fmt.Sprintf("the %s role may not %s a report", actorRole(c.Actor), actionWords(c.Action)))
	}
	if !rule.from(r.Status) {
		return r, t, nil, notAllowed(r, c.Actor, c.Action)
	}
	s := &step{r: r, t: t.clone(), c: c, now: now, env: env, to: r.Status}
	s.c.Note = strings.TrimSpace(c.Note)
	if err := s.run(); err != nil {
		return r, t, nil, err
	}
	ev := Event{
		At:        now,
		Action:    string(c.Action),
		ActorRole: actorRole(c.Actor),
		From:      r.Status,
		To:        s.to,
		Note:      s.note,
		Assignee:  s.assignee,
	}
	if !c.Actor.System {
		ev.ActorID, ev.AgencyID = c.Actor.Principal.UserID, c.Actor.Principal.AgencyID
	}
	if c.Action == ActionComment {
		ev.Action = EventCommentInternal
		if c.Public {
			ev.Action = EventCommentPublic
		}
	}
	out := s.r
	out.Status = s.to
	out.UpdatedAt = now
	// Clip so that appending never writes into spare capacity that the caller's slice shares.
	out.Timeline = append(slices.Clip(r.Timeline), ev)
	return out, s.t, []Event{ev}, nil
}

// Allowed lists the actions that a's role and the report's status allow, in a stable order: what a client
// may offer. Of hide and unhide it lists the one that applies (r.Ticket.Hidden). An attempt may still fail
// on its input or on a precondition that Apply checks (a closed window, a rating given, nothing overdue). It returns nil when a may not act on the report at
// all (an administrator, another agency's officer, a follower or a stranger).
func Allowed(r Report, a Actor) []Action {
	as, err := standing(r, a)
	if err != nil {
		return nil
	}
	var out []Action
	for _, act := range actionOrder {
		if act == ActionHide && r.Ticket.Hidden || act == ActionUnhide && !r.Ticket.Hidden {
			continue
		}
		if rule := rules[act]; rule.by&as != 0 && rule.from(r.Status) {
			out = append(out, act)
		}
	}
	return out
}

// party is the capacity in which an actor acts on one report.
type party uint8

const (
	staff    party = 1 << iota // an officer or agency admin of the handling agency, or a dispatcher
	reporter                   // the resident who filed the report
	system                     // timers
)

type rule struct {
	by       party
	statuses []Status // nil: any status
}

func (r rule) from(s Status) bool { return r.statuses == nil || slices.Contains(r.statuses, s) }

var (
	openStatuses = []Status{Received, Accepted, InProgress, InfoRequested, Reopened}
	rejectable   = []Status{Received, Accepted, InProgress}
	// runningStatuses have a deadline running (a request for information pauses it).
	runningStatuses = []Status{Received, Accepted, InProgress, Reopened}
)

var rules = map[Action]rule{
	ActionAccept:        {staff, []Status{Received, Reopened}},
	ActionAssign:        {staff, openStatuses},
	ActionStart:         {staff, []Status{Accepted}},
	ActionRequestInfo:   {staff, []Status{Accepted, InProgress}},
	ActionProvideInfo:   {reporter, []Status{InfoRequested}},
	ActionResolve:       {staff, []Status{InProgress}},
	ActionReject:        {staff, rejectable},
	ActionMarkDuplicate: {staff, rejectable},
	ActionTransfer:      {staff, []Status{Received, Accepted, InProgress, Reopened}},
	ActionMarkComplex:   {staff, []Status{Accepted, InProgress}},
	ActionComment:       {staff, nil},
	ActionHide:          {staff, nil},
	ActionUnhide:        {staff, nil},
	ActionConfirm:       {reporter, []Status{Resolved}},
	ActionDispute:       {reporter, []Status{Resolved}},
	ActionRate:          {reporter, []Status{Resolved, Closed}},
	ActionAutoClose:     {system, []Status{Resolved}},
	ActionEscalate:      {system, openStatuses},
	ActionWarnDeadline:  {system, runningStatuses},
}

var actionOrder = []Action{
	ActionAccept, ActionAssign, ActionStart, ActionRequestInfo, ActionProvideInfo, ActionResolve, ActionReject,
	ActionMarkDuplicate, ActionTransfer, ActionMarkComplex, ActionComment, ActionHide, ActionUnhide,
	ActionConfirm, ActionDispute, ActionRate, ActionAutoClose, ActionEscalate, ActionWarnDeadline,
}

// standing returns the capacity in which a acts on r, or the error that refuses a outright: not found
// for those who may not know the report exists, forbidden for those who may see it but never act.
func standing(r Report, a Actor) (party, error) {
	if a.System {
		return system, nil
	}
	p := a.Principal
	switch p.Role {
	case auth.RoleOfficer, auth.RoleAgencyAdmin:
		if p.AgencyID == "" || p.AgencyID != r.Routing.AgencyID {
			return 0, fault.New(fault.ErrNotFound, "no such report")
		}
		return staff, nil
	case auth.RoleDispatcher:
		return staff, nil
	case auth.RoleResident:
		switch visible, following := r.VisibleTo(p.UserID); {
		case !visible:
			return 0, fault.New(fault.ErrNotFound, "no such report")
		case following:
			return 0, fault.New(fault.ErrForbidden, "only the reporter may act on a report; followers may not")
		}
		return reporter, nil
	case auth.RoleAdmin:
		return 0, fault.New(fault.ErrForbidden, "administrators may read reports but not act on them")
	}
	return 0, fault.New(fault.ErrForbidden, fmt.Sprintf("role %q may not act on reports", p.Role))
}

func actorRole(a Actor) string {
	if a.System {
		return EventRoleSystem
	}
	return string(a.Principal.Role)
}

func actionWords(a Action) string { return strings.ReplaceAll(string(a), "_", " ") }

// notAllowed is the conflict of an action that r's status does not allow.
func notAllowed(r Report, a Actor, act Action) error {
	allowed := Allowed(r, a)
	names := make([]string, len(allowed))
	for i, x := range allowed {
		names[i] = string(x)
	}
	list := "nothing"
	if len(names) > 0 {
		list = strings.Join(names, ", ")
	}
	return fault.New(fault.ErrConflict, fmt.Sprintf("cannot %s a report that is %s; allowed from %s: %s",
		actionWords(act), r.Status, r.Status, list))
}

func (env Env) check(r Report) error {
	switch {
	case env.Calendar == nil:
		return errors.New("report: workflow: no working-time calendar")
	case env.Category.Code != r.Category:
		return fmt.Errorf("report: workflow: category %q given for a report of %q", env.Category.Code, r.Category)
	}
	return nil
}

func fieldError(field, msg string) error {
	inv := &fault.Invalid{}
	inv.Add(field, msg)
	return inv
}

// checkNote adds to inv a problem with note, which is required when required is set.
func checkNote(inv *fault.Invalid, note string, required bool, what string) {
	switch n := utf8.RuneCountInString(note); {
	case !utf8.ValidString(note):
		inv.Add("body.note", "must be valid UTF-8 text")
	case n == 0 && required:
		inv.Add("body.note", what+" is required")
	case n > MaxNote:
		inv.Add("body.note", fmt.Sprintf("must be at most %d characters (it has %d)", MaxNote, n))
	}
}
