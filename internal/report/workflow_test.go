package report_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// at is a wall-clock time in Vietnam. 2 March 2026 is a Monday.
func at(m time.Month, d, hh, mm int) time.Time {
	return time.Date(2026, m, d, hh, mm, 0, 0, workcal.Location())
}

var created = at(3, 2, 9, 0) // Monday 09:00

func actor(id string, role auth.Role, agency string) report.Actor {
	return report.Actor{Principal: auth.Principal{UserID: id, Role: role, AgencyID: agency}}
}

// The actors, by the names the tables use.
var actors = map[string]report.Actor{
	"officer":       actor("off-a", auth.RoleOfficer, "ubnd-a"),
	"agency_admin":  actor("aa-a", auth.RoleAgencyAdmin, "ubnd-a"),
	"dispatcher":    actor("disp", auth.RoleDispatcher, ""),
	"reporter":      actor("res-1", auth.RoleResident, ""),
	"system":        report.SystemActor,
	"other_officer": actor("off-b", auth.RoleOfficer, "ubnd-b"),
	"other_aadmin":  actor("aa-b", auth.RoleAgencyAdmin, "ubnd-b"),
	"follower":      actor("res-2", auth.RoleResident, ""),
	"stranger":      actor("res-3", auth.RoleResident, ""),
	"admin":         actor("root", auth.RoleAdmin, ""),
}

// MustEnv returns the environment of a report of a physical, normal-class category, on a calendar
// without holidays, where agencies ubnd-a and ubnd-b exist.
func MustEnv(tb testing.TB) report.Env {
	tb.Helper()
	cal, err := workcal.New(workcal.DefaultHours(), nil)
	if err != nil {
		tb.Fatalf("workcal.New: %v", err)
	}
	return report.Env{
		Calendar:     cal,
		Policy:       workcal.DefaultPolicy(),
		Category:     catalogue.Category{Code: "road_damage", Deadline: catalogue.Normal, Physical: true},
		AgencyExists: func(id string) bool { return id == "ubnd-a" || id == "ubnd-b" },
	}
}

func newReport(s report.Status) report.Report {
	return report.Report{
		ID:         "r1",
		Code:       "QN-2603-00002",
		ReporterID: "res-1",
		Category:   "road_damage",
		Status:     s,
		Routing:    catalogue.Decision{AgencyID: "ubnd-a", Rule: catalogue.RuleCommunePolygon},
		Timeline: []report.Event{
			{At: created, Action: "received", ActorRole: "resident", ActorID: "res-1", To: report.Received},
			{At: created, Action: "routed", ActorRole: "system", AgencyID: "ubnd-a"},
		},
		Followers: []string{"res-2"},
		CreatedAt: created,
		UpdatedAt: created,
		Version:   3,
	}
}

// MustTicket returns the ticket of a report received at created and brought to status s: resolved on
// Wednesday 4 March at 10:00 if s is resolved or closed, waiting for an answer since Tuesday 3 March 10:00
// if s is info_requested.
func MustTicket(tb testing.TB, r report.Report, env report.Env) report.Ticket {
	tb.Helper()
	t, err := report.NewTicket(r, env)
	if err != nil {
		tb.Fatalf("NewTicket: %v", err)
	}
	switch r.Status {
	case report.Resolved, report.Closed:
		t.ResolvedAt = resolvedAt
		t.AfterPhotos = []string{"ph-9"}
	case report.InfoRequested:
		t.InfoFrom = report.InProgress
		t.Pauses = []workcal.Interval{{Start: at(3, 3, 10, 0)}}
		t.ResolveBy = time.Time{}
	}
	return t
}

var resolvedAt = at(3, 4, 10, 0)

// valid returns a command whose input is valid for its action.
func valid(a report.Action, by string) report.Command {
	return report.Command{
		Action: a, Actor: actors[by],
		Note:           "a note",
		Reason:         report.ReasonNotAProblem,
		DuplicateOf:    "QN-2603-00001",
		ToAgency:       "ubnd-b",
		Rating:         4,
		AfterPhotos:    []string{"ph-1"},
		AssigneeID:     "off-a2",
		AssigneeAgency: "ubnd-a",
	}
}

var statuses = []report.Status{
	report.Received, report.Accepted, report.InProgress, report.InfoRequested,
	report.Resolved, report.Closed, report.Rejected, report.Reopened,
}

var allActions = []report.Action{
	report.ActionAccept, report.ActionAssign, report.ActionStart, report.ActionRequestInfo, report.ActionProvideInfo,
	report.ActionResolve, report.ActionReject, report.ActionMarkDuplicate, report.ActionTransfer,
	report.ActionMarkComplex, report.ActionComment, report.ActionHide, report.ActionUnhide,
	report.ActionConfirm, report.ActionDispute, report.ActionRate, report.ActionAutoClose,
	report.ActionEscalate, report.ActionWarnDeadline,
}

// transition is an allowed (status, action) pair and the status it leads to.
type transition struct {
	from   report.Status
	action report.Action
	to     report.Status
}

