package mongostore

import (
	"fmt"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestReportsFollowedByPages: a resident's followed reports come newest first, a page at a time, and
// nobody else's follows or reports are among them.
func TestReportsFollowedByPages(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	base := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	for i := range 5 {
		at := base.Add(time.Duration(i) * time.Hour)
		r := report.Report{ID: fmt.Sprintf("r%d", i), Code: fmt.Sprintf("QN-2611-%05d", i+1), ReporterID: "someone",
			Category: "garbage", Status: report.Received, CreatedAt: at, UpdatedAt: at, Version: 1}
		if err := s.InsertReport(ctx, r); err != nil {
			t.Fatal(err)
		}
		follower := "other"
		if i != 2 {
			follower = "me"
		}
		if err := s.AddFollower(ctx, r.ID, follower, at); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	var after *report.Cursor
	for {
		page, err := s.ReportsFollowedBy(ctx, "me", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			got = append(got, r.ID)
		}
		if len(page) < 2 {
			break
		}
		last := page[len(page)-1]
		after = &report.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if want := "[r4 r3 r1 r0]"; fmt.Sprint(got) != want {
		t.Errorf("followed reports %v, want %s", got, want)
	}
}
