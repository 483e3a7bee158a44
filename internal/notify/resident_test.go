package notify

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/report"
)

// TestResidentNoticesMatchTheDispatcher: the pushes a resident's export lists for a report are exactly
// those the dispatcher sends them, event by event, in their wording; not their own actions, nor staff-only
// events, nor (for a follower) the request for information.
func TestResidentNoticesMatchTheDispatcher(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	r := report.Report{ID: "r1", Code: "QN-2612-00001", ReporterID: "reporter", Followers: []string{"follower"},
		Status: report.InProgress, Timeline: []report.Event{
			{At: at, Action: report.EventReceived, ActorID: "reporter", To: report.Received},
			{At: at, Action: report.EventRouted},
			{At: at, Action: string(report.ActionAccept), ActorID: "officer", From: report.Received, To: report.Accepted},
			{At: at, Action: string(report.ActionRequestInfo), ActorID: "officer", From: report.Accepted, To: report.InfoRequested, Note: "Which side?"},
			{At: at, Action: string(report.ActionProvideInfo), ActorID: "reporter", From: report.InfoRequested, To: report.InProgress, Note: "North"},
			{At: at, Action: report.EventCommentInternal, ActorID: "officer", Note: "staff only"},
			{At: at, Action: report.EventCommentPublic, ActorID: "officer", Note: "Crew sent"},
		}}
	var d Dispatcher
	for _, tc := range []struct {
		user string
		want []int
	}{
		{"reporter", []int{2, 3, 6}},
		{"follower", []int{2, 4, 6}},
		{"stranger", nil},
	} {
		var dispatched []int
		for i, e := range r.Timeline {
			if !report.Notifies(e) || e.Action == report.EventReceived { // received needs the staff list
				continue
			}
			who, err := d.recipients(context.Background(), r, e, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := who[tc.user]; ok {
				dispatched = append(dispatched, i)
			}
		}
		var listed []int
		for _, n := range ResidentNotices(r, tc.user, "en") {
			listed = append(listed, n.Seq)
			if _, body := text("en", map[bool]audience{true: toResident, false: toFollower}[tc.user == "reporter"], r, r.Timeline[n.Seq]); n.Body != body {
				t.Errorf("%s, event %d: body %q, want %q", tc.user, n.Seq, n.Body, body)
			}
		}
		if !slices.Equal(listed, tc.want) || !slices.Equal(dispatched, tc.want) {
			t.Errorf("%s: export lists %v, dispatcher sends %v, want %v", tc.user, listed, dispatched, tc.want)
		}
	}
	if got := ResidentNotices(r, "reporter", "vi")[0].Body; got != "Phản ánh của bạn đã được thụ lý" {
		t.Errorf("Vietnamese notice %q", got)
	}
}