var (
	staffTransitions = []transition{
		{report.Received, report.ActionAccept, report.Accepted},
		{report.Received, report.ActionReject, report.Rejected},
		{report.Received, report.ActionMarkDuplicate, report.Rejected},
		{report.Received, report.ActionTransfer, report.Received},
		{report.Accepted, report.ActionStart, report.InProgress},
		{report.Accepted, report.ActionRequestInfo, report.InfoRequested},
		{report.Accepted, report.ActionReject, report.Rejected},
		{report.Accepted, report.ActionMarkDuplicate, report.Rejected},
		{report.Accepted, report.ActionTransfer, report.Received},
		{report.Accepted, report.ActionMarkComplex, report.Accepted},
		{report.InProgress, report.ActionRequestInfo, report.InfoRequested},
		{report.InProgress, report.ActionResolve, report.Resolved},
		{report.InProgress, report.ActionReject, report.Rejected},
		{report.InProgress, report.ActionMarkDuplicate, report.Rejected},
		{report.InProgress, report.ActionTransfer, report.Received},
		{report.InProgress, report.ActionMarkComplex, report.InProgress},
		{report.Reopened, report.ActionAccept, report.Accepted},
		{report.Reopened, report.ActionTransfer, report.Received},
	}
	reporterTransitions = []transition{
		{report.InfoRequested, report.ActionProvideInfo, report.InProgress},
		{report.Resolved, report.ActionConfirm, report.Closed},
		{report.Resolved, report.ActionDispute, report.Reopened},
		{report.Resolved, report.ActionRate, report.Resolved},
		{report.Closed, report.ActionRate, report.Closed},
	}
	systemTransitions = []transition{
		{report.Resolved, report.ActionAutoClose, report.Closed},
		{report.Received, report.ActionEscalate, report.Received},
		{report.Accepted, report.ActionEscalate, report.Accepted},
		{report.InProgress, report.ActionEscalate, report.InProgress},
		{report.InfoRequested, report.ActionEscalate, report.InfoRequested},
		{report.Reopened, report.ActionEscalate, report.Reopened},
		{report.Received, report.ActionWarnDeadline, report.Received},
		{report.Accepted, report.ActionWarnDeadline, report.Accepted},
		{report.InProgress, report.ActionWarnDeadline, report.InProgress},
		{report.Reopened, report.ActionWarnDeadline, report.Reopened},
	}
)

func init() {
	// Assignment is open to staff while the report is open.
	for _, st := range []report.Status{report.Received, report.Accepted, report.InProgress, report.InfoRequested, report.Reopened} {
		staffTransitions = append(staffTransitions, transition{st, report.ActionAssign, st})
	}
	// Comments and map visibility are open to staff in every status.
	for _, s := range statuses {
		for _, a := range []report.Action{report.ActionComment, report.ActionHide, report.ActionUnhide} {
			staffTransitions = append(staffTransitions, transition{s, a, s})
		}
	}
}

type allowedCase struct {
	name string
	by   string
	transition
}

// allowedCases lists every allowed transition for every actor who may make it.
func allowedCases() []allowedCase {
	var out []allowedCase
	add := func(ts []transition, by ...string) {
		for _, tr := range ts {
			for _, b := range by {
				out = append(out, allowedCase{fmt.Sprintf("%s/%s/%s", tr.from, tr.action, b), b, tr})
			}
		}
	}
	add(staffTransitions, "officer", "agency_admin", "dispatcher")
	add(reporterTransitions, "reporter")
	add(systemTransitions, "system")
	return out
}

// setUp returns the report, ticket and time at which c is valid on a report in status s.
func setUp(tb testing.TB, s report.Status, c report.Command, env report.Env) (report.Report, report.Ticket, time.Time) {
	tb.Helper()
	r := newReport(s)
	tk := MustTicket(tb, r, env)
	now := resolvedAt.Add(24 * time.Hour)
	switch c.Action {
	case report.ActionUnhide:
		tk.Hidden = true
	case report.ActionAutoClose:
		now = resolvedAt.AddDate(0, 0, 8)
	case report.ActionWarnDeadline:
		now = report.ActiveDeadline(r, tk).Add(-30 * time.Minute) // half an hour of working time left
	case report.ActionEscalate:
		now = at(3, 20, 9, 0) // both deadlines passed
		if s == report.InfoRequested {
			tk.Pauses[0].Start = at(3, 13, 9, 0) // asked after the resolve deadline passed
			tk.ResolveBy = at(3, 9, 9, 0)
		}
	}
	r.Ticket = tk // as the store keeps it
	return r, tk, now
}

func TestWorkflowAllowedTransitions(t *testing.T) {
	env := MustEnv(t)
	for _, tc := range allowedCases() {
		t.Run(tc.name, func(t *testing.T) {
			c := valid(tc.action, tc.by)
			r, tk, now := setUp(t, tc.from, c, env)
			got, _, evs, err := report.Apply(r, tk, c, now, env)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if got.Status != tc.to {
				t.Errorf("status = %s, want %s", got.Status, tc.to)
			}
			if len(evs) != 1 || len(got.Timeline) != len(r.Timeline)+1 {
				t.Fatalf("got %d events and a timeline of %d, want 1 and %d", len(evs), len(got.Timeline), len(r.Timeline)+1)
			}
			if diff := cmp.Diff(evs[0], got.Timeline[len(got.Timeline)-1]); diff != "" {
				t.Errorf("returned event differs from the appended one (-returned +appended):\n%s", diff)
			}
			if ev := evs[0]; ev.From != tc.from || ev.To != tc.to || !ev.At.Equal(now) {
				t.Errorf("event from %s to %s at %s, want %s to %s at %s", ev.From, ev.To, ev.At, tc.from, tc.to, now)
			}
			if got.Version != r.Version {
				t.Errorf("Version = %d, want it left to the store (%d)", got.Version, r.Version)
			}
			if !slices.Contains(report.Allowed(r, c.Actor), tc.action) {
				t.Errorf("Allowed(%s, %s) = %v, lacks %s", tc.from, tc.by, report.Allowed(r, c.Actor), tc.action)
			}
		})
	}
}

// TestWorkflowDisallowedTransitions tries every other (status, action, actor), with valid input and with
// the ticket and time that would suit the action: all must fail, and never with an input error.
func TestWorkflowDisallowedTransitions(t *testing.T) {
	env := MustEnv(t)
	allowed := map[string]bool{}
	for _, tc := range allowedCases() {
		allowed[tc.name] = true
	}
	for _, s := range statuses {
		for _, a := range allActions {
			for by := range actors {
				name := fmt.Sprintf("%s/%s/%s", s, a, by)
				if allowed[name] {
					continue
				}
				c := valid(a, by)
				r, tk, now := setUp(t, s, c, env)
				_, _, evs, err := report.Apply(r, tk, c, now, env)
				var inv *fault.Invalid
				switch {
				case err == nil:
					t.Errorf("%s: allowed, want an error", name)
				case errors.As(err, &inv):
					t.Errorf("%s: %v, want a refusal, not an input error", name, err)
				case !errors.Is(err, fault.ErrConflict) && !errors.Is(err, fault.ErrForbidden) && !errors.Is(err, fault.ErrNotFound):
					t.Errorf("%s: %v, want conflict, forbidden or not found", name, err)
				case evs != nil:
					t.Errorf("%s: failed with events %v", name, evs)
				}
				if slices.Contains(report.Allowed(r, c.Actor), a) && !errors.Is(err, fault.ErrConflict) {
					t.Errorf("%s: Allowed offers it but Apply says %v", name, err)
				}
			}
		}
	}
}

