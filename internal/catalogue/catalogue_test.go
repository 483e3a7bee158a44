package catalogue

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/jurisdiction"
)

func mustSeed(tb testing.TB) *Catalogue {
	tb.Helper()
	c, err := Seed(jurisdiction.Default())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestSeed(t *testing.T) {
	c := mustSeed(t)
	if got := len(c.Agencies()); got != 54+12 {
		t.Errorf("%d agencies, want 54 People's Committees + 12 provincial bodies", got)
	}
	a, ok := c.Agency("ubnd-06673")
	want := Agency{ID: "ubnd-06673", NameVi: "UBND Phường Bãi Cháy", NameEn: "People's Committee of Bai Chay Ward", Kind: KindCommune, CommuneCode: "06673"}
	if diff := cmp.Diff(want, a); !ok || diff != "" {
		t.Errorf("ubnd-06673 (-want +got):\n%s", diff)
	}
	for _, id := range []string{"so-xay-dung", "so-nong-nghiep-moi-truong", "so-van-hoa-the-thao-du-lich", "so-y-te",
		"so-giao-duc-dao-tao", "so-khoa-hoc-cong-nghe", "so-cong-thuong", "cong-an-tinh", "bql-vinh-ha-long",
		"dien-luc-quang-ninh", "nuoc-sach-quang-ninh", "ioc"} {
		if _, ok := c.Agency(id); !ok {
			t.Errorf("no agency %s", id)
		}
	}
	if got := c.OperationsCentre().ID; got != "ioc" {
		t.Errorf("operations centre = %s, want ioc", got)
	}
	if got := len(c.Categories()); got != 25 {
		t.Errorf("%d categories, want 25", got)
	}
	urgent := map[string]bool{}
	for _, cat := range c.Categories() {
		if cat.Deadline == Urgent {
			urgent[cat.Code] = true
		}
	}
	wantUrgent := map[string]bool{"flooding": true, "fallen_tree": true, "traffic_violation": true, "public_order": true,
		"fire_hazard": true, "food_safety": true, "electricity": true}
	if diff := cmp.Diff(wantUrgent, urgent); diff != "" {
		t.Errorf("urgent categories (-want +got):\n%s", diff)
	}
	if po, _ := c.Category("public_order"); !po.Sensitive {
		t.Error("public_order is not sensitive")
	}
	// What stands in the street is published exactly; what may be someone's home, at 100 m or coarser.
	precision := map[string]int{}
	for _, cat := range c.Categories() {
		precision[cat.Code] = cat.PublicPrecisionM
	}
	for code, want := range map[string]int{"streetlight": 0, "road_damage": 0, "flooding": 0, "noise": 100,
		"illegal_construction": 100, "fire_hazard": 100, "electricity": 100, "other": 100, "public_order": 500} {
		if precision[code] != want {
			t.Errorf("%s is published at %d m, want %d", code, precision[code], want)
		}
	}
}

func TestNewRejectsInconsistentData(t *testing.T) {
	ops := Agency{ID: "ioc", NameVi: "Trung tâm", NameEn: "Centre", Kind: KindOperationsCentre}
	ubnd := Agency{ID: "ubnd-1", NameVi: "UBND", NameEn: "PC", Kind: KindCommune, CommuneCode: "1"}
	cat := Category{Code: "x", Handler: HandlerCommune, Deadline: Normal}
	tests := map[string]struct {
		agencies   []Agency
		categories []Category
		want       string
	}{
		"repeated agency":      {[]Agency{ops, ubnd, ubnd}, nil, "repeated"},
		"no operations centre": {[]Agency{ubnd}, nil, "no operations centre"},
		"unknown handler":      {[]Agency{ops}, []Category{{Code: "x", Handler: "nobody", Deadline: Normal}}, "not an agency"},
		"repeated category":    {[]Agency{ops}, []Category{cat, cat}, "repeated"},
		"bad deadline":         {[]Agency{ops}, []Category{{Code: "x", Handler: "ioc", Deadline: "soon"}}, "deadline class"},
		"commune without code": {[]Agency{ops, {ID: "u", NameVi: "u", NameEn: "u", Kind: KindCommune}}, nil, "commune code"},
		"bad kind":             {[]Agency{ops, {ID: "u", NameVi: "u", NameEn: "u", Kind: "ministry"}}, nil, "agency kind"},
		"negative precision":   {[]Agency{ops}, []Category{{Code: "x", Handler: "ioc", Deadline: Normal, PublicPrecisionM: -1}}, "precision"},
		"precision too coarse": {[]Agency{ops}, []Category{{Code: "x", Handler: "ioc", Deadline: Normal, PublicPrecisionM: 5001}}, "precision"},
	}
	for name, tt := range tests {
		_, err := New(tt.agencies, tt.categories)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New() = %v, want ErrInvalid mentioning %q", name, err, tt.want)
		}
	}
	if _, err := New([]Agency{ops, ubnd}, []Category{cat}); err != nil {
		t.Errorf("valid catalogue: %v", err)
	}
}

func TestAttributesAreChecked(t *testing.T) {
	ops := Agency{ID: "ioc", NameVi: "Trung tâm", NameEn: "Centre", Kind: KindOperationsCentre}
	for name, attrs := range map[string][]Attribute{
		"no code":        {{Type: AttrString}},
		"repeated":       {{Code: "a", Type: AttrString}, {Code: "a", Type: AttrText}},
		"unknown type":   {{Code: "a", Type: "colour"}},
		"list no values": {{Code: "a", Type: AttrSingleValue}},
	} {
		cat := Category{Code: "c", NameVi: "c", NameEn: "c", Handler: "ioc", Deadline: Normal, Attributes: attrs}
		if _, err := New([]Agency{ops}, []Category{cat}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c, err := Seed(jurisdiction.Default())
	if err != nil {
		t.Fatal(err)
	}
	if fl, _ := c.Category("flooding"); len(fl.Attributes) != 1 || !fl.Attributes[0].Required || len(fl.Keywords) == 0 {
		t.Errorf("seed flooding: %+v", fl)
	}
}
