package notify

import (
	"context"
	"testing"

	"github.com/quangninh/feedback/internal/report"
)

// TestFollowersHearOnlyWhatConcernsThem: a follower is told of "a report you follow", never "your report",
// and does not hear of the officer's request for information, which only the reporter can answer.
func TestFollowersHearOnlyWhatConcernsThem(t *testing.T) {
	r := report.Report{ID: "r1", Code: "QN-2612-00001", ReporterID: "reporter", Followers: []string{"follower"},
		Status: report.Accepted}
	var d Dispatcher
	ask := report.Event{Action: string(report.ActionRequestInfo), ActorID: "officer", From: report.InProgress,
		To: report.InfoRequested, Note: "Which side of the road?"}
	who, err := d.recipients(context.Background(), r, ask, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := who["follower"]; ok || who["reporter"] != toResident {
		t.Errorf("request_info goes to %v, want the reporter only", who)
	}

	accept := report.Event{Action: string(report.ActionAccept), ActorID: "officer", From: report.Received, To: report.Accepted}
	who, err = d.recipients(context.Background(), r, accept, nil)
	if err != nil {
		t.Fatal(err)
	}
	if who["reporter"] != toResident || who["follower"] != toFollower {
		t.Fatalf("accept goes to %v, want the reporter as reporter and the follower as follower", who)
	}
	for _, tc := range []struct {
		lang  string
		who   audience
		event report.Event
		want  string
	}{
		{"en", toResident, accept, "Your report is accepted"},
		{"en", toFollower, accept, "A report you follow is accepted"},
		{"vi", toResident, accept, "Phản ánh của bạn đã được thụ lý"},
		{"vi", toFollower, accept, "Phản ánh bạn theo dõi đã được thụ lý"},
		{"en", toFollower, report.Event{Action: string(report.ActionTransfer), To: report.Received},
			"A report you follow was passed to another agency"},
		{"vi", toFollower, report.Event{Action: string(report.ActionTransfer), To: report.Received},
			"Phản ánh bạn theo dõi đã được chuyển cho cơ quan khác xử lý"},
	} {
		if _, body := text(tc.lang, tc.who, r, tc.event); body != tc.want {
			t.Errorf("text(%s, %v, %s) = %q, want %q", tc.lang, tc.who, tc.event.Action, body, tc.want)
		}
	}
}