func TestWorkflowWhoMay(t *testing.T) {
	env := MustEnv(t)
	tests := []struct {
		status report.Status
		action report.Action
		by     string
		want   error
	}{
		{report.Received, report.ActionAccept, "other_officer", fault.ErrNotFound},
		{report.Received, report.ActionAccept, "other_aadmin", fault.ErrNotFound},
		{report.Received, report.ActionTransfer, "other_officer", fault.ErrNotFound},
		{report.Resolved, report.ActionComment, "other_officer", fault.ErrNotFound},
		{report.Received, report.ActionAccept, "admin", fault.ErrForbidden},
		{report.Resolved, report.ActionComment, "admin", fault.ErrForbidden},
		{report.Received, report.ActionAccept, "reporter", fault.ErrForbidden},
		{report.InProgress, report.ActionComment, "reporter", fault.ErrForbidden},
		{report.Resolved, report.ActionConfirm, "follower", fault.ErrForbidden},
		{report.Resolved, report.ActionRate, "follower", fault.ErrForbidden},
		{report.InfoRequested, report.ActionProvideInfo, "follower", fault.ErrForbidden},
		{report.Resolved, report.ActionConfirm, "stranger", fault.ErrNotFound},
		{report.Resolved, report.ActionConfirm, "officer", fault.ErrForbidden},
		{report.Resolved, report.ActionDispute, "dispatcher", fault.ErrForbidden},
		{report.InfoRequested, report.ActionProvideInfo, "officer", fault.ErrForbidden},
		{report.Resolved, report.ActionAutoClose, "officer", fault.ErrForbidden},
		{report.Received, report.ActionEscalate, "dispatcher", fault.ErrForbidden},
		{report.Received, report.ActionAccept, "system", fault.ErrForbidden},
		{report.Resolved, report.ActionConfirm, "system", fault.ErrForbidden},
		// the right person in the wrong state
		{report.Received, report.ActionResolve, "officer", fault.ErrConflict},
		{report.Accepted, report.ActionResolve, "dispatcher", fault.ErrConflict},
		{report.Closed, report.ActionAccept, "officer", fault.ErrConflict},
		{report.Rejected, report.ActionTransfer, "dispatcher", fault.ErrConflict},
		{report.InfoRequested, report.ActionTransfer, "dispatcher", fault.ErrConflict},
		{report.Closed, report.ActionDispute, "reporter", fault.ErrConflict},
		{report.InProgress, report.ActionConfirm, "reporter", fault.ErrConflict},
		{report.Received, report.ActionAutoClose, "system", fault.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tc.status, tc.action, tc.by), func(t *testing.T) {
			c := valid(tc.action, tc.by)
			r, tk, now := setUp(t, tc.status, c, env)
			_, _, _, err := report.Apply(r, tk, c, now, env)
			if !errors.Is(err, tc.want) {
				t.Errorf("Apply: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestWorkflowAllowed(t *testing.T) {
	tests := []struct {
		status report.Status
		by     string
		want   []report.Action
	}{
		{report.Received, "officer", []report.Action{"accept", "assign", "reject", "mark_duplicate", "transfer", "comment", "hide"}},
		{report.InProgress, "dispatcher", []report.Action{"assign", "request_info", "resolve", "reject", "mark_duplicate", "transfer", "mark_complex", "comment", "hide"}},
		{report.Resolved, "reporter", []report.Action{"confirm", "dispute", "rate"}},
		{report.Resolved, "system", []report.Action{"auto_close"}},
		{report.Closed, "reporter", []report.Action{"rate"}},
		{report.Received, "reporter", nil},
		{report.Received, "other_officer", nil},
		{report.Resolved, "follower", nil},
		{report.Resolved, "admin", nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s", tc.status, tc.by), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, report.Allowed(newReport(tc.status), actors[tc.by])); diff != "" {
				t.Errorf("Allowed (-want +got):\n%s", diff)
			}
		})
	}
	hidden := newReport(report.Resolved)
	hidden.Ticket.Hidden = true
	if diff := cmp.Diff([]report.Action{"comment", "unhide"}, report.Allowed(hidden, actors["officer"])); diff != "" {
		t.Errorf("Allowed on a hidden report (-want +got):\n%s", diff)
	}
}

func TestWorkflowConflictNamesStateAndAllowedActions(t *testing.T) {
	env := MustEnv(t)
	tests := []struct {
		status report.Status
		action report.Action
		by     string
		want   string
	}{
		{report.Resolved, report.ActionStart, "officer", "cannot start a report that is resolved; allowed from resolved: comment, hide"},
		{report.Received, report.ActionResolve, "officer", "cannot resolve a report that is received; allowed from received: accept, assign, reject, mark_duplicate, transfer, comment, hide"},
		{report.InProgress, report.ActionConfirm, "reporter", "cannot confirm a report that is in_progress; allowed from in_progress: nothing"},
	}
	for _, tc := range tests {
		c := valid(tc.action, tc.by)
		r, tk, now := setUp(t, tc.status, c, env)
		_, _, _, err := report.Apply(r, tk, c, now, env)
		if !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("%s %s: %v, want a conflict", tc.status, tc.action, err)
		}
		if got := fault.Message(err); got != tc.want {
			t.Errorf("%s %s: message %q, want %q", tc.status, tc.action, got, tc.want)
		}
	}
}

func TestWorkflowOwnAgencyOnly(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Received)
	tk := MustTicket(t, r, env)
	if _, _, _, err := report.Apply(r, tk, valid(report.ActionAccept, "officer"), created, env); err != nil {
		t.Errorf("own agency's officer: %v", err)
	}
	_, _, _, err := report.Apply(r, tk, valid(report.ActionAccept, "other_officer"), created, env)
	if !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("other agency's officer: %v, want not found", err)
	}
	if msg := fault.Message(err); strings.Contains(msg, "agency") || strings.Contains(msg, r.Code) {
		t.Errorf("not-found message %q reveals something about the report", msg)
	}
}

