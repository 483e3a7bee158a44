package audit_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/audit"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// fakeStore answers queries over entries kept in memory, as the store does.
type fakeStore struct{ entries []audit.Entry }

func (f *fakeStore) InsertAuditEntry(_ context.Context, e audit.Entry) error {
	f.entries = append(f.entries, e)
	return nil
}

func (f *fakeStore) AuditEntries(_ context.Context, q audit.Query) ([]audit.Entry, error) {
	var out []audit.Entry
	for _, e := range f.entries {
		if q.ActorID != "" && e.ActorID != q.ActorID || q.AgencyID != "" && e.AgencyID != q.AgencyID ||
			q.IDFrom != "" && e.ID < q.IDFrom || q.IDBefore != "" && e.ID >= q.IDBefore {
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b audit.Entry) int { return strings.Compare(b.ID, a.ID) })
	return out[:min(len(out), q.Limit)], nil
}

func TestTrailPagesNewestFirstWithFilters(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	trail := &audit.Trail{Store: &fakeStore{}, Now: func() time.Time { return clock }}
	for i := range 5 {
		clock = clock.Add(time.Minute)
		agency, actor := "a", "off-a"
		if i%2 == 1 {
			agency, actor = "b", "off-b"
		}
		if err := trail.Record(ctx, audit.Entry{ActorID: actor, ActorRole: auth.RoleOfficer, AgencyID: agency, Operation: "actOnTicket", Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	admin := auth.Principal{UserID: "root", Role: auth.RoleAdmin}
	first, err := trail.List(ctx, admin, audit.Filter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Entries) != 2 || first.Next == "" || !first.Entries[0].At.After(first.Entries[1].At) {
		t.Fatalf("first page %+v, want the 2 newest and a cursor", first)
	}
	rest, _ := trail.List(ctx, admin, audit.Filter{Limit: 10, Cursor: first.Next})
	if len(rest.Entries) != 3 || rest.Next != "" || !rest.Entries[0].At.Before(first.Entries[1].At) {
		t.Errorf("rest %+v, want the 3 older entries and no cursor", rest)
	}
	byActor, _ := trail.List(ctx, admin, audit.Filter{ActorID: "off-b"})
	if len(byActor.Entries) != 2 {
		t.Errorf("off-b's entries: %d, want 2", len(byActor.Entries))
	}
	start := time.Date(2026, 12, 2, 8, 2, 0, 0, time.UTC)
	window, _ := trail.List(ctx, admin, audit.Filter{From: start, To: start.Add(2 * time.Minute)})
	if len(window.Entries) != 2 || !window.Entries[1].At.Equal(start) {
		t.Errorf("entries in [8:02, 8:04) = %+v, want 8:03 and 8:02", window.Entries)
	}
	// An agency admin reads their own agency's, whatever they ask for.
	aa := auth.Principal{UserID: "aa-a", Role: auth.RoleAgencyAdmin, AgencyID: "a"}
	own, _ := trail.List(ctx, aa, audit.Filter{})
	if len(own.Entries) != 3 {
		t.Errorf("agency a's entries: %d, want 3", len(own.Entries))
	}
	if _, err := trail.List(ctx, aa, audit.Filter{AgencyID: "b"}); !errors.Is(err, fault.ErrForbidden) {
		t.Errorf("agency admin asking for another agency: %v, want forbidden", err)
	}
	var inv *fault.Invalid
	if _, err := trail.List(ctx, admin, audit.Filter{Cursor: "nope"}); !errors.As(err, &inv) {
		t.Errorf("bad cursor: %v, want invalid", err)
	}
	if _, err := trail.List(ctx, admin, audit.Filter{From: start, To: start}); !errors.As(err, &inv) {
		t.Errorf("empty time range: %v, want invalid", err)
	}
}
