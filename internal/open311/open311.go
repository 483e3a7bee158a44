// Package open311 speaks Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): services are the
// categories, requests the reports. Anyone lists what the public map shows; a partner, with the API key an
// admin issued, files requests and sees its own in full.
package open311

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
)

// The standard's limits of GET requests.
const (
	Window     = 90 * 24 * time.Hour // the default window, and the longest range
	MaxResults = 1000
	MaxIDs     = 100
)

// Status is a request's Open311 status.
type Status string

// The statuses.
const (
	Open   Status = "open"
	Closed Status = "closed"
)

// StatusOf maps a report's status: closed once resolved, closed or rejected.
func StatusOf(s report.Status) Status {
	if s.Open() {
		return Open
	}
	return Closed
}

// Request is a report as Open311 shows it. Zero times and "" are unknown.
type Request struct {
	ID          string
	Status      Status
	StatusNotes string
	ServiceCode string
	Description string
	AgencyID    string
	Requested   time.Time
	Updated     time.Time
	Expected    time.Time
	Address     string
	Lat, Long   float64
	PhotoKey    string // the S3 key of the public photo
}

// fromPublic is the request of a public view (the public map's location precision, no address).
func fromPublic(v publicmap.PublicReport) Request {
	r := Request{ID: v.Code, Status: Closed, StatusNotes: v.Reply, ServiceCode: v.Category, Description: v.Description,
		AgencyID: v.Agency, Requested: v.ReceivedAt, Updated: v.ResolvedAt, Expected: v.Deadline, Lat: v.Lat, Long: v.Lng}
	for _, p := range v.Photos {
		if p.Kind == "before" {
			r.PhotoKey = p.PublicKey
			break
		}
	}
	return r
}

// fromReport is the partner's full view of its own report.
func fromReport(rp report.Report) Request {
	r := Request{ID: rp.Code, Status: StatusOf(rp.Status), StatusNotes: publicmap.Reply(rp), ServiceCode: rp.Category,
		Description: rp.Description, AgencyID: rp.Routing.AgencyID, Requested: rp.CreatedAt, Updated: rp.UpdatedAt,
		Expected: rp.Ticket.ResolveBy, Address: rp.Address, Lat: rp.Location.Lat, Long: rp.Location.Lng}
	for _, p := range rp.Photos {
		if !p.After && p.State == report.PhotoReady && p.PublicKey != "" {
			r.PhotoKey = p.PublicKey
			break
		}
	}
	return r
}

// Public reads what the public map shows.
type Public interface {
	Requests(ctx context.Context, q publicmap.RequestQuery) ([]publicmap.PublicReport, error)
	Reports(ctx context.Context, codes []string) ([]publicmap.PublicReport, error)
}

// Reports reads a partner's own reports.
type Reports interface {
	// ReportByCode returns a report; fault.ErrNotFound when there is none.
	ReportByCode(ctx context.Context, code string) (report.Report, error)
	// ReportsByPartner returns the partner's reports received from from to to, newest first.
	ReportsByPartner(ctx context.Context, partnerID string, from, to time.Time, limit int) ([]report.Report, error)
}

// Intake files a partner's reports.
type Intake interface {
	SubmitPartner(ctx context.Context, partnerID, reporterID string, d report.Draft) (report.Report, error)
}

// Residents finds the resident a partner's reporter contact names (account.Service.ReporterFor).
type Residents interface {
	ReporterFor(ctx context.Context, phone, displayName string) (string, error)
}

