package open311

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/fault"
)

// Contact is how to reach the reporter of a partner's request, as the partner sent it: kept with the
// request (by its report ID), never public, never in an Open311 answer, shown only to the staff who handle
// the ticket. A phone also made the request its resident's (ReporterID): erasing that account erases
// this contact, and the account's export lists it. A contact without phone belongs to no account: an admin
// finds and erases it by its email.
type Contact struct {
	ReportID   string
	Code       string // the request's service_request_id
	PartnerID  string
	ReporterID string // the resident the phone names; "" without phone
	Phone      string // E.164, "" when not sent
	Email      string // lower case, "" when not sent
	FirstName  string
	LastName   string
	CreatedAt  time.Time
}

// ContactStore keeps the reporter contacts of partners' requests.
type ContactStore interface {
	// InsertContact stores c under its ReportID (replacing any contact stored there).
	InsertContact(ctx context.Context, c Contact) error
	// Contact returns the contact of a report; fault.ErrNotFound when it has none.
	Contact(ctx context.Context, reportID string) (Contact, error)
	// ContactsByEmail returns the contacts with this (lower-case) email, newest first.
	ContactsByEmail(ctx context.Context, email string) ([]Contact, error)
	// DeleteContactsByEmail deletes them and returns how many there were.
	DeleteContactsByEmail(ctx context.Context, email string) (int, error)
	// ContactsOfReporter returns the contacts tied to a resident's account, newest first.
	ContactsOfReporter(ctx context.Context, userID string) ([]Contact, error)
	// DeleteContactsOfReporter deletes them.
	DeleteContactsOfReporter(ctx context.Context, userID string) error
}

// Contacts finds and erases partners' reporter contacts.
type Contacts struct {
	Store ContactStore
}

// maxName is the longest first or last name kept.
const maxName = 100

// contactOf checks the contact fields of a new request and returns them normalised (phone in E.164, email
// in lower case), adding each bad field to inv by its Open311 name.
func contactOf(inv *fault.Invalid, in NewRequest) Contact {
	c := Contact{FirstName: strings.TrimSpace(in.FirstName), LastName: strings.TrimSpace(in.LastName)}
	if in.Phone != "" {
		if n, err := phone.Parse(in.Phone); err == nil {
			c.Phone = n.String()
		} // a bad phone is named by Residents.ReporterFor, with the account rules
	}
	if in.Email != "" {
		email, err := ParseEmail(in.Email)
		if err != nil {
			inv.Add("email", err.Error())
		}
		c.Email = email
	}
	for field, v := range map[string]string{"first_name": c.FirstName, "last_name": c.LastName} {
		if utf8.RuneCountInString(v) > maxName || !utf8.ValidString(v) || strings.ContainsAny(v, "<>\x00") {
			inv.Add(field, fmt.Sprintf("must be plain text of at most %d characters", maxName))
		}
	}
	if in.Phone == "" && in.Email == "" && (c.FirstName != "" || c.LastName != "") {
		inv.Add("first_name", "names are kept only with a way to reach the person: send phone or email too")
	}
	return c
}

// empty reports whether the partner sent no contact at all.
func (c Contact) empty() bool {
	return c.Phone == "" && c.Email == "" && c.FirstName == "" && c.LastName == ""
}

var errBadEmail = errors.New("must be one email address, such as lan.nguyen@example.vn")

// ParseEmail checks an email address (one bare address, at most 254 characters, a dotted domain) and
// returns it in lower case, the form contacts are found by.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 {
		return "", errBadEmail
	}
	_, domain, _ := strings.Cut(s, "@")
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", errBadEmail
	}
	return strings.ToLower(s), nil
}

// Of returns the reporter contact of a report; ok is false when it has none.
func (cs *Contacts) Of(ctx context.Context, reportID string) (Contact, bool, error) {
	c, err := cs.Store.Contact(ctx, reportID)
	if errors.Is(err, fault.ErrNotFound) {
		return Contact{}, false, nil
	}
	if err != nil {
		return Contact{}, false, fmt.Errorf("load contact of report %s: %w", reportID, err)
	}
	return c, true, nil
}

// ByEmail returns every contact partners sent with this email, newest first (a person's request to see
// what is kept about them). *fault.Invalid names email when it is not an address.
func (cs *Contacts) ByEmail(ctx context.Context, rawEmail string) ([]Contact, error) {
	email, err := contactEmail(rawEmail)
	if err != nil {
		return nil, err
	}
	out, err := cs.Store.ContactsByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("find contacts of %s: %w", email, err)
	}
	return out, nil
}

// EraseEmail erases every contact partners sent with this email (names and phone with it) and returns how
// many there were; the requests stay, anonymous. *fault.Invalid names email when it is not an address.
func (cs *Contacts) EraseEmail(ctx context.Context, rawEmail string) (int, error) {
	email, err := contactEmail(rawEmail)
	if err != nil {
		return 0, err
	}
	n, err := cs.Store.DeleteContactsByEmail(ctx, email)
	if err != nil {
		return 0, fmt.Errorf("erase contacts of %s: %w", email, err)
	}
	return n, nil
}

// OfReporter returns the contacts tied to a resident's account (for the account's export).
func (cs *Contacts) OfReporter(ctx context.Context, userID string) ([]Contact, error) {
	out, err := cs.Store.ContactsOfReporter(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("find contacts of resident %s: %w", userID, err)
	}
	return out, nil
}

// ForgetUser erases the contacts tied to a resident's account: called when the account is deleted.
func (cs *Contacts) ForgetUser(ctx context.Context, userID string) error {
	if err := cs.Store.DeleteContactsOfReporter(ctx, userID); err != nil {
		return fmt.Errorf("erase contacts of resident %s: %w", userID, err)
	}
	return nil
}

func contactEmail(raw string) (string, error) {
	email, err := ParseEmail(raw)
	if err != nil {
		inv := &fault.Invalid{}
		inv.Add("query.email", err.Error())
		return "", inv
	}
	return email, nil
}
