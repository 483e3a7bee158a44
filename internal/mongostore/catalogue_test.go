package mongostore

import (
	"testing"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestCategoryPublicPrecision: a category keeps its public location precision, exact (0) included, and an
// admin's choice survives a restart (the seed does not overwrite it).
func TestCategoryPublicPrecision(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	seed := []catalogue.Category{
		{Code: "streetlight", NameVi: "Đèn", NameEn: "Light", Group: "urban", Handler: "commune", Deadline: catalogue.Normal, PublicPrecisionM: 0},
		{Code: "noise", NameVi: "Ồn", NameEn: "Noise", Group: "environment", Handler: "commune", Deadline: catalogue.Normal, PublicPrecisionM: 250},
	}
	if err := s.SeedCategories(ctx, seed); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"streetlight": 0, "noise": 250}
	check := func(when string) {
		t.Helper()
		cats, err := s.Categories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, c := range cats {
			got[c.Code] = c.PublicPrecisionM
		}
		for code, w := range want {
			if got[code] != w {
				t.Errorf("%s: %s is published at %d m, want %d", when, code, got[code], w)
			}
		}
	}
	check("after the first seed")

	seed[1].PublicPrecisionM = 100 // a new version's seed does not overwrite what is stored
	c := seed[0]
	c.PublicPrecisionM = 500 // an admin's choice
	if err := s.PutCategory(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.SeedCategories(ctx, seed); err != nil {
		t.Fatal(err)
	}
	want["streetlight"] = 500
	check("after an admin's change and a restart")
	if one, err := s.Category(ctx, "streetlight"); err != nil || one.PublicPrecisionM != 500 {
		t.Errorf("Category(streetlight) = %+v, %v; want 500 m", one, err)
	}
}
