// Package audit keeps the audit trail: who among the staff did what, when and from which address. Entries
// are written once and never changed, and do not depend on the account still being enabled.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// Entry is one staff action.
type Entry struct {
	// ID orders entries by time: the instant in fixed-width hex, then a random suffix (see newID).
	ID        string
	At        time.Time
	ActorID   string
	ActorRole auth.Role
	AgencyID  string // the actor's agency, for agency staff
	Operation string // the API operation (its operationId)
	Action    string // the ticket action or bulk action, when there is one
	Method    string
	Path      string
	TargetID  string // the object the path names, when there is one
	Status    int    // the HTTP status answered
	Address   string // the client's IP address
	RequestID string
}

// Query selects entries, newest first.
type Query struct {
	ActorID  string
	AgencyID string
	// IDFrom and IDBefore bound the entries' IDs: [IDFrom, IDBefore); "" leaves a side open. Times and the
	// cursor both become ID bounds, since IDs order entries by time.
	IDFrom, IDBefore string
	Limit            int
}

// Store keeps the trail. Methods return an error wrapping fault.ErrUnavailable when the database does not
// answer.
type Store interface {
	InsertAuditEntry(ctx context.Context, e Entry) error
	// AuditEntries returns up to q.Limit entries matching q, newest (highest ID) first.
	AuditEntries(ctx context.Context, q Query) ([]Entry, error)
}

// Trail records and reads staff actions.
type Trail struct {
	Store Store
	Now   func() time.Time
}

func (t *Trail) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Record stores an entry of a staff action, stamped now (e.ID and e.At are set here).
func (t *Trail) Record(ctx context.Context, e Entry) error {
	e.At = t.now().UTC()
	e.ID = newID(e.At)
	if err := t.Store.InsertAuditEntry(ctx, e); err != nil {
		return fmt.Errorf("record %s by %s: %w", e.Operation, e.ActorID, err)
	}
	return nil
}

// Filter is what an admin asks of the trail.
type Filter struct {
	ActorID  string
	AgencyID string
	From, To time.Time // [From, To); zero leaves a side open
	Limit    int
	Cursor   string // the Next of the previous page
}

// Page is a page of entries, newest first; Next is "" on the last page.
type Page struct {
	Entries []Entry
	Next    string
}

// MaxLimit is the largest page.
const MaxLimit = 200

// List returns a page of the trail: every agency's for admins, their own agency's for agency admins
// (another agency named is fault.ErrForbidden). *fault.Invalid for a bad cursor or an empty time range.
func (t *Trail) List(ctx context.Context, p auth.Principal, f Filter) (Page, error) {
	switch p.Role {
	case auth.RoleAdmin:
	case auth.RoleAgencyAdmin:
		if f.AgencyID != "" && f.AgencyID != p.AgencyID {
			return Page{}, fault.New(fault.ErrForbidden, "agency admins read their own agency's trail only")
		}
		f.AgencyID = p.AgencyID
	default:
		return Page{}, fault.New(fault.ErrForbidden, "only admins read the audit trail")
	}
	inv := &fault.Invalid{}
	if f.Cursor != "" && !validID(f.Cursor) {
		inv.Add("query.cursor", "must be the next_cursor of a previous page")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		inv.Add("query.to", "must be after from")
	}
	if err := inv.Err(); err != nil {
		return Page{}, err
	}
	if f.Limit <= 0 || f.Limit > MaxLimit {
		f.Limit = 50
	}
	q := Query{ActorID: f.ActorID, AgencyID: f.AgencyID, Limit: f.Limit + 1}
	if !f.From.IsZero() {
		q.IDFrom = instant(f.From)
	}
	if !f.To.IsZero() {
		q.IDBefore = instant(f.To)
	}
	if f.Cursor != "" && (q.IDBefore == "" || f.Cursor < q.IDBefore) {
		q.IDBefore = f.Cursor
	}
	es, err := t.Store.AuditEntries(ctx, q)
	if err != nil {
		return Page{}, fmt.Errorf("list audit entries: %w", err)
	}
	page := Page{Entries: es}
	if len(es) > f.Limit {
		page.Entries = es[:f.Limit]
		page.Next = page.Entries[f.Limit-1].ID
	}
	return page, nil
}

// instant is the ID prefix of a time: nanoseconds since 1970 in 16 hex digits, so IDs sort by time.
func instant(t time.Time) string {
	n := t.UnixNano()
	if n < 0 {
		n = 0
	}
	s := strconv.FormatUint(uint64(n), 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

func newID(at time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return instant(at) + "-" + hex.EncodeToString(b[:])
}

// validID accepts what newID makes.
func validID(s string) bool {
	if len(s) != 25 || s[16] != '-' {
		return false
	}
	for i, r := range s {
		if i != 16 && !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
