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