// Service answers the GeoReport v2 operations.
type Service struct {
	Catalogue func() *catalogue.Catalogue
	Public    Public
	Reports   Reports
	Intake    Intake
	Residents Residents
	Partners  *Partners
	Contacts  ContactStore
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Services returns every category, sorted by code.
func (s *Service) Services() []catalogue.Category { return s.Catalogue().Categories() }

// Agency returns the agency with the ID, or false.
func (s *Service) Agency(id string) (catalogue.Agency, bool) { return s.Catalogue().Agency(id) }

// Definition returns a category with its attributes; fault.ErrNotFound when there is none.
func (s *Service) Definition(code string) (catalogue.Category, error) {
	c, ok := s.Catalogue().Category(code)
	if !ok {
		return catalogue.Category{}, fault.New(fault.ErrNotFound, "There is no service "+code+"; see GET services.")
	}
	return c, nil
}

// Query is a GET requests query, parsed.
type Query struct {
	IDs      []string // when set, every other filter is ignored
	Services []string // empty: all
	From, To time.Time
	Statuses []Status // empty: both
}

// splitList splits a comma-separated parameter, trimmed, without empty or repeated items.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" && !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}

// ParseQuery reads the GET requests parameters ("" when absent): IDs and services comma separated, W3C dates with
// their offset, statuses comma separated. Without dates the window is the Window up to now; with one, the
// Window from or to it. It returns *fault.Invalid naming each bad parameter.
func ParseQuery(ids, service, start, end, status string, now time.Time) (Query, error) {
	inv := &fault.Invalid{}
	q := Query{IDs: splitList(ids), Services: splitList(service)}
	if len(q.IDs) > MaxIDs {
		inv.Add("service_request_id", fmt.Sprintf("at most %d IDs", MaxIDs))
	}
	parse := func(name, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			inv.Add(name, "must be a W3C date-time with its offset, e.g. 2025-12-01T00:00:00+07:00")
		}
		return t
	}
	q.From, q.To = parse("start_date", start), parse("end_date", end)
	switch {
	case q.From.IsZero() && q.To.IsZero():
		q.To = now
		q.From = now.Add(-Window)
	case q.From.IsZero():
		q.From = q.To.Add(-Window)
	case q.To.IsZero():
		q.To = q.From.Add(Window)
	}
	if q.To.Before(q.From) {
		inv.Add("end_date", "must not be before start_date")
	} else if q.To.Sub(q.From) > Window {
		inv.Add("end_date", "the range may not span more than 90 days")
	}
	if status != "" {
		for st := range strings.SplitSeq(status, ",") {
			switch Status(strings.TrimSpace(st)) {
			case Open, Closed:
				q.Statuses = append(q.Statuses, Status(strings.TrimSpace(st)))
			default:
				inv.Add("status", "must be open, closed or both (comma separated)")
			}
		}
	}
	return q, inv.Err()
}

// List answers GET requests: the public requests matching q, and, for a partner (partner.ID set), its own
// requests in full. Newest first, at most MaxResults.
func (s *Service) List(ctx context.Context, q Query, partner Partner) ([]Request, error) {
	byID := map[string]Request{}
	if len(q.IDs) > 0 {
		views, err := s.Public.Reports(ctx, q.IDs)
		if err != nil {
			return nil, err
		}
		for _, v := range views {
			byID[v.Code] = fromPublic(v)
		}
		if partner.ID != "" {
			for _, id := range q.IDs {
				rp, err := s.Reports.ReportByCode(ctx, id)
				if errors.Is(err, fault.ErrNotFound) {
					continue
				}
				if err != nil {
					return nil, err
				}
				if rp.Partner == partner.ID {
					byID[id] = fromReport(rp)
				}
			}
		}
		return ordered(byID, nil), nil
	}
	wantClosed := len(q.Statuses) == 0 || slices.Contains(q.Statuses, Closed)
	if wantClosed {
		// Every public request is closed (resolved, or closed after).
		views, err := s.Public.Requests(ctx, publicmap.RequestQuery{From: q.From, To: q.To, Categories: q.Services, Limit: MaxResults})
		if err != nil {
			return nil, err
		}
		for _, v := range views {
			byID[v.Code] = fromPublic(v)
		}
	}
	if partner.ID != "" {
		own, err := s.Reports.ReportsByPartner(ctx, partner.ID, q.From, q.To, MaxResults)
		if err != nil {
			return nil, err
		}
		for _, rp := range own {
			r := fromReport(rp)
			if r.Requested.Before(q.From) || r.Requested.After(q.To) || (len(q.Services) > 0 && !slices.Contains(q.Services, r.ServiceCode)) ||
				(len(q.Statuses) > 0 && !slices.Contains(q.Statuses, r.Status)) {
				continue
			}
			byID[r.ID] = r
		}
	}
	return ordered(byID, q.Statuses), nil
}

