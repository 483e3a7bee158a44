package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/report"
)

// oneReport is a Reader holding one report.
type oneReport struct {
	report.Reader
	r report.Report
}

func (o oneReport) Report(context.Context, string) (report.Report, error) { return o.r, nil }

// TestFollowerView: the reporter reads their report in full; a follower gets the status, the agency's
// public replies and what nearby searches show anyway, never the reporter's private data.
func TestFollowerView(t *testing.T) {
	r := newReport(report.Resolved)
	r.Address = "12 Trần Hưng Đạo"
	r.Location = report.Location{Lat: 20.951234, Lng: 107.081234, AccuracyM: 8, Source: report.FromDevice}
	r.Photos = []report.Photo{{ID: "p1", State: report.PhotoReady}, {ID: "p2", State: report.PhotoReady, After: true}}
	r.Ticket.Rating = 2
	r.Timeline = append(r.Timeline,
		report.Event{At: created, Action: "request_info", ActorRole: "officer", From: report.InProgress, To: report.InfoRequested, Note: "Số nhà của bạn?"},
		report.Event{At: created, Action: "provide_info", ActorRole: "resident", ActorID: "res-1", From: report.InfoRequested, To: report.InProgress, Note: "Nhà tôi số 12"},
		report.Event{At: created, Action: report.EventCommentPublic, ActorRole: "officer", Note: "Đội sẽ đến"},
		report.Event{At: created, Action: report.EventCommentInternal, ActorRole: "officer", Note: "nội bộ"},
		report.Event{At: created, Action: "resolve", ActorRole: "officer", From: report.InProgress, To: report.Resolved, Note: "Đã vá"},
	)
	rs := &report.Residents{Store: oneReport{r: r}, Now: func() time.Time { return created }}

	got, following, err := rs.Get(context.Background(), auth.Principal{UserID: "res-1", Role: auth.RoleResident}, r.ID)
	if err != nil || following || got.Address != r.Address || len(got.Photos) != 2 || got.Location != r.Location {
		t.Errorf("reporter's read: following %t, %v, %+v", following, err, got)
	}

	got, following, err = rs.Get(context.Background(), auth.Principal{UserID: "res-2", Role: auth.RoleResident}, r.ID)
	if err != nil || !following {
		t.Fatalf("follower's read: following %t, %v", following, err)
	}
	if got.Address != "" || got.Ticket.Rating != 0 || got.Location.AccuracyM != 0 {
		t.Errorf("follower sees address %q, rating %d, accuracy %v", got.Address, got.Ticket.Rating, got.Location.AccuracyM)
	}
	exact := jurisdiction.Point{Lat: r.Location.Lat, Lng: r.Location.Lng}
	if want := jurisdiction.Snap(exact, 100); got.Location.Lat != want.Lat || got.Location.Lng != want.Lng {
		t.Errorf("follower sees location %v, want the centre of its 100 m cell %v", got.Location, want)
	}
	// A category published at 500 m: followers see no finer; one published exactly: still 100 m.
	for precision, cell := range map[int]float64{500: 500, 0: 100} {
		rs.PrecisionM = func(string) int { return precision }
		got, _, _ = rs.Get(context.Background(), auth.Principal{UserID: "res-2", Role: auth.RoleResident}, r.ID)
		if want := jurisdiction.Snap(exact, cell); got.Location.Lat != want.Lat || got.Location.Lng != want.Lng {
			t.Errorf("category at %d m: follower sees %v, want %v", precision, got.Location, want)
		}
	}
	if len(got.Photos) != 1 || got.Photos[0].ID != "p2" {
		t.Errorf("follower sees photos %+v, want the agency's after photo only", got.Photos)
	}
	var notes []string
	for _, e := range got.Timeline {
		if e.ActorID != "" {
			t.Errorf("follower sees who acted: %+v", e)
		}
		if e.Action == report.EventCommentInternal {
			t.Errorf("follower sees an internal comment")
		}
		if e.Note != "" {
			notes = append(notes, e.Action+": "+e.Note)
		}
	}
	if diff := cmp.Diff([]string{"comment_public: Đội sẽ đến", "resolve: Đã vá"}, notes); diff != "" {
		t.Errorf("notes a follower reads (-want +got):\n%s", diff)
	}
}
