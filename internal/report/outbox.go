package report

import (
	"slices"
	"time"
)

// OutboxHorizon is how long an event stays in a report's Outbox. The notification sweep re-examines every
// report changed within it, so it must be far longer than the sweep's interval.
const OutboxHorizon = 24 * time.Hour

// Event actions that are not workflow actions.
const (
	EventReceived = "received"
	EventRouted   = "routed"
)

// Notifies reports whether an event is worth a push to someone: a new ticket, a transfer, an escalation,
// a public comment, and every change of status.
func Notifies(e Event) bool {
	switch e.Action {
	case EventReceived, string(ActionTransfer), string(ActionAssign), string(ActionEscalate), string(ActionWarnDeadline), EventCommentPublic, string(ActionRequestInfo), string(ActionResolve):
		return true
	case EventRouted, EventCommentInternal, string(ActionHide), string(ActionUnhide), string(ActionRate):
		return false
	}
	return e.From != "" && e.To != "" && e.From != e.To
}

// withOutbox returns after with its Outbox: the entries of before still within OutboxHorizon of now, then
// the notifiable events among the last n of after's timeline.
func withOutbox(before, after Report, n int, now time.Time) Report {
	var out []int
	for _, i := range before.Outbox {
		if i < len(after.Timeline) && now.Sub(after.Timeline[i].At) < OutboxHorizon {
			out = append(out, i)
		}
	}
	for i := max(len(after.Timeline)-n, 0); i < len(after.Timeline); i++ {
		if Notifies(after.Timeline[i]) && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	after.Outbox = out
	return after
}