func TestWorkflowEvent(t *testing.T) {
	env := MustEnv(t)
	now := at(3, 2, 10, 0)
	r := newReport(report.Received)
	got, _, evs, err := report.Apply(r, MustTicket(t, r, env), report.Command{Action: report.ActionAccept, Actor: actors["officer"], Note: "  on it  "}, now, env)
	if err != nil {
		t.Fatal(err)
	}
	want := report.Event{At: now, Action: "accept", ActorRole: "officer", ActorID: "off-a", AgencyID: "ubnd-a",
		From: report.Received, To: report.Accepted, Note: "on it"}
	if diff := cmp.Diff([]report.Event{want}, evs); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if !got.UpdatedAt.Equal(now) {
		t.Errorf("UpdatedAt = %s, want %s", got.UpdatedAt, now)
	}

	r = newReport(report.Received)
	_, _, evs, err = report.Apply(r, MustTicket(t, r, env), report.Command{Action: report.ActionEscalate, Actor: report.SystemActor}, at(3, 4, 9, 0), env)
	if err != nil {
		t.Fatal(err)
	}
	if ev := evs[0]; ev.ActorRole != "system" || ev.ActorID != "" || ev.AgencyID != "" || ev.Action != "escalate" {
		t.Errorf("system event = %+v", ev)
	}
}

func TestWorkflowComments(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.InProgress)
	tk := MustTicket(t, r, env)
	for _, public := range []bool{true, false} {
		c := valid(report.ActionComment, "officer")
		c.Public = public
		got, _, evs, err := report.Apply(r, tk, c, created, env)
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{true: report.EventCommentPublic, false: report.EventCommentInternal}[public]
		if evs[0].Action != want || got.Status != report.InProgress {
			t.Errorf("public=%t: event %q, status %s; want %q, in_progress", public, evs[0].Action, got.Status, want)
		}
	}
	c := valid(report.ActionComment, "officer")
	c.Note = " "
	_, _, _, err := report.Apply(r, tk, c, created, env)
	wantFields(t, err, "body.note")
}

