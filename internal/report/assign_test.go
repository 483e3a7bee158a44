package report_test

import (
	"errors"
	"testing"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
)

func TestAssignSetsTheAssigneeAndNamesThemInTheEvent(t *testing.T) {
	env := MustEnv(t)
	c := valid(report.ActionAssign, "agency_admin")
	r, tk, now := setUp(t, report.Accepted, c, env)
	got, gt, evs, err := report.Apply(r, tk, c, now, env)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if gt.AssigneeID != "off-a2" || evs[0].Assignee != "off-a2" || evs[0].Action != "assign" {
		t.Errorf("assignee %q, event %+v; want off-a2 in both", gt.AssigneeID, evs[0])
	}
	if got.Status != report.Accepted {
		t.Errorf("status = %s, want unchanged", got.Status)
	}
	if !report.Notifies(evs[0]) {
		t.Error("an assignment must be pushed to the assignee")
	}
	// Assigning again to the same person changes nothing: a conflict, not a second event.
	got.Ticket = gt
	if _, _, _, err := report.Apply(got, gt, c, now, env); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("second assignment to the same officer: %v, want a conflict", err)
	}
}

func TestAssignRefusesStaffOfAnotherAgencyOrNobody(t *testing.T) {
	env := MustEnv(t)
	for name, mutate := range map[string]func(*report.Command){
		"another agency": func(c *report.Command) { c.AssigneeAgency = "ubnd-b" },
		"not staff":      func(c *report.Command) { c.AssigneeAgency = "" },
		"nobody named":   func(c *report.Command) { c.AssigneeID, c.AssigneeAgency = "", "" },
	} {
		c := valid(report.ActionAssign, "officer")
		mutate(&c)
		r, tk, now := setUp(t, report.Received, c, env)
		_, _, _, err := report.Apply(r, tk, c, now, env)
		var inv *fault.Invalid
		if !errors.As(err, &inv) || inv.Fields[0].Field != "body.assignee_id" {
			t.Errorf("%s: %v, want an invalid body.assignee_id", name, err)
		}
	}
}

func TestTransferClearsTheAssignee(t *testing.T) {
	env := MustEnv(t)
	c := valid(report.ActionTransfer, "dispatcher")
	r, tk, now := setUp(t, report.Accepted, c, env)
	tk.AssigneeID = "off-a"
	_, gt, _, err := report.Apply(r, tk, c, now, env)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if gt.AssigneeID != "" {
		t.Errorf("assignee after a transfer = %q, want none (the new agency assigns its own)", gt.AssigneeID)
	}
}
