package reply_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/reply"
)

// fakeStore keeps templates in memory with the store's compare-and-swap on Version.
type fakeStore struct {
	mu sync.Mutex
	m  map[string]reply.Template
}

func (f *fakeStore) InsertTemplate(_ context.Context, t reply.Template) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[t.ID] = t
	return nil
}

func (f *fakeStore) Template(_ context.Context, id string) (reply.Template, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.m[id]
	if !ok {
		return reply.Template{}, fault.New(fault.ErrNotFound, "no such template")
	}
	return t, nil
}

func (f *fakeStore) ReplaceTemplate(_ context.Context, t reply.Template) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.m[t.ID]; !ok || old.Version != t.Version-1 {
		return false, nil
	}
	f.m[t.ID] = t
	return true, nil
}

func (f *fakeStore) DeleteTemplate(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[id]; !ok {
		return fault.New(fault.ErrNotFound, "no such template")
	}
	delete(f.m, id)
	return nil
}

func (f *fakeStore) AgencyTemplates(_ context.Context, agencyID string) ([]reply.Template, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []reply.Template
	for _, t := range f.m {
		if t.AgencyID == agencyID {
			out = append(out, t)
		}
	}
	return out, nil
}

func newService(t *testing.T) (*reply.Service, string, string) {
	t.Helper()
	cat, err := catalogue.Seed(jurisdiction.Default())
	if err != nil {
		t.Fatal(err)
	}
	as := cat.Agencies()
	return &reply.Service{Store: &fakeStore{m: map[string]reply.Template{}}, Catalogue: func() *catalogue.Catalogue { return cat }}, as[0].ID, as[1].ID
}

func input(category, title string) reply.Input {
	return reply.Input{Category: category, TitleVi: title, TitleEn: title + " (en)", BodyVi: "  Đã sửa xong ổ gà.  ", BodyEn: "The pothole was fixed."}
}

func TestTemplatesBelongToTheirAgency(t *testing.T) {
	ctx := context.Background()
	s, a, b := newService(t)
	adminA := auth.Principal{UserID: "aa-a", Role: auth.RoleAgencyAdmin, AgencyID: a}
	road, err := s.Create(ctx, adminA, input("road_damage", "Ổ gà"))
	if err != nil {
		t.Fatal(err)
	}
	if road.AgencyID != a || road.Version != 1 || road.BodyVi != "Đã sửa xong ổ gà." {
		t.Errorf("created %+v, want agency %s, version 1, texts trimmed", road, a)
	}
	general, _ := s.Create(ctx, adminA, input("", "Cảm ơn"))
	root := auth.Principal{UserID: "root", Role: auth.RoleAdmin}
	other, err := s.Create(ctx, root, reply.Input{AgencyID: b, TitleVi: "B", TitleEn: "B", BodyVi: "b", BodyEn: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, adminA, reply.Input{AgencyID: b, TitleVi: "x", TitleEn: "x", BodyVi: "x", BodyEn: "x"}); !errors.Is(err, fault.ErrForbidden) {
		t.Errorf("agency admin creating for another agency: %v, want forbidden", err)
	}

	officerA := auth.Principal{UserID: "off-a", Role: auth.RoleOfficer, AgencyID: a}
	list, err := s.List(ctx, officerA, b, "road_damage") // an officer's agency_id is ignored: their own
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != general.ID || list[1].ID != road.ID {
		t.Errorf("officer's road_damage templates = %+v, want the general one, then the road one", list)
	}
	if list, _ := s.List(ctx, officerA, "", "flooding"); len(list) != 1 || list[0].ID != general.ID {
		t.Errorf("flooding templates = %+v, want only the general one", list)
	}
	if _, err := s.Get(ctx, officerA, other.ID); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("officer reading another agency's template: %v, want not found", err)
	}
	if _, err := s.List(ctx, auth.Principal{UserID: "d", Role: auth.RoleDispatcher}, "", ""); err == nil {
		t.Error("a dispatcher listing without agency_id: no error, want an invalid query")
	}
	if list, _ := s.List(ctx, auth.Principal{UserID: "d", Role: auth.RoleDispatcher}, b, ""); len(list) != 1 {
		t.Errorf("dispatcher's view of %s = %v, want its one template", b, list)
	}
}

func TestTemplateUpdateIsGuardedByItsVersion(t *testing.T) {
	ctx := context.Background()
	s, a, _ := newService(t)
	p := auth.Principal{UserID: "aa-a", Role: auth.RoleAgencyAdmin, AgencyID: a}
	tp, _ := s.Create(ctx, p, input("road_damage", "Ổ gà"))
	up, err := s.Update(ctx, p, tp.ID, 1, input("flooding", "Ngập"))
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.Category != "flooding" || up.AgencyID != a {
		t.Errorf("updated %+v, want version 2, flooding, same agency", up)
	}
	if _, err := s.Update(ctx, p, tp.ID, 1, input("", "Cũ")); !errors.Is(err, fault.ErrPrecondition) {
		t.Errorf("update at a stale version: %v, want a precondition failure", err)
	}
	officer := auth.Principal{UserID: "off", Role: auth.RoleOfficer, AgencyID: a}
	if err := s.Delete(ctx, officer, tp.ID); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("officer deleting: %v, want not found (officers only read templates)", err)
	}
	if err := s.Delete(ctx, p, tp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, p, tp.ID); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("deleted template: %v, want not found", err)
	}
}

func TestTemplateInputIsChecked(t *testing.T) {
	s, a, _ := newService(t)
	p := auth.Principal{UserID: "aa-a", Role: auth.RoleAgencyAdmin, AgencyID: a}
	_, err := s.Create(context.Background(), p, reply.Input{Category: "no_such", TitleVi: " ", TitleEn: strings.Repeat("x", reply.MaxTitle+1), BodyVi: "ok", BodyEn: ""})
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("%v, want invalid fields", err)
	}
	var fields []string
	for _, f := range inv.Fields {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, ","); got != "body.category,body.title_vi,body.title_en,body.body_en" {
		t.Errorf("invalid fields %s", got)
	}
}