func TestWorkflowResolveValidation(t *testing.T) {
	physical := MustEnv(t)
	other := MustEnv(t)
	other.Category.Physical = false
	tests := []struct {
		name   string
		env    report.Env
		note   string
		photos []string
		want   []string
	}{
		{"reply and photo", physical, "Filled the pothole", []string{"ph-1"}, nil},
		{"no reply", physical, "  ", []string{"ph-1"}, []string{"body.note"}},
		{"physical without photo", physical, "Filled the pothole", nil, []string{"body.after_photos"}},
		{"neither", physical, "", nil, []string{"body.note", "body.after_photos"}},
		{"too many photos", physical, "done", []string{"1", "2", "3", "4", "5", "6", "7"}, []string{"body.after_photos"}},
		{"not physical: no photo needed", other, "Explained the rules", nil, nil},
		{"not physical: still needs a reply", other, "", nil, []string{"body.note"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReport(report.InProgress)
			tk := MustTicket(t, r, tc.env)
			now := at(3, 4, 10, 0)
			c := report.Command{Action: report.ActionResolve, Actor: actors["officer"], Note: tc.note, AfterPhotos: tc.photos}
			got, gotT, _, err := report.Apply(r, tk, c, now, tc.env)
			if tc.want != nil {
				wantFields(t, err, tc.want...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != report.Resolved || !gotT.ResolvedAt.Equal(now) || !slices.Equal(gotT.AfterPhotos, tc.photos) {
				t.Errorf("status %s, resolved at %s, photos %v", got.Status, gotT.ResolvedAt, gotT.AfterPhotos)
			}
		})
	}
}

func TestWorkflowReject(t *testing.T) {
	env := MustEnv(t)
	tests := []struct {
		name     string
		c        report.Command
		want     []string // invalid fields
		wantNote string
	}{
		{"not a problem", report.Command{Reason: report.ReasonNotAProblem, Note: "This is private land"}, nil, "not_a_problem: This is private land"},
		{"abusive", report.Command{Reason: report.ReasonAbusive, Note: "Insults"}, nil, "abusive: Insults"},
		{"insufficient info", report.Command{Reason: report.ReasonInsufficientInfo, Note: "Where?"}, nil, "insufficient_info: Where?"},
		{"duplicate", report.Command{Reason: report.ReasonDuplicate, DuplicateOf: "QN-2603-00001", Note: "Known"}, nil, "duplicate of QN-2603-00001: Known"},
		{"duplicate of nothing", report.Command{Reason: report.ReasonDuplicate, Note: "Known"}, []string{"body.duplicate_of"}, ""},
		{"duplicate of itself", report.Command{Reason: report.ReasonDuplicate, DuplicateOf: "QN-2603-00002", Note: "Known"}, []string{"body.duplicate_of"}, ""},
		{"no reason", report.Command{Note: "No"}, []string{"body.reason"}, ""},
		{"unknown reason", report.Command{Reason: "spam", Note: "No"}, []string{"body.reason"}, ""},
		{"no message", report.Command{Reason: report.ReasonAbusive}, []string{"body.note"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReport(report.Accepted)
			c := tc.c
			c.Action, c.Actor = report.ActionReject, actors["officer"]
			got, tk, evs, err := report.Apply(r, MustTicket(t, r, env), c, created, env)
			if tc.want != nil {
				wantFields(t, err, tc.want...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != report.Rejected || evs[0].Note != tc.wantNote || tk.DuplicateOf != c.DuplicateOf {
				t.Errorf("status %s, note %q, duplicate of %q; want rejected, %q, %q", got.Status, evs[0].Note, tk.DuplicateOf, tc.wantNote, c.DuplicateOf)
			}
		})
	}
}

func TestWorkflowMarkDuplicate(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Received)
	tk := MustTicket(t, r, env)
	got, gotT, evs, err := report.Apply(r, tk, report.Command{Action: report.ActionMarkDuplicate, Actor: actors["dispatcher"], DuplicateOf: "QN-2602-00077"}, created, env)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != report.Rejected || gotT.DuplicateOf != "QN-2602-00077" || evs[0].Note != "duplicate of QN-2602-00077" {
		t.Errorf("status %s, duplicate of %q, note %q", got.Status, gotT.DuplicateOf, evs[0].Note)
	}
	_, _, _, err = report.Apply(r, tk, report.Command{Action: report.ActionMarkDuplicate, Actor: actors["dispatcher"]}, created, env)
	wantFields(t, err, "body.duplicate_of")
}

func TestWorkflowNewTicket(t *testing.T) {
	env := MustEnv(t)
	urgent := MustEnv(t)
	urgent.Category.Deadline = catalogue.Urgent
	tests := []struct {
		name                string
		env                 report.Env
		acceptBy, resolveBy time.Time
	}{
		// Monday 09:00: 6 working hours left that day.
		{"normal: 8 hours, 5 days", env, at(3, 3, 9, 30), at(3, 9, 9, 0)},
		{"urgent: 4 hours, 1 day", urgent, at(3, 2, 15, 0), at(3, 3, 9, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk, err := report.NewTicket(newReport(report.Received), tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if !tk.AcceptBy.Equal(tc.acceptBy) || !tk.ResolveBy.Equal(tc.resolveBy) {
				t.Errorf("deadlines %s, %s; want %s, %s", tk.AcceptBy, tk.ResolveBy, tc.acceptBy, tc.resolveBy)
			}
		})
	}

	noClass := MustEnv(t)
	noClass.Policy = workcal.Policy{}
	if _, err := report.NewTicket(newReport(report.Received), noClass); err == nil {
		t.Error("NewTicket with an empty policy: no error")
	}
	wrong := MustEnv(t)
	wrong.Category.Code = "flooding"
	if _, err := report.NewTicket(newReport(report.Received), wrong); err == nil {
		t.Error("NewTicket with another category: no error")
	}
}

// apply runs the commands in turn, failing the test on any error, and returns the final state.
func apply(tb testing.TB, r report.Report, tk report.Ticket, env report.Env, steps ...timed) (report.Report, report.Ticket) {
	tb.Helper()
	for _, s := range steps {
		var err error
		if r, tk, _, err = report.Apply(r, tk, s.c, s.at, env); err != nil {
			tb.Fatalf("%s at %s: %v", s.c.Action, s.at, err)
		}
	}
	return r, tk
}

type timed struct {
	at time.Time
	c  report.Command
}

func do(when time.Time, a report.Action, by string, note string) timed {
	c := valid(a, by)
	c.Note = note
	return timed{when, c}
}

func TestWorkflowDeadlineAcrossPause(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Received)
	r, tk := apply(t, r, MustTicket(t, r, env), env,
		do(at(3, 2, 10, 0), report.ActionAccept, "officer", ""),
		do(at(3, 2, 11, 0), report.ActionStart, "officer", ""),
		do(at(3, 3, 10, 0), report.ActionRequestInfo, "officer", "Which side of the road?"), // Tuesday
	)
	if r.Status != report.InfoRequested || !tk.ResolveBy.IsZero() {
		t.Fatalf("while waiting: status %s, resolve by %s; want info_requested and no deadline", r.Status, tk.ResolveBy)
	}
	if _, late := report.Overdue(r, tk, at(4, 30, 9, 0)); late {
		t.Error("overdue while the clock is stopped")
	}
	r, tk = apply(t, r, tk, env, do(at(3, 5, 9, 0), report.ActionProvideInfo, "reporter", "The east side")) // Thursday
	if r.Status != report.InProgress {
		t.Errorf("status after the answer = %s, want in_progress again", r.Status)
	}
	// Due Monday 9 March 09:00 without the pause; the pause held 14 working hours (Tuesday 10:00-17:00 5h,
	// Wednesday 7h30, Thursday 07:30-09:00 1h30), which push it to Wednesday 11 March 08:00.
	want := report.Ticket{
		AcceptBy: at(3, 3, 9, 30), ResolveBy: at(3, 11, 8, 0),
		AcceptFrom: created, ResolveFrom: created,
		Pauses: []workcal.Interval{{Start: at(3, 3, 10, 0), End: at(3, 5, 9, 0)}},
	}
	if diff := cmp.Diff(want, tk); diff != "" {
		t.Errorf("ticket (-want +got):\n%s", diff)
	}
	if _, late := report.Overdue(r, tk, at(3, 11, 7, 59)); late {
		t.Error("overdue a minute before the deadline")
	}
	if _, late := report.Overdue(r, tk, at(3, 11, 8, 1)); !late {
		t.Error("not overdue a minute after the deadline")
	}
}

func TestWorkflowComplex(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Received)
	r, tk := apply(t, r, MustTicket(t, r, env), env,
		do(at(3, 2, 10, 0), report.ActionAccept, "officer", ""),
		do(at(3, 2, 10, 30), report.ActionMarkComplex, "officer", "Needs the provincial budget"),
	)
	if !tk.Complex || !tk.ResolveBy.Equal(at(3, 23, 9, 0)) { // 15 working days from Monday 2 March 09:00
		t.Errorf("complex %t, resolve by %s; want true, %s", tk.Complex, tk.ResolveBy, at(3, 23, 9, 0))
	}
	if !tk.AcceptBy.Equal(at(3, 3, 9, 30)) {
		t.Errorf("accept by %s changed", tk.AcceptBy)
	}
	_, _, _, err := report.Apply(r, tk, valid(report.ActionMarkComplex, "officer"), at(3, 2, 11, 0), env)
	if !errors.Is(err, fault.ErrConflict) {
		t.Errorf("marking twice: %v, want conflict", err)
	}
	r2 := newReport(report.Accepted)
	_, _, _, err = report.Apply(r2, MustTicket(t, r2, env), do(created, report.ActionMarkComplex, "officer", "").c, created, env)
	wantFields(t, err, "body.note")
}

func TestWorkflowReopenRestartsResolveDeadline(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Received)
	r, tk := apply(t, r, MustTicket(t, r, env), env,
		do(at(3, 2, 10, 0), report.ActionAccept, "officer", ""),
		do(at(3, 2, 11, 0), report.ActionStart, "officer", ""),
		do(at(3, 6, 10, 0), report.ActionResolve, "officer", "Patched"), // Friday
		do(at(3, 6, 11, 0), report.ActionRate, "reporter", ""),
	)
	tk.Escalated = true
	r, tk = apply(t, r, tk, env, do(at(3, 9, 10, 0), report.ActionDispute, "reporter", "The hole is back")) // Monday
	if r.Status != report.Reopened {
		t.Fatalf("status = %s, want reopened", r.Status)
	}
	if !tk.ResolveBy.Equal(at(3, 16, 10, 0)) || !tk.ResolveFrom.Equal(at(3, 9, 10, 0)) {
		t.Errorf("resolve by %s from %s; want 5 working days from the dispute", tk.ResolveBy, tk.ResolveFrom)
	}
	if !tk.AcceptBy.Equal(at(3, 3, 9, 30)) || tk.Escalated || !tk.ResolvedAt.IsZero() {
		t.Errorf("accept by %s, escalated %t, resolved at %s", tk.AcceptBy, tk.Escalated, tk.ResolvedAt)
	}
	// Handled again like a new report; the new resolution can be rated again.
	r, tk = apply(t, r, tk, env,
		do(at(3, 9, 11, 0), report.ActionAccept, "officer", ""),
		do(at(3, 9, 13, 30), report.ActionStart, "officer", ""),
		do(at(3, 10, 9, 0), report.ActionResolve, "officer", "Patched properly"),
		do(at(3, 10, 10, 0), report.ActionRate, "reporter", "Thanks"),
		do(at(3, 10, 11, 0), report.ActionConfirm, "reporter", ""),
	)
	if r.Status != report.Closed || tk.RatingComment != "Thanks" {
		t.Errorf("status %s, rating comment %q", r.Status, tk.RatingComment)
	}
}

func TestWorkflowTransfer(t *testing.T) {
	env := MustEnv(t)
	now := at(3, 4, 14, 0) // Wednesday
	for _, by := range []string{"dispatcher", "officer"} {
		t.Run(by, func(t *testing.T) {
			r := newReport(report.InProgress)
			tk := MustTicket(t, r, env)
			tk.Complex, tk.Escalated = true, true
			c := report.Command{Action: report.ActionTransfer, Actor: actors[by], ToAgency: "ubnd-b", Note: "Provincial road"}
			got, gotT, evs, err := report.Apply(r, tk, c, now, env)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != report.Received || got.Routing.AgencyID != "ubnd-b" || got.Routing.Rule != report.RuleTransfer {
				t.Errorf("status %s, routing %+v", got.Status, got.Routing)
			}
			if want := "from ubnd-a to ubnd-b: Provincial road"; evs[0].Note != want || evs[0].Action != "transfer" {
				t.Errorf("event %q %q, want transfer %q", evs[0].Action, evs[0].Note, want)
			}
			// Wednesday 14:00 + 8h = Thursday 14:30; + 5 days = Wednesday 11 March 14:00.
			if !gotT.AcceptBy.Equal(at(3, 5, 14, 30)) || !gotT.ResolveBy.Equal(at(3, 11, 14, 0)) || gotT.Complex || gotT.Escalated {
				t.Errorf("ticket after transfer: %+v", gotT)
			}
			if _, _, _, err := report.Apply(got, gotT, valid(report.ActionAccept, "officer"), now, env); !errors.Is(err, fault.ErrNotFound) {
				t.Errorf("the old agency's officer: %v, want not found", err)
			}
			if _, _, _, err := report.Apply(got, gotT, valid(report.ActionAccept, "other_officer"), now, env); err != nil {
				t.Errorf("the new agency's officer: %v", err)
			}
		})
	}
	tests := []struct {
		name, to, note string
		want           []string
	}{
		{"unknown agency", "ubnd-x", "why", []string{"body.to_agency"}},
		{"same agency", "ubnd-a", "why", []string{"body.to_agency"}},
		{"no agency, no reason", "", "", []string{"body.note", "body.to_agency"}},
	}
	for _, tc := range tests {
		r := newReport(report.Received)
		c := report.Command{Action: report.ActionTransfer, Actor: actors["dispatcher"], ToAgency: tc.to, Note: tc.note}
		_, _, _, err := report.Apply(r, MustTicket(t, r, env), c, now, env)
		t.Run(tc.name, func(t *testing.T) { wantFields(t, err, tc.want...) })
	}
}

func TestWorkflowResidentWindow(t *testing.T) {
	env := MustEnv(t)
	tests := []struct {
		status report.Status
		action report.Action
		note   string
	}{
		{report.Resolved, report.ActionConfirm, ""},
		{report.Resolved, report.ActionDispute, "Still broken"},
		{report.Resolved, report.ActionRate, ""},
		{report.Closed, report.ActionRate, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s", tc.status, tc.action), func(t *testing.T) {
			r := newReport(tc.status)
			tk := MustTicket(t, r, env)
			c := valid(tc.action, "reporter")
			c.Note = tc.note
			if _, _, _, err := report.Apply(r, tk, c, resolvedAt.AddDate(0, 0, 6), env); err != nil {
				t.Errorf("after 6 days: %v", err)
			}
			_, _, _, err := report.Apply(r, tk, c, resolvedAt.AddDate(0, 0, 8), env)
			if want := "the 7-day window closed on 11 Mar 2026 10:00 (UTC+07:00)"; !errors.Is(err, fault.ErrConflict) || fault.Message(err) != want {
				t.Errorf("after 8 days: %v, want a conflict saying %q", err, want)
			}
		})
	}
}

