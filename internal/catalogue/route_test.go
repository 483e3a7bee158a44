package catalogue

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/quangninh/feedback/internal/jurisdiction"
)

var (
	baiChay     = jurisdiction.Point{Lat: 20.955, Lng: 107.045}
	hongGaiSea  = jurisdiction.Point{Lat: 20.88, Lng: 107.12} // ~0.4 km off Hồng Gai
	openWater   = jurisdiction.Point{Lat: 20.94, Lng: 107.68} // ~6 km from Cô Tô, inside the province buffer
	baChe       = jurisdiction.Point{Lat: 21.25, Lng: 107.25} // Xã Ba Chẽ, code 06978 / 06970
	mongCaiGate = jurisdiction.Point{Lat: 21.53, Lng: 107.97}
)

func TestRoute(t *testing.T) {
	c := mustSeed(t)
	ix := jurisdiction.Default()
	overrides := map[OverrideKey]string{
		{"road_damage", "06673"}:  "so-xay-dung",         // commune category, overridden
		{"public_order", "06673"}: "ubnd-06673",          // provincial category, overridden
		{"streetlight", "06970"}:  "dien-luc-quang-ninh", // keyed by Ba Chẽ's alternative code
		{"garbage", "06685"}:      "ioc",                 // Hồng Gai, reached via the nearest commune
	}
	tests := []struct {
		name     string
		category string
		p        jurisdiction.Point
		want     Decision
	}{
		{"commune category inside a commune", "garbage", baiChay,
			Decision{AgencyID: "ubnd-06673", CommuneCode: "06673", Rule: RuleCommunePolygon}},
		{"commune category in the Móng Cái border ward", "noise", mongCaiGate,
			Decision{AgencyID: "ubnd-06712", CommuneCode: "06712", Rule: RuleCommunePolygon}},
		{"commune category just offshore", "flooding", hongGaiSea,
			Decision{AgencyID: "ubnd-06685", CommuneCode: "06685", Rule: RuleNearestCommune}},
		{"commune category far at sea", "road_damage", openWater,
			Decision{AgencyID: "ioc", Rule: RuleOperationsCentre}},
		{"provincial category records the commune", "traffic_violation", baiChay,
			Decision{AgencyID: "cong-an-tinh", CommuneCode: "06673", Rule: RuleProvincialBody}},
		{"provincial category far at sea", "electricity", openWater,
			Decision{AgencyID: "dien-luc-quang-ninh", Rule: RuleProvincialBody}},
		{"bay pollution on land", "bay_pollution", mongCaiGate,
			Decision{AgencyID: "bql-vinh-ha-long", CommuneCode: "06712", Rule: RuleProvincialBody}},
		{"bay pollution offshore", "bay_pollution", hongGaiSea,
			Decision{AgencyID: "bql-vinh-ha-long", CommuneCode: "06685", Rule: RuleProvincialBody}},
		{"bay pollution far at sea", "bay_pollution", openWater,
			Decision{AgencyID: "bql-vinh-ha-long", Rule: RuleProvincialBody}},
		{"other goes to the dispatchers", "other", baiChay,
			Decision{AgencyID: "ioc", CommuneCode: "06673", Rule: RuleProvincialBody}},
		{"override beats the commune", "road_damage", baiChay,
			Decision{AgencyID: "so-xay-dung", CommuneCode: "06673", Rule: RuleOverride}},
		{"override beats the provincial body", "public_order", baiChay,
			Decision{AgencyID: "ubnd-06673", CommuneCode: "06673", Rule: RuleOverride}},
		{"override keyed by an alternative code", "streetlight", baChe,
			Decision{AgencyID: "dien-luc-quang-ninh", CommuneCode: "06978", Rule: RuleOverride}},
		{"override applies to the nearest commune", "garbage", hongGaiSea,
			Decision{AgencyID: "ioc", CommuneCode: "06685", Rule: RuleOverride}},
		{"override for another commune does not apply", "road_damage", mongCaiGate,
			Decision{AgencyID: "ubnd-06712", CommuneCode: "06712", Rule: RuleCommunePolygon}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Route(RouteInput{Category: tt.category, Point: tt.p, Places: ix, Overrides: overrides})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Decision{}, "Reason", "ReasonVi")); diff != "" {
				t.Errorf("Route(%s, %v) (-want +got):\n%s", tt.category, tt.p, diff)
			}
			if got.Reason == "" || got.ReasonVi == "" || strings.Contains(got.Reason, "\n") {
				t.Errorf("reasons must be one line each: %q / %q", got.Reason, got.ReasonVi)
			}
		})
	}
}

func TestRouteReasons(t *testing.T) {
	c := mustSeed(t)
	got, err := c.Route(RouteInput{Category: "road_damage", Point: baiChay, Places: jurisdiction.Default()})
	if err != nil {
		t.Fatal(err)
	}
	want := Decision{
		AgencyID: "ubnd-06673", CommuneCode: "06673", Rule: RuleCommunePolygon,
		Reason:   "road_damage is handled by the commune; the point lies inside Bai Chay Ward",
		ReasonVi: `loại phản ánh "Hư hỏng mặt đường" do UBND cấp xã xử lý; điểm nằm trong Phường Bãi Cháy`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRouteErrors(t *testing.T) {
	c := mustSeed(t)
	ix := jurisdiction.Default()
	if _, err := c.Route(RouteInput{Category: "potholes", Point: baiChay, Places: ix}); !errors.Is(err, ErrUnknownCategory) {
		t.Errorf("unknown category: err = %v, want ErrUnknownCategory", err)
	}
	bad := map[OverrideKey]string{{"garbage", "06673"}: "so-khong-ton-tai"}
	if _, err := c.Route(RouteInput{Category: "garbage", Point: baiChay, Places: ix, Overrides: bad}); !errors.Is(err, ErrUnknownAgency) {
		t.Errorf("override to a missing agency: err = %v, want ErrUnknownAgency", err)
	}
}

// A catalogue that lacks a commune's People's Committee sends that commune's reports to the dispatchers
// rather than failing.
func TestRouteCommuneWithoutAgency(t *testing.T) {
	seed := mustSeed(t)
	var agencies []Agency
	for _, a := range seed.Agencies() {
		if a.ID != "ubnd-06673" {
			agencies = append(agencies, a)
		}
	}
	c, err := New(agencies, seed.Categories())
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Route(RouteInput{Category: "garbage", Point: baiChay, Places: jurisdiction.Default()})
	if err != nil {
		t.Fatal(err)
	}
	want := Decision{AgencyID: "ioc", CommuneCode: "06673", Rule: RuleOperationsCentre}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Decision{}, "Reason", "ReasonVi")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
