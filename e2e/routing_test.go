package e2e

import (
	"net/http"
	"testing"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

func TestRoutingPreview(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := testenv.Context(t)

	agencies, err := c.ListAgenciesWithResponse(ctx)
	if err != nil || agencies.JSON200 == nil || len(agencies.JSON200.Items) != 66 {
		t.Fatalf("agencies: %v %d", err, len(agencies.Body))
	}

	for _, tc := range []struct {
		name, category string
		lat, lng       float64
		agency         string
		rule           api.RoutingDecisionRule
		commune        string
	}{
		{"pothole in Bãi Cháy", "road_damage", 20.955, 107.045, "", api.CommunePolygon, "Phường Bãi Cháy"},
		{"bay pollution in Hạ Long Bay", "bay_pollution", 20.90, 107.05, "bql-vinh-ha-long", api.ProvincialBody, ""},
		{"electricity in Móng Cái", "electricity", 21.53, 107.97, "dien-luc-quang-ninh", api.ProvincialBody, "Phường Móng Cái 1"},
		{"garbage just off the coast", "garbage", 20.90, 107.05, "", api.NearestCommune, "Phường Bãi Cháy"},
		{"garbage far at sea", "garbage", 20.94, 107.68, "ioc", api.OperationsCentre, ""},
	} {
		r, err := c.PreviewRoutingWithResponse(ctx, &api.PreviewRoutingParams{Category: tc.category, Lat: tc.lat, Lng: tc.lng})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("%s: %v %s", tc.name, err, r.Body)
		}
		d := r.JSON200
		if d.Rule != tc.rule || (tc.agency != "" && d.Agency.Id != tc.agency) || d.Reason == "" || d.ReasonVi == "" {
			t.Errorf("%s: got %s by %s (%s)", tc.name, d.Agency.Id, d.Rule, d.Reason)
		}
		if tc.commune != "" && (d.Commune == nil || d.Commune.Name != tc.commune) {
			t.Errorf("%s: commune %+v, want %s", tc.name, d.Commune, tc.commune)
		}
		if tc.rule == api.CommunePolygon && (d.Agency.Kind != api.AgencyKindCommune || d.Agency.CommuneCode == nil || *d.Agency.CommuneCode != d.Commune.Code) {
			t.Errorf("%s: agency %+v is not the commune's People's Committee", tc.name, d.Agency)
		}
	}

	// Hà Nội is outside the province: 422. An unknown category: 400 naming the field.
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/v1/routing/preview?category=road_damage&lat=21.0285&lng=105.8542", nil)
	expectProblem(t, do(t, req), http.StatusUnprocessableEntity)
	req, _ = http.NewRequest(http.MethodGet, a.URL+"/v1/routing/preview?category=no_such_thing&lat=20.95&lng=107.04", nil)
	p := expectProblem(t, do(t, req), http.StatusBadRequest)
	if p.Errors == nil || (*p.Errors)[0].Field != "query.category" {
		t.Errorf("unknown category: %+v", p.Errors)
	}
	req, _ = http.NewRequest(http.MethodGet, a.URL+"/v1/routing/preview?category=road_damage&lat=north&lng=200", nil)
	p = expectProblem(t, do(t, req), http.StatusBadRequest)
	if p.Errors == nil || len(*p.Errors) != 2 {
		t.Errorf("two bad parameters should give two field errors: %+v", p.Errors)
	}
}

// TestRoutingOverridesApplyWithoutRestart: an admin's override wins over the polygon rule at once, shows
// in the preview and in new reports' stored decision, and removing it restores the rule.
func TestRoutingOverridesApplyWithoutRestart(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := testenv.Context(t)
	admin := staffLogin(t, c, "demo.admin", "Quang-Ninh-Admin-2026")
	params := &api.PreviewRoutingParams{Category: "garbage", Lat: baiChay[0], Lng: baiChay[1]}

	before, _ := c.PreviewRoutingWithResponse(ctx, params)
	if before.JSON200 == nil || before.JSON200.Rule != api.CommunePolygon {
		t.Fatalf("before: %s", before.Body)
	}
	put, _ := c.PutRoutingOverrideWithResponse(ctx, "garbage", "06673", api.RoutingOverrideInput{AgencyId: "so-nong-nghiep-moi-truong"}, admin)
	if put.JSON200 == nil {
		t.Fatalf("put override: %d %s", put.StatusCode(), put.Body)
	}
	after, _ := c.PreviewRoutingWithResponse(ctx, params)
	if after.JSON200 == nil || after.JSON200.Rule != api.Override || after.JSON200.Agency.Id != "so-nong-nghiep-moi-truong" {
		t.Fatalf("after: %s", after.Body)
	}
	// A report sent now stores the override's decision.
	g := pothole(&baiChay)
	g["category"] = "garbage"
	sub := submit(t, c, resident(t, a, "resident-override"), "key-override-001", reportPart(t, g), photoPart(testapp.JPEG(t, 80, 60, nil)))
	if sub.JSON201 == nil || sub.JSON201.Routing.Rule != api.Override || sub.JSON201.Routing.Reason == "" {
		t.Fatalf("report: %s", sub.Body)
	}
	// An override naming an unknown agency is refused; a resident may not set one.
	bad, _ := c.PutRoutingOverrideWithResponse(ctx, "garbage", "06673", api.RoutingOverrideInput{AgencyId: "no-such-agency"}, admin)
	expectProblemBody(t, bad.HTTPResponse, bad.Body, http.StatusBadRequest)
	res, _ := c.PutRoutingOverrideWithResponse(ctx, "garbage", "06673", api.RoutingOverrideInput{AgencyId: "so-xay-dung"}, resident(t, a, "resident-x"))
	expectProblemBody(t, res.HTTPResponse, res.Body, http.StatusForbidden)

	if d, _ := c.DeleteRoutingOverrideWithResponse(ctx, "garbage", "06673", admin); d.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %d %s", d.StatusCode(), d.Body)
	}
	back, _ := c.PreviewRoutingWithResponse(ctx, params)
	if back.JSON200 == nil || back.JSON200.Rule != api.CommunePolygon {
		t.Errorf("after delete: %s", back.Body)
	}

	// A new category, handled by the water company, routes at once; one naming an unknown agency is refused.
	cat := api.CategoryInput{NameVi: "Vỡ ống nước", NameEn: "Burst water main", Group: "utilities", HandledBy: "nuoc-sach-quang-ninh",
		DeadlineClass: api.CategoryInputDeadlineClassUrgent, Sensitive: false}
	if r, _ := c.PutCategoryWithResponse(ctx, "burst_main", cat, admin); r.JSON200 == nil {
		t.Fatalf("put category: %d %s", r.StatusCode(), r.Body)
	}
	p, _ := c.PreviewRoutingWithResponse(ctx, &api.PreviewRoutingParams{Category: "burst_main", Lat: baiChay[0], Lng: baiChay[1]})
	if p.JSON200 == nil || p.JSON200.Agency.Id != "nuoc-sach-quang-ninh" {
		t.Errorf("new category: %s", p.Body)
	}
	cat.HandledBy = "no-such-agency"
	if r, _ := c.PutCategoryWithResponse(ctx, "broken_cat", cat, admin); r.StatusCode() != http.StatusBadRequest {
		t.Errorf("category with an unknown handler: %d %s", r.StatusCode(), r.Body)
	}
}
