package open311

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
)

var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery("", "", "", "", "", now)
	if err != nil || !q.To.Equal(now) || !q.From.Equal(now.Add(-Window)) || q.Statuses != nil {
		t.Errorf("defaults: %+v %v", q, err)
	}
	q, err = ParseQuery(" QN-1, QN-2,QN-1", "garbage,,noise", "", "", "open,closed", now)
	if err != nil || !slices.Equal(q.IDs, []string{"QN-1", "QN-2"}) || !slices.Equal(q.Services, []string{"garbage", "noise"}) || len(q.Statuses) != 2 {
		t.Errorf("ids and statuses: %+v %v", q, err)
	}
	q, err = ParseQuery("", "", "2026-10-01T00:00:00+07:00", "", "", now)
	if err != nil || q.To.Sub(q.From) != Window {
		t.Errorf("start only: %+v %v", q, err)
	}
	for _, tc := range []struct{ start, end, status, field string }{
		{"2026-01-01", "", "", "start_date"},
		{"2026-01-01T00:00:00+07:00", "2026-06-01T00:00:00+07:00", "", "end_date"},
		{"2026-06-01T00:00:00+07:00", "2026-05-01T00:00:00+07:00", "", "end_date"},
		{"", "", "pending", "status"},
	} {
		_, err := ParseQuery("", "", tc.start, tc.end, tc.status, now)
		var inv *fault.Invalid
		if !errors.As(err, &inv) || inv.Fields[0].Field != tc.field {
			t.Errorf("%+v: %v", tc, err)
		}
	}
}

type fakePublic struct{ views []publicmap.PublicReport }

