package mongostore

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/open311"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
)

func TestPartnersKeysAndLimits(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Date(2026, 12, 2, 10, 0, 30, 0, time.UTC)
	ps := &open311.Partners{Store: s, Now: func() time.Time { return now }}
	p, key, err := ps.Issue(ctx, "Bay app", "dev@bay.example", 5)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.Partner(ctx, p.ID)
	if err != nil || stored.KeyHash == "" || stored.KeyHash == key || stored.Name != "Bay app" || stored.RateLimit != 5 {
		t.Fatalf("stored partner: %+v %v", stored, err)
	}
	// Five calls a minute, counted across callers at once; the sixth waits for the next minute.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := ps.Authenticate(ctx, key)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	ok, limited := 0, 0
	for err := range errs {
		var rl *open311.RateLimited
		switch {
		case err == nil:
			ok++
		case errors.As(err, &rl) && errors.Is(err, fault.ErrRateLimited) && rl.RetryAfter() == 30*time.Second:
			limited++
		default:
			t.Errorf("authenticate: %v", err)
		}
	}
	if ok != 5 || limited != 3 {
		t.Errorf("%d allowed and %d limited, want 5 and 3", ok, limited)
	}
	now = now.Add(time.Minute)
	if _, err := ps.Authenticate(ctx, key); err != nil {
		t.Errorf("next minute: %v", err)
	}
	// A wrong secret, an unknown partner, then the revoked key: all forbidden.
	for _, bad := range []string{p.ID + ".wrong", "nobody.x", "", "no-dot"} {
		if _, err := ps.Authenticate(ctx, bad); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("key %q: %v", bad, err)
		}
	}
	if err := ps.Revoke(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := ps.Revoke(ctx, "nobody"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	if _, err := ps.Authenticate(ctx, key); !errors.Is(err, fault.ErrForbidden) {
		t.Errorf("revoked key: %v", err)
	}
	second, _, err := ps.Issue(ctx, "City portal", "it@city.example", 60)
	if err != nil {
		t.Fatal(err)
	}
	list, err := ps.List(ctx)
	if err != nil || len(list) != 2 || list[1].ID != p.ID || list[1].RevokedAt.IsZero() || list[0].ID != second.ID {
		t.Errorf("list: %+v %v", list, err)
	}
}

func TestPartnersReports(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := testenv.Context(t)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, partner := range []string{"p1", "p1", "p2", "", "p1"} {
		r := report.Report{ID: fmt.Sprintf("r%d", i), Code: fmt.Sprintf("QN-2612-%05d", i), Partner: partner, Category: "flooding",
			Attributes: map[string][]string{"water_depth": {"knee"}}, Status: report.Received, Version: 1, CreatedAt: day.Add(time.Duration(i) * time.Hour)}
		if err := s.InsertReport(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ReportByCode(ctx, "QN-2612-00001")
	if err != nil || got.ID != "r1" || got.Partner != "p1" || got.Attributes["water_depth"][0] != "knee" {
		t.Errorf("by code: %+v %v", got, err)
	}
	own, err := s.ReportsByPartner(ctx, "p1", day.Add(time.Hour), day.Add(4*time.Hour), 10)
	if err != nil || len(own) != 2 || own[0].ID != "r4" || own[1].ID != "r1" {
		t.Errorf("p1's from the first hour: %+v %v", own, err)
	}
	if _, err := s.ReportByCode(ctx, "QN-0000-00000"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}
}

// TestRequestDays: the day indexes list what is public, by day and category, follow a report taken off
// the map, and come back from Rebuild.
func TestRequestDays(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	svc := publicService(t, s)
	ctx := testenv.Context(t)
	var items []publicmap.Item
	for i := range 12 {
		cat := "road_damage"
		if i%3 == 0 {
			cat = "garbage"
		}
		r, tk := resolvedReport(svc, i, cat, 4)
		r.CreatedAt = r.CreatedAt.Add(-time.Duration(i) * 20 * time.Hour) // over about ten days
		items = append(items, publicmap.Item{Report: r, Ticket: tk})
	}
	if err := svc.SyncAll(ctx, items); err != nil {
		t.Fatal(err)
	}
	newest := items[0].Report.CreatedAt
	window := publicmap.RequestQuery{From: newest.Add(-30 * 24 * time.Hour), To: newest, Limit: 1000}
	codes := func(q publicmap.RequestQuery) []string {
		t.Helper()
		views, err := svc.Requests(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range views {
			out = append(out, v.Code)
		}
		return out
	}
	all := codes(window)
	if len(all) != 12 || all[0] != items[0].Report.Code || all[11] != items[11].Report.Code {
		t.Fatalf("listed %v", all)
	}
	limited := window
	limited.Limit = 5
	if got := codes(limited); len(got) != 5 || got[4] != items[4].Report.Code {
		t.Errorf("limit 5: %v", got)
	}
	garbage := window
	garbage.Categories = []string{"garbage"}
	if got := codes(garbage); len(got) != 4 {
		t.Errorf("garbage: %v", got)
	}
	both := window
	both.Categories, both.Limit = []string{"garbage", "road_damage", "flooding"}, 10
	if got := codes(both); len(got) != 10 || got[0] != items[0].Report.Code {
		t.Errorf("garbage and road damage, 10: %v", got)
	}
	narrow := window
	narrow.From, narrow.To = items[5].Report.CreatedAt, items[3].Report.CreatedAt
	if got := codes(narrow); len(got) != 3 || got[0] != items[3].Report.Code {
		t.Errorf("from the 6th to the 4th: %v", got)
	}
	// Hidden: off the list (and an older change arriving late does not bring it back).
	hidden := items[0]
	hidden.Report.Version++
	hidden.Ticket.Hidden = true
	if err := svc.Sync(ctx, hidden.Report, hidden.Ticket); err != nil {
		t.Fatal(err)
	}
	if err := svc.Sync(ctx, items[0].Report, items[0].Ticket); err != nil {
		t.Fatal(err)
	}
	if got := codes(window); len(got) != 11 || got[0] == items[0].Report.Code {
		t.Errorf("after hiding: %v", got)
	}
	// Rebuild recomputes the same lists.
	if _, err := svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if got := codes(window); len(got) != 11 {
		t.Errorf("after rebuild: %v", got)
	}
	if got := codes(garbage); len(got) != 3 {
		t.Errorf("garbage after rebuild: %v", got)
	}
}

func TestContacts(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := testenv.Context(t)
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	cs := []open311.Contact{
		{ReportID: "r1", Code: "QN-1", PartnerID: "p1", Email: "lan@example.vn", FirstName: "Lan", CreatedAt: at},
		{ReportID: "r2", Code: "QN-2", PartnerID: "p1", ReporterID: "u1", Phone: "+84912345678", Email: "lan@example.vn", CreatedAt: at.Add(time.Hour)},
		{ReportID: "r3", Code: "QN-3", PartnerID: "p2", ReporterID: "u1", Phone: "+84912345678", LastName: "Nguyễn", CreatedAt: at.Add(2 * time.Hour)},
	}
	for _, c := range cs {
		if err := s.InsertContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Contact(ctx, "r2"); err != nil || got != cs[1] {
		t.Errorf("contact r2: %+v %v", got, err)
	}
	if _, err := s.Contact(ctx, "r9"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("no contact: %v", err)
	}
	if got, err := s.ContactsByEmail(ctx, "lan@example.vn"); err != nil || len(got) != 2 || got[0].ReportID != "r2" || got[1] != cs[0] {
		t.Errorf("by email: %+v %v", got, err)
	}
	if got, err := s.ContactsOfReporter(ctx, "u1"); err != nil || len(got) != 2 || got[0].ReportID != "r3" {
		t.Errorf("of reporter: %+v %v", got, err)
	}
	if n, err := s.DeleteContactsByEmail(ctx, "lan@example.vn"); err != nil || n != 2 {
		t.Errorf("erase by email: %d %v", n, err)
	}
	if err := s.DeleteContactsOfReporter(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"r1", "r2", "r3"} {
		if _, err := s.Contact(ctx, id); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("%s after erasure: %v", id, err)
		}
	}
}