// ordered returns the requests of the statuses (all when empty), newest first, at most MaxResults.
func ordered(byID map[string]Request, statuses []Status) []Request {
	out := make([]Request, 0, len(byID))
	for _, r := range byID {
		if len(statuses) == 0 || slices.Contains(statuses, r.Status) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Request) int {
		if c := b.Requested.Compare(a.Requested); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out[:min(len(out), MaxResults)]
}

// Get answers GET requests/{id}: the public request, or the partner's own in full. fault.ErrNotFound
// when it is neither.
func (s *Service) Get(ctx context.Context, id string, partner Partner) (Request, error) {
	rs, err := s.List(ctx, Query{IDs: []string{id}}, partner)
	if err != nil {
		return Request{}, err
	}
	if len(rs) == 0 {
		return Request{}, fault.New(fault.ErrNotFound, "There is no request "+id+" you may see.")
	}
	return rs[0], nil
}

// NewRequest is a POST requests as a partner sent it.
type NewRequest struct {
	Service        string
	Lat, Long      string
	Address        string
	Description    string
	PublishConsent bool
	Attributes     map[string][]string // attribute[code] answers
	// The reporter's contact (see Create).
	Phone, Email, FirstName, LastName string
	Unsupported                       []string // names of other fields sent that are not taken (media_url, address_id, ...)
}

// Create files a partner's request and returns it, with the account ID of its reporter ("" without
// phone). The reporter's contact follows the rules of the app's own reports: a phone number makes the
// report that resident's (account found or created, names kept as its display name if it has none), so
// that the person sees it in the app. The contact as sent (phone, email, names) is kept with the request
// (Contact) for the staff who handle it: a phone ties it to the account, whose erasure erases it; without
// phone an admin finds and erases it by its email (Contacts). Names with neither phone nor email are
// refused (nothing would find them again). Fields that are not taken (media_url, address_id, device_id,
// account_id) are refused rather than dropped. An unknown service is fault.ErrNotFound (the standard's
// 404); otherwise *fault.Invalid names each bad field by its Open311 name, a missing required attribute
// being one.
func (s *Service) Create(ctx context.Context, partner Partner, in NewRequest) (Request, string, error) {
	inv := &fault.Invalid{}
	for _, f := range in.Unsupported {
		inv.Add(f, "not accepted here: photos come only through the app, places by lat and long, and the reporter by phone or email")
	}
	cat, ok := s.Catalogue().Category(in.Service)
	if !ok {
		return Request{}, "", fault.New(fault.ErrNotFound, "service_code: there is no service "+in.Service+"; see GET services.")
	}
	contact := contactOf(inv, in)
	lat, latErr := strconv.ParseFloat(in.Lat, 64)
	lng, lngErr := strconv.ParseFloat(in.Long, 64)
	if latErr != nil || lngErr != nil || math.IsNaN(lat) || math.IsNaN(lng) {
		inv.Add("lat", "lat and long are required (WGS84 decimal degrees)")
	}
	checkAnswers(inv, cat, in.Attributes)
	if err := inv.Err(); err != nil {
		return Request{}, "", err
	}
	if in.Phone != "" {
		var err error
		name := strings.TrimSpace(contact.FirstName + " " + contact.LastName)
		if contact.ReporterID, err = s.Residents.ReporterFor(ctx, in.Phone, name); err != nil {
			return Request{}, "", err
		}
	}
	d := report.Draft{Category: cat.Code, Description: in.Description, Address: in.Address,
		Location: &report.Location{Lat: lat, Lng: lng}, PublishConsent: in.PublishConsent, Attributes: in.Attributes}
	rp, err := s.Intake.SubmitPartner(ctx, partner.ID, contact.ReporterID, d)
	if err != nil {
		return Request{}, "", err
	}
	// After the report, so that a contact never exists without its request: a failure here answers an
	// error, the request stays without contact, and the partner's retry files it again with it.
	if !contact.empty() {
		contact.ReportID, contact.Code, contact.PartnerID, contact.CreatedAt = rp.ID, rp.Code, partner.ID, rp.CreatedAt
		if err := s.Contacts.InsertContact(ctx, contact); err != nil {
			return Request{}, "", fmt.Errorf("store contact of request %s: %w", rp.Code, err)
		}
	}
	return fromReport(rp), contact.ReporterID, nil
}

// checkAnswers checks attribute answers against the category's attributes: required ones present, list
// answers among the values, numbers numeric, no unknown attribute.
func checkAnswers(inv *fault.Invalid, cat catalogue.Category, answers map[string][]string) {
	for code := range answers {
		if !slices.ContainsFunc(cat.Attributes, func(a catalogue.Attribute) bool { return a.Code == code }) {
			inv.Add("attribute["+code+"]", "this service has no such attribute")
		}
	}
	for _, a := range cat.Attributes {
		field := "attribute[" + a.Code + "]"
		vals := answers[a.Code]
		if len(vals) == 0 || (len(vals) == 1 && strings.TrimSpace(vals[0]) == "") {
			if a.Required {
				inv.Add(field, "is required by this service; see its definition")
			}
			continue
		}
		switch a.Type {
		case catalogue.AttrNumber:
			if _, err := strconv.ParseFloat(vals[0], 64); err != nil {
				inv.Add(field, "must be a number")
			}
		case catalogue.AttrDateTime:
			if _, err := time.Parse(time.RFC3339, vals[0]); err != nil {
				inv.Add(field, "must be a W3C date-time")
			}
		case catalogue.AttrSingleValue, catalogue.AttrMultiValue:
			if a.Type == catalogue.AttrSingleValue && len(vals) > 1 {
				inv.Add(field, "takes one value")
			}
			for _, v := range vals {
				if !slices.ContainsFunc(a.Values, func(x catalogue.AttributeValue) bool { return x.Key == v }) {
					inv.Add(field, fmt.Sprintf("%q is not one of its values", v))
				}
			}
		}
	}
}
