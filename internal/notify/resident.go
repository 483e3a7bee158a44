package notify

import (
	"slices"
	"time"

	"github.com/quangninh/feedback/internal/report"
)

// residentAudience says whether resident userID hears of event e of r, and as whom: the reporter of every
// event pushed to residents, a follower of those that concern followers (not a request for information,
// which only the reporter can answer). Nobody hears of their own action. The dispatcher's recipients and
// a resident's data export (ResidentNotices) both follow it.
func residentAudience(r report.Report, e report.Event, userID string) (audience, bool) {
	if userID == "" || userID == e.ActorID {
		return 0, false
	}
	switch e.Action {
	case report.EventReceived, string(report.ActionAssign), string(report.ActionWarnDeadline), string(report.ActionEscalate):
		return 0, false // staff hear of these
	case string(report.ActionRequestInfo):
		return toResident, userID == r.ReporterID
	}
	switch {
	case userID == r.ReporterID:
		return toResident, true
	case slices.Contains(r.Followers, userID):
		return toFollower, true
	}
	return 0, false
}

// Notice is a push owed to a resident for one event of a report, worded as the dispatcher words it.
type Notice struct {
	Seq   int // the event's position in the report's timeline
	At    time.Time
	Event string // the event's action
	Title string
	Body  string
}

// ResidentNotices returns the pushes the events of r were owed to resident userID (its reporter or a
// follower now), in lang, oldest first. The service keeps no log of pushes per person: each event is
// pushed, once, to the devices its reporter and followers had registered at that moment, so this is what
// was sent to each device they had then.
func ResidentNotices(r report.Report, userID, lang string) []Notice {
	var out []Notice
	for i, e := range r.Timeline {
		if !report.Notifies(e) {
			continue
		}
		who, ok := residentAudience(r, e, userID)
		if !ok {
			continue
		}
		title, body := text(lang, who, r, e)
		out = append(out, Notice{Seq: i, At: e.At, Event: e.Action, Title: title, Body: body})
	}
	return out
}