func TestWorkflowResidentInput(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Resolved)
	tk := MustTicket(t, r, env)
	now := resolvedAt.Add(time.Hour)

	_, _, _, err := report.Apply(r, tk, do(now, report.ActionDispute, "reporter", "").c, now, env)
	wantFields(t, err, "body.note")
	for _, n := range []int{0, 6, -1} {
		c := valid(report.ActionRate, "reporter")
		c.Rating = n
		_, _, _, err := report.Apply(r, tk, c, now, env)
		wantFields(t, err, "body.rating")
	}
	c := valid(report.ActionRate, "reporter")
	c.Rating, c.Note = 5, "Quick!"
	r2, tk2, evs, err := report.Apply(r, tk, c, now, env)
	if err != nil {
		t.Fatal(err)
	}
	if tk2.Rating != 5 || tk2.RatingComment != "Quick!" || evs[0].Note != "rated 5/5: Quick!" || r2.Status != report.Resolved {
		t.Errorf("rating %d %q, note %q, status %s", tk2.Rating, tk2.RatingComment, evs[0].Note, r2.Status)
	}
	if _, _, _, err := report.Apply(r2, tk2, c, now, env); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("rating twice: %v, want conflict", err)
	}

	r3 := newReport(report.InfoRequested)
	_, _, _, err = report.Apply(r3, MustTicket(t, r3, env), do(now, report.ActionProvideInfo, "reporter", "").c, now, env)
	wantFields(t, err, "body.note")
}