func (f fakePublic) Requests(_ context.Context, q publicmap.RequestQuery) ([]publicmap.PublicReport, error) {
	var out []publicmap.PublicReport
	for _, v := range f.views {
		if (len(q.Categories) == 0 || slices.Contains(q.Categories, v.Category)) && !v.ReceivedAt.Before(q.From) && !v.ReceivedAt.After(q.To) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (f fakePublic) Reports(_ context.Context, codes []string) ([]publicmap.PublicReport, error) {
	var out []publicmap.PublicReport
	for _, v := range f.views {
		if slices.Contains(codes, v.Code) {
			out = append(out, v)
		}
	}
	return out, nil
}

type fakeReports struct{ reports []report.Report }

func (f *fakeReports) ReportByCode(_ context.Context, code string) (report.Report, error) {
	for _, r := range f.reports {
		if r.Code == code {
			return r, nil
		}
	}
	return report.Report{}, fault.New(fault.ErrNotFound, "no report")
}

func (f *fakeReports) ReportsByPartner(_ context.Context, partnerID string, from, to time.Time, limit int) ([]report.Report, error) {
	var out []report.Report
	for _, r := range f.reports {
		if r.Partner == partnerID && !r.CreatedAt.Before(from) && !r.CreatedAt.After(to) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeReports) SubmitPartner(_ context.Context, partnerID, reporterID string, d report.Draft) (report.Report, error) {
	r := report.Report{ID: fmt.Sprintf("report-%d", len(f.reports)), Code: "QN-2612-00009", Partner: partnerID, ReporterID: reporterID, Category: d.Category, Description: d.Description,
		Address: d.Address, Location: *d.Location, Attributes: d.Attributes, Status: report.Received, CreatedAt: now}
	f.reports = append(f.reports, r)
	return r, nil
}

// fakeResidents knows one resident per phone number: "resident-<number>".
type fakeResidents struct{}

func (fakeResidents) ReporterFor(_ context.Context, phone, displayName string) (string, error) {
	if !strings.HasPrefix(phone, "09") {
		inv := &fault.Invalid{}
		inv.Add("phone", "must be a Vietnamese mobile number")
		return "", inv
	}
	return "resident-" + phone, nil
}

func newService(t *testing.T) (*Service, *fakeReports) {
	t.Helper()
	cat, err := catalogue.Seed(jurisdiction.Default())
	if err != nil {
		t.Fatal(err)
	}
	pub := fakePublic{views: []publicmap.PublicReport{
		{Code: "QN-PUB-1", Category: "garbage", ReceivedAt: now.Add(-48 * time.Hour), Reply: "Đã dọn", Lat: 20.95, Lng: 107.08,
			Photos: []publicmap.Photo{{Kind: "after", PublicKey: "after.jpg"}, {Kind: "before", PublicKey: "before.jpg"}}},
		{Code: "QN-PUB-2", Category: "road_damage", ReceivedAt: now.Add(-100 * 24 * time.Hour)},
	}}
	reps := &fakeReports{reports: []report.Report{
		{Code: "QN-OWN-1", Partner: "p1", Category: "garbage", Status: report.InProgress,
			Address: "12 Lê Lợi", Location: report.Location{Lat: 20.951234, Lng: 107.081234}, CreatedAt: now.Add(-time.Hour)},
		{Code: "QN-OTHER-1", Partner: "p2", Category: "garbage", Status: report.Received, CreatedAt: now.Add(-time.Hour)},
	}}
	return &Service{Catalogue: func() *catalogue.Catalogue { return cat }, Public: pub, Reports: reps, Intake: reps, Residents: fakeResidents{}}, reps
}

func ids(rs []Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestListShowsPublicAndThePartnersOwn(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	q, _ := ParseQuery("", "", "", "", "", now)
	anyone, err := s.List(ctx, q, Partner{})
	if err != nil || !slices.Equal(ids(anyone), []string{"QN-PUB-1"}) {
		t.Fatalf("anyone: %v %v", ids(anyone), err)
	}
	if r := anyone[0]; r.Status != Closed || r.PhotoKey != "before.jpg" || r.StatusNotes != "Đã dọn" || r.Address != "" {
		t.Errorf("public request: %+v", r)
	}
	p1 := Partner{ID: "p1"}
	mine, _ := s.List(ctx, q, p1)
	if !slices.Equal(ids(mine), []string{"QN-OWN-1", "QN-PUB-1"}) || mine[0].Status != Open || mine[0].Address != "12 Lê Lợi" || mine[0].Lat != 20.951234 {
		t.Errorf("partner: %+v", mine)
	}
	q.Statuses = []Status{Open}
	if open, _ := s.List(ctx, q, Partner{}); len(open) != 0 {
		t.Errorf("public open: %v", ids(open))
	}
	if open, _ := s.List(ctx, q, p1); !slices.Equal(ids(open), []string{"QN-OWN-1"}) {
		t.Errorf("partner's open: %v", ids(open))
	}
	// Several services, comma separated, as the standard allows.
	services, _ := ParseQuery("", "road_damage, garbage", "", "", "", now)
	if got, _ := s.List(ctx, services, p1); !slices.Equal(ids(got), []string{"QN-OWN-1", "QN-PUB-1"}) {
		t.Errorf("two services: %v", ids(got))
	}
	services, _ = ParseQuery("", "road_damage,streetlight", "", "", "", now)
	if got, _ := s.List(ctx, services, p1); len(got) != 0 {
		t.Errorf("other services: %v", ids(got))
	}
	byIDs, _ := ParseQuery("QN-OWN-1,QN-OTHER-1,QN-PUB-2", "", "", "", "", now)
	if got, _ := s.List(ctx, byIDs, p1); !slices.Equal(ids(got), []string{"QN-OWN-1", "QN-PUB-2"}) {
		t.Errorf("by IDs (outside the window too, never another partner's): %v", ids(got))
	}
	if _, err := s.Get(ctx, "QN-OTHER-1", p1); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("another partner's: %v", err)
	}
}

func TestCreateChecksAttributesAndKeepsContact(t *testing.T) {
	s, reps := newService(t)
	contacts := &fakeContacts{byReport: map[string]Contact{}}
	s.Contacts = contacts
	ctx := context.Background()
	base := NewRequest{Service: "flooding", Lat: "20.95", Long: "107.08", Description: "Nước ngập sâu trước chợ"}
	for _, tc := range []struct {
		name  string
		edit  func(*NewRequest)
		field string
	}{
		{"missing attribute", func(*NewRequest) {}, "attribute[water_depth]"},
		{"unknown value", func(n *NewRequest) { n.Attributes = map[string][]string{"water_depth": {"waist"}} }, "attribute[water_depth]"},
		{"two values", func(n *NewRequest) { n.Attributes = map[string][]string{"water_depth": {"knee", "ankle"}} }, "attribute[water_depth]"},
		{"unknown attribute", func(n *NewRequest) {
			n.Attributes = map[string][]string{"water_depth": {"knee"}, "colour": {"red"}}
		}, "attribute[colour]"},
		{"bad email", func(n *NewRequest) {
			n.Attributes = map[string][]string{"water_depth": {"knee"}}
			n.Email = "Lan <lan@b.example>"
		}, "email"},
		{"email without domain", func(n *NewRequest) {
			n.Attributes = map[string][]string{"water_depth": {"knee"}}
			n.Email = "lan@localhost"
		}, "email"},
		{"names alone", func(n *NewRequest) { n.Attributes = map[string][]string{"water_depth": {"knee"}}; n.FirstName = "Lan" }, "first_name"},
		{"long name", func(n *NewRequest) {
			n.Attributes = map[string][]string{"water_depth": {"knee"}}
			n.Email, n.LastName = "lan@b.example", strings.Repeat("x", 101)
		}, "last_name"},
		{"bad phone", func(n *NewRequest) { n.Attributes = map[string][]string{"water_depth": {"knee"}}; n.Phone = "12345" }, "phone"},
		{"photo link", func(n *NewRequest) {
			n.Attributes = map[string][]string{"water_depth": {"knee"}}
			n.Unsupported = []string{"media_url"}
		}, "media_url"},
		{"no place", func(n *NewRequest) { n.Attributes = map[string][]string{"water_depth": {"knee"}}; n.Lat = "" }, "lat"},
	} {
		in := base
		tc.edit(&in)
		_, _, err := s.Create(ctx, Partner{ID: "p1"}, in)
		var inv *fault.Invalid
		if !errors.As(err, &inv) || !slices.ContainsFunc(inv.Fields, func(f fault.FieldError) bool { return f.Field == tc.field }) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// An unknown service is the standard's 404, not a bad field.
	unknown := base
	unknown.Service = "unicorns"
	if _, _, err := s.Create(ctx, Partner{ID: "p1"}, unknown); !errors.Is(err, fault.ErrNotFound) || !strings.Contains(err.Error(), "service_code") {
		t.Errorf("unknown service: %v", err)
	}
	if len(reps.reports) != 2 || len(contacts.byReport) != 0 {
		t.Fatalf("a refused request was filed")
	}
	in := base
	in.Attributes = map[string][]string{"water_depth": {"knee"}}
	r, reporter, err := s.Create(ctx, Partner{ID: "p1"}, in)
	if err != nil || r.ID != "QN-2612-00009" || r.Status != Open || reporter != "" || reps.reports[2].Partner != "p1" || reps.reports[2].ReporterID != "" {
		t.Errorf("anonymous: %+v %q %v", r, reporter, err)
	}
	in.Phone, in.FirstName = "0912345678", "Lan"
	if len(contacts.byReport) != 0 {
		t.Errorf("a contact kept for an anonymous request: %+v", contacts.byReport)
	}
	in.Phone, in.FirstName, in.Email = "0912345678", "Lan", " Lan.Nguyen@Example.VN "
	if _, reporter, err := s.Create(ctx, Partner{ID: "p1"}, in); err != nil || reporter != "resident-0912345678" || reps.reports[3].ReporterID != reporter {
		t.Errorf("with phone: %q %v", reporter, err)
	}
	want := Contact{ReportID: "report-3", Code: "QN-2612-00009", PartnerID: "p1", ReporterID: "resident-0912345678", Phone: "+84912345678",
		Email: "lan.nguyen@example.vn", FirstName: "Lan", CreatedAt: now}
	if got := contacts.byReport["report-3"]; got != want {
		t.Errorf("contact with phone: %+v, want %+v", got, want)
	}
	// An email alone belongs to no account: the request stays anonymous, the contact is kept with it.
	in.Phone = ""
	if _, reporter, err := s.Create(ctx, Partner{ID: "p1"}, in); err != nil || reporter != "" || reps.reports[4].ReporterID != "" {
		t.Errorf("email alone: %q %v", reporter, err)
	}
	if got := contacts.byReport["report-4"]; got.Email != "lan.nguyen@example.vn" || got.ReporterID != "" || got.FirstName != "Lan" {
		t.Errorf("contact without phone: %+v", got)
	}
}

func TestContactsFindAndEraseByEmail(t *testing.T) {
	store := &fakeContacts{byReport: map[string]Contact{
		"r1": {ReportID: "r1", Email: "lan@example.vn"}, "r2": {ReportID: "r2", Email: "lan@example.vn", ReporterID: "u1"},
		"r3": {ReportID: "r3", Email: "minh@example.vn"},
	}}
	cs := &Contacts{Store: store}
	ctx := context.Background()
	if _, err := cs.ByEmail(ctx, "not an address"); !errors.As(err, new(*fault.Invalid)) {
		t.Errorf("bad email: %v", err)
	}
	if got, err := cs.ByEmail(ctx, "LAN@example.vn"); err != nil || len(got) != 2 {
		t.Errorf("by email: %+v %v", got, err)
	}
	if n, err := cs.EraseEmail(ctx, "lan@example.vn"); err != nil || n != 2 || len(store.byReport) != 1 {
		t.Errorf("erase: %d %v %+v", n, err, store.byReport)
	}
	store.byReport["r4"] = Contact{ReportID: "r4", ReporterID: "u2", Phone: "+84912345678"}
	if err := cs.ForgetUser(ctx, "u2"); err != nil || len(store.byReport) != 1 {
		t.Errorf("forget user: %v %+v", err, store.byReport)
	}
	if c, ok, err := cs.Of(ctx, "r3"); err != nil || !ok || c.Email != "minh@example.vn" {
		t.Errorf("of r3: %+v %v %v", c, ok, err)
	}
	if _, ok, err := cs.Of(ctx, "r4"); err != nil || ok {
		t.Errorf("of an erased one: %v %v", ok, err)
	}
}

// fakeContacts keeps contacts by report ID.
type fakeContacts struct{ byReport map[string]Contact }

func (f *fakeContacts) InsertContact(_ context.Context, c Contact) error {
	f.byReport[c.ReportID] = c
	return nil
}

func (f *fakeContacts) Contact(_ context.Context, reportID string) (Contact, error) {
	c, ok := f.byReport[reportID]
	if !ok {
		return Contact{}, fault.New(fault.ErrNotFound, "no contact")
	}
	return c, nil
}

func (f *fakeContacts) match(keep func(Contact) bool) []Contact {
	var out []Contact
	for _, c := range f.byReport {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeContacts) ContactsByEmail(_ context.Context, email string) ([]Contact, error) {
	return f.match(func(c Contact) bool { return c.Email == email }), nil
}

func (f *fakeContacts) DeleteContactsByEmail(_ context.Context, email string) (int, error) {
	found := f.match(func(c Contact) bool { return c.Email == email })
	for _, c := range found {
		delete(f.byReport, c.ReportID)
	}
	return len(found), nil
}

func (f *fakeContacts) ContactsOfReporter(_ context.Context, userID string) ([]Contact, error) {
	return f.match(func(c Contact) bool { return c.ReporterID == userID }), nil
}

func (f *fakeContacts) DeleteContactsOfReporter(_ context.Context, userID string) error {
	for _, c := range f.match(func(c Contact) bool { return c.ReporterID == userID }) {
		delete(f.byReport, c.ReportID)
	}
	return nil
}
