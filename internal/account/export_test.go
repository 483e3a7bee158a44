package account

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/report"
)

// exportStore is a Store with one resident and their sessions.
type exportStore struct {
	oneUser
	sessions []Session
}

func (e *exportStore) UserSessions(context.Context, string) ([]Session, error) {
	return e.sessions, nil
}

// reportShelf holds reports and answers the export's page reads as the store does: newest first, after a
// cursor, counting the reports handed out per read.
type reportShelf struct {
	reports  []report.Report // newest first
	maxRead  int
	lastSeen string
}

func (s *reportShelf) page(match func(report.Report) bool, after *report.Cursor, limit int) []report.Report {
	var out []report.Report
	for _, r := range s.reports {
		if after != nil && !(r.CreatedAt.Before(after.CreatedAt) || (r.CreatedAt.Equal(after.CreatedAt) && r.ID < after.ID)) {
			continue
		}
		if match(r) && len(out) < limit {
			out = append(out, r)
		}
	}
	s.maxRead = max(s.maxRead, len(out))
	return out
}

func (s *reportShelf) ReportsByReporter(_ context.Context, id string, _ report.Status, after *report.Cursor, limit int) ([]report.Report, error) {
	return s.page(func(r report.Report) bool { return r.ReporterID == id }, after, limit), nil
}

func (s *reportShelf) ReportsFollowedBy(_ context.Context, id string, after *report.Cursor, limit int) ([]report.Report, error) {
	return s.page(func(r report.Report) bool { return slices.Contains(r.Followers, id) }, after, limit), nil
}

type deviceList []notify.Device

func (d deviceList) UserDevices(context.Context, string) ([]notify.Device, error) { return d, nil }
func (deviceList) ForgetDevice(context.Context, string, string) error             { return nil }
func (deviceList) ForgetUser(context.Context, string) error                       { return nil }

// TestExportListsEverythingPageByPage: a resident's export holds their sessions and devices, every one of
// their reports (read ExportPage at a time, never more) with their own actions and the pushes sent to
// them, and the reports they follow as a follower sees them, with the pushes a follower gets.
func TestExportListsEverythingPageByPage(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	me := User{ID: "me", Role: auth.RoleResident, Phone: "+84912345678", Language: "en"}
	shelf := &reportShelf{}
	const mine = ExportPage*2 + 3
	for i := range mine + 1 {
		at := now.Add(-time.Duration(i) * time.Minute)
		r := report.Report{ID: fmt.Sprintf("r%03d", i), Code: fmt.Sprintf("QN-2612-%05d", i), ReporterID: "me",
			Address: "12 Lê Lợi", Status: report.InProgress, CreatedAt: at, Timeline: []report.Event{
				{At: at, Action: report.EventReceived, ActorID: "me", To: report.Received},
				{At: at, Action: string(report.ActionAccept), ActorID: "officer", From: report.Received, To: report.Accepted},
				{At: at, Action: string(report.ActionRequestInfo), ActorID: "officer", From: report.Accepted, To: report.InfoRequested},
				{At: at, Action: string(report.ActionProvideInfo), ActorID: "me", From: report.InfoRequested, To: report.InProgress, Note: "north side"},
			}}
		if i == mine { // someone else's, which I follow
			r.ID, r.ReporterID, r.Followers = "theirs", "neighbour", []string{"me"}
			r.Timeline[0].ActorID, r.Timeline[3].ActorID = "neighbour", "neighbour"
		}
		shelf.reports = append(shelf.reports, r)
	}
	store := &exportStore{oneUser: oneUser{u: StoredUser{User: me}}, sessions: []Session{
		{CreatedAt: now.Add(-time.Hour), LastUsedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour)},
		{CreatedAt: now.Add(-48 * time.Hour), LastUsedAt: now.Add(-47 * time.Hour), ExpiresAt: now.Add(-time.Hour)}, // idle: ended
	}}
	phone := notify.Device{Token: "fcm-token-1", UserID: "me", Platform: notify.Android, Language: "en"}
	s := New(store, nil, nil, Config{Devices: deviceList{phone}, Reports: shelf, Now: func() time.Time { return now }})
	ctx := context.Background()

	ex, err := s.Export(ctx, auth.Principal{UserID: "me", Role: auth.RoleResident})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Sessions) != 1 || len(ex.Devices) != 1 || ex.Devices[0].Token != phone.Token || ex.Profile.Phone != me.Phone {
		t.Errorf("export: profile %+v, %d sessions (want 1), devices %+v", ex.Profile, len(ex.Sessions), ex.Devices)
	}
	var got []ExportedReport
	for after, first := (*report.Cursor)(nil), true; first || after != nil; first = false {
		var page []ExportedReport
		if page, after, err = ex.ReportsPage(ctx, after); err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
	}
	if len(got) != mine || shelf.maxRead > ExportPage {
		t.Fatalf("%d reports exported (want %d), up to %d read at once (at most %d)", len(got), mine, shelf.maxRead, ExportPage)
	}
	first := got[0]
	if first.Following || first.Report.Address == "" || len(first.Actions) != 2 || first.Actions[1].Note != "north side" {
		t.Errorf("own report: following %v, address %q, actions %+v", first.Following, first.Report.Address, first.Actions)
	}
	var bodies []string
	for _, n := range first.Notices {
		bodies = append(bodies, n.Body)
	}
	if want := []string{"Your report is accepted", "The agency needs more information"}; !slices.Equal(bodies, want) {
		t.Errorf("notices of my report %q, want %q", bodies, want)
	}

	followed, next, err := ex.FollowingPage(ctx, nil)
	if err != nil || next != nil || len(followed) != 1 {
		t.Fatalf("following: %d reports, next %v, err %v", len(followed), next, err)
	}
	f := followed[0]
	bodies = nil
	for _, n := range f.Notices {
		bodies = append(bodies, n.Body)
	}
	if !f.Following || f.Report.Address != "" || len(f.Actions) != 0 || f.Report.ID != "theirs" {
		t.Errorf("followed report: %+v", f)
	}
	if want := []string{"A report you follow is accepted", "A report you follow is in progress"}; !slices.Equal(bodies, want) {
		t.Errorf("notices of a followed report %q, want %q", bodies, want)
	}
}
