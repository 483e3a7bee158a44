package report

import "time"

// WorkingLeft is the working time from now until the deadline running for a ticket in status (accepting
// while received, resolving while accepted, in progress or reopened), counted on the calendar in force
// with its holidays; negative once overdue, by the working time since. ok is false when no deadline runs
// (waiting for the resident's information, resolved, ended) or the desk has no calendar.
func (d *Desk) WorkingLeft(status Status, acceptBy, resolveBy time.Time) (left time.Duration, ok bool) {
	due := ActiveDeadline(Report{Status: status}, Ticket{AcceptBy: acceptBy, ResolveBy: resolveBy})
	if due.IsZero() || d.Calendar == nil {
		return 0, false
	}
	now := d.now()
	left = d.Calendar().Between(now, due)
	if now.After(due) {
		left = -left
	}
	return left, true
}