func TestWorkflowAutoClose(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Resolved)
	tk := MustTicket(t, r, env)
	c := report.Command{Action: report.ActionAutoClose, Actor: report.SystemActor}
	if _, _, _, err := report.Apply(r, tk, c, resolvedAt.AddDate(0, 0, 7).Add(-time.Minute), env); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("a minute early: %v, want conflict", err)
	}
	got, _, evs, err := report.Apply(r, tk, c, resolvedAt.AddDate(0, 0, 7), env)
	if err != nil {
		t.Fatalf("after 7 days: %v", err)
	}
	if got.Status != report.Closed || evs[0].ActorRole != "system" {
		t.Errorf("status %s, by %s", got.Status, evs[0].ActorRole)
	}
}

func TestWorkflowOverdueAndEscalate(t *testing.T) {
	env := MustEnv(t)
	received := newReport(report.Received)
	tk := MustTicket(t, received, env) // accept by Tuesday 09:30, resolve by Monday 9 March 09:00
	tests := []struct {
		status          report.Status
		now             time.Time
		accept, resolve bool
	}{
		{report.Received, at(3, 3, 9, 30), false, false},
		{report.Received, at(3, 3, 9, 31), true, false},
		{report.Received, at(3, 9, 9, 1), true, true},
		{report.Accepted, at(3, 3, 9, 31), false, false},
		{report.InProgress, at(3, 9, 9, 1), false, true},
		{report.Reopened, at(3, 9, 9, 1), false, true},
		{report.Resolved, at(3, 9, 9, 1), false, false},
		{report.Rejected, at(3, 9, 9, 1), false, false},
	}
	for _, tc := range tests {
		a, res := report.Overdue(newReport(tc.status), tk, tc.now)
		if a != tc.accept || res != tc.resolve {
			t.Errorf("Overdue(%s, %s) = %t, %t; want %t, %t", tc.status, tc.now, a, res, tc.accept, tc.resolve)
		}
	}

	c := report.Command{Action: report.ActionEscalate, Actor: report.SystemActor}
	if _, _, _, err := report.Apply(received, tk, c, at(3, 3, 9, 0), env); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("escalating in time: %v, want conflict", err)
	}
	r, tk2, evs, err := report.Apply(received, tk, c, at(3, 3, 10, 0), env)
	if err != nil {
		t.Fatal(err)
	}
	if !tk2.Escalated || !strings.HasPrefix(evs[0].Note, "not accepted by the deadline 3 Mar 2026 09:30") {
		t.Errorf("escalated %t, note %q", tk2.Escalated, evs[0].Note)
	}
	if _, _, _, err := report.Apply(r, tk2, c, at(3, 3, 11, 0), env); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("escalating twice: %v, want conflict", err)
	}
}

func TestWorkflowHide(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Closed)
	tk := MustTicket(t, r, env)
	r, tk = apply(t, r, tk, env, do(created, report.ActionHide, "dispatcher", "Shows a face"))
	if !tk.Hidden || r.Timeline[len(r.Timeline)-1].Note != "Shows a face" {
		t.Errorf("hidden %t, note %q", tk.Hidden, r.Timeline[len(r.Timeline)-1].Note)
	}
	if _, _, _, err := report.Apply(r, tk, do(created, report.ActionHide, "officer", "again").c, created, env); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("hiding twice: %v, want conflict", err)
	}
	_, _, _, err := report.Apply(r, tk, do(created, report.ActionUnhide, "officer", "").c, created, env)
	wantFields(t, err, "body.note")
	_, tk = apply(t, r, tk, env, do(created, report.ActionUnhide, "officer", "Blurred"))
	if tk.Hidden {
		t.Error("still hidden")
	}
}

// TestWorkflowTimelineIsAppendOnly walks a report through its life and checks at every step that Apply
// changed neither its inputs nor any earlier timeline entry.
func TestWorkflowTimelineIsAppendOnly(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Received)
	r.Timeline = slices.Grow(r.Timeline, 20) // spare capacity that an append could write into
	tk := MustTicket(t, r, env)
	steps := []timed{
		do(at(3, 2, 10, 0), report.ActionAccept, "officer", ""),
		do(at(3, 2, 10, 5), report.ActionComment, "officer", "internal"),
		do(at(3, 2, 11, 0), report.ActionStart, "officer", ""),
		do(at(3, 3, 10, 0), report.ActionRequestInfo, "officer", "Which side?"),
		do(at(3, 5, 9, 0), report.ActionProvideInfo, "reporter", "East"),
		do(at(3, 5, 9, 30), report.ActionMarkComplex, "officer", "Big job"),
		do(at(3, 6, 10, 0), report.ActionResolve, "officer", "Done"),
		do(at(3, 7, 10, 0), report.ActionDispute, "reporter", "Not done"),
		do(at(3, 9, 10, 0), report.ActionTransfer, "dispatcher", "Provincial road"),
	}
	for _, s := range steps {
		before, beforeT := deepCopy(r), deepCopyTicket(tk)
		got, gotT, evs, err := report.Apply(r, tk, s.c, s.at, env)
		if err != nil {
			t.Fatalf("%s: %v", s.c.Action, err)
		}
		if diff := cmp.Diff(before, r); diff != "" {
			t.Fatalf("%s changed its input report (-before +after):\n%s", s.c.Action, diff)
		}
		if diff := cmp.Diff(beforeT, tk); diff != "" {
			t.Fatalf("%s changed its input ticket (-before +after):\n%s", s.c.Action, diff)
		}
		if diff := cmp.Diff(before.Timeline, got.Timeline[:len(before.Timeline)]); diff != "" {
			t.Fatalf("%s rewrote the timeline (-before +after):\n%s", s.c.Action, diff)
		}
		if diff := cmp.Diff(evs, got.Timeline[len(before.Timeline):]); diff != "" {
			t.Fatalf("%s: appended events differ from those returned (-returned +appended):\n%s", s.c.Action, diff)
		}
		// A second Apply from the same input must not overwrite the first one's event.
		first := slices.Clone(got.Timeline)
		if _, _, _, err := report.Apply(r, tk, valid(report.ActionComment, "dispatcher"), s.at, env); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, got.Timeline); diff != "" {
			t.Fatalf("a second Apply overwrote the first's timeline (-before +after):\n%s", diff)
		}
		r, tk = got, gotT
	}
	// Failures leave everything as it was, too.
	before, beforeT := deepCopy(r), deepCopyTicket(tk)
	got, gotT, evs, err := report.Apply(r, tk, valid(report.ActionResolve, "dispatcher"), at(3, 9, 11, 0), env)
	if err == nil || evs != nil {
		t.Fatalf("resolve of a received report: %v, %v", err, evs)
	}
	if diff := cmp.Diff(before, got); diff != "" {
		t.Errorf("a failed Apply returned a changed report (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(beforeT, gotT); diff != "" {
		t.Errorf("a failed Apply returned a changed ticket (-before +after):\n%s", diff)
	}
}

func deepCopy(r report.Report) report.Report {
	r.Photos = slices.Clone(r.Photos)
	r.Timeline = slices.Clone(r.Timeline)
	r.Followers = slices.Clone(r.Followers)
	return r
}

func deepCopyTicket(t report.Ticket) report.Ticket {
	t.Pauses = slices.Clone(t.Pauses)
	t.AfterPhotos = slices.Clone(t.AfterPhotos)
	return t
}

func TestWorkflowUnknownAction(t *testing.T) {
	env := MustEnv(t)
	r := newReport(report.Received)
	_, _, _, err := report.Apply(r, MustTicket(t, r, env), report.Command{Action: "close", Actor: actors["officer"]}, created, env)
	wantFields(t, err, "body.action")
}

// wantFields fails unless err is a *fault.Invalid naming exactly fields, in any order.
func wantFields(tb testing.TB, err error, fields ...string) {
	tb.Helper()
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		if len(fields) > 0 {
			tb.Errorf("error %v, want invalid %v", err, fields)
		} else if err != nil {
			tb.Errorf("error %v, want none", err)
		}
		return
	}
	var got []string
	for _, f := range inv.Fields {
		got = append(got, f.Field)
	}
	if diff := cmp.Diff(fields, got, cmp.Transformer("sort", func(s []string) []string { return slices.Sorted(slices.Values(s)) })); diff != "" {
		tb.Errorf("invalid fields (-want +got):\n%s", diff)
	}
}

// TestWorkflowDeadlineWarning: the officers are told once per deadline, DeadlineWarning of working time
// before it (lunch breaks and nights do not count), never after it has passed or while it is far.
func TestWorkflowDeadlineWarning(t *testing.T) {
	env := MustEnv(t)
	c := report.Command{Action: report.ActionWarnDeadline, Actor: report.SystemActor}
	received := newReport(report.Received)
	tk := MustTicket(t, received, env)
	tk.AcceptBy = at(3, 3, 14, 30) // a Tuesday afternoon
	tests := []struct {
		now  time.Time
		want error
	}{
		{at(3, 3, 10, 0), fault.ErrConflict},  // 1 h 30 before lunch + 1 h after: 2 h 30 left
		{at(3, 3, 11, 0), nil},                // 30 min + 1 h
		{at(3, 2, 16, 30), fault.ErrConflict}, // the day before: 30 min + 4 h + 1 h
		{at(3, 3, 14, 30), fault.ErrConflict}, // passed: escalation's business
	}
	for _, tc := range tests {
		_, got, evs, err := report.Apply(received, tk, c, tc.now, env)
		if tc.want != nil {
			if !errors.Is(err, tc.want) {
				t.Errorf("at %s: %v, want %v", tc.now, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("at %s: %v", tc.now, err)
		}
		if !got.WarnedFor.Equal(tk.AcceptBy) || evs[0].Note != "deadline 3 Mar 2026 14:30 (UTC+07:00)" || evs[0].To != report.Received {
			t.Errorf("warned for %s, event %+v", got.WarnedFor, evs[0])
		}
		if _, _, _, err := report.Apply(received, got, c, tc.now.Add(10*time.Minute), env); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("warning twice for one deadline: %v, want conflict", err)
		}
		// Accepting starts the resolve deadline, which is warned of in its turn.
		accepted, tk2, _, err := report.Apply(received, got, valid(report.ActionAccept, "officer"), tc.now, env)
		if err != nil {
			t.Fatal(err)
		}
		near := report.ActiveDeadline(accepted, tk2).Add(-time.Hour)
		if _, _, _, err := report.Apply(accepted, tk2, c, near, env); err != nil {
			t.Errorf("warning of the resolve deadline: %v", err)
		}
	}
	if _, _, _, err := report.Apply(newReport(report.InfoRequested), tk, c, at(3, 3, 11, 0), env); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("warning while the clock waits for information: %v, want conflict", err)
	}
}
