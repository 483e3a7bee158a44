package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestPublicLocationPrecision: a noise complaint sent from a home is shown everywhere public (public
// report, map, Open311 for anyone) at the centre of its 100 m grid cell, never at the point sent; a
// broken street light is shown exactly; a neighbour's nearby search and follower's view use the cell too. An
// admin's later change of the category's precision does not move the complaint already published.
func TestPublicLocationPrecision(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := context.Background()
	admin := bearer(a.Token(t, auth.Principal{UserID: "admin-precision", Role: auth.RoleAdmin}))
	officer := bearer(a.Token(t, auth.Principal{UserID: "officer-precision", Role: auth.RoleOfficer, AgencyID: "ubnd-06673"}))
	res := resident(t, a, "resident-precision")
	neighbour := resident(t, a, "neighbour-precision")

	cats, err := c.ListCategoriesWithResponse(ctx)
	if err != nil || cats.JSON200 == nil {
		t.Fatalf("categories: %v", err)
	}
	precision := map[string]int{}
	for _, cat := range cats.JSON200.Items {
		precision[cat.Code] = cat.PublicLocationPrecisionM
	}
	if precision["noise"] != 100 || precision["streetlight"] != 0 {
		t.Fatalf("noise published at %d m, streetlight at %d m; want 100 and 0", precision["noise"], precision["streetlight"])
	}

	home := [2]float64{20.9551234, 107.0451234} // Bãi Cháy
	pole := [2]float64{20.9562345, 107.0462345}
	file := func(key, category, description string, at [2]float64) (id, code string) {
		body := map[string]any{"category": category, "description": description,
			"location": map[string]any{"lat": at[0], "lng": at[1], "accuracy_m": 5}}
		r := submit(t, c, res, key, reportPart(t, body), photoPart(testapp.JPEG(t, 160, 120, nil)))
		if r.JSON201 == nil {
			t.Fatalf("submit %s: %d %s", category, r.StatusCode(), r.Body)
		}
		return r.JSON201.Id, r.JSON201.Code
	}
	noiseID, noiseCode := file("key-precision-noise", "noise", "Quán karaoke hát đến 2 giờ sáng mỗi đêm.", home)
	lightID, lightCode := file("key-precision-light", "streetlight", "Đèn đường trước cột số 14 không sáng.", pole)

	// A neighbour about to report the noise finds it, measured from its cell, not from the home.
	cell := jurisdiction.Snap(jurisdiction.Point{Lat: home[0], Lng: home[1]}, 100)
	var near *api.ListNearbyReportsResponse
	waitFor(t, "the complaint in a nearby search", func() (bool, string) { // once its photo is processed
		near, err = c.ListNearbyReportsWithResponse(ctx, &api.ListNearbyReportsParams{Category: "noise", Lat: home[0], Lng: home[1]}, neighbour)
		return err == nil && near.JSON200 != nil && len(near.JSON200.Items) == 1, fmt.Sprint(err, near)
	})
	if d, want := float64(near.JSON200.Items[0].DistanceM), report.DistanceM(home[0], home[1], cell.Lat, cell.Lng); d < 1 || d-want > 0.01 || want-d > 0.01 {
		t.Errorf("from the home itself, the complaint is %.2f m away; want %.2f (to its cell's centre)", d, want)
	}

	// Following it, the neighbour sees it in the same cell.
	if f, _ := c.FollowReportWithResponse(ctx, noiseID, neighbour); f.StatusCode() != http.StatusNoContent {
		t.Fatalf("follow: %d %s", f.StatusCode(), f.Body)
	}
	if g, _ := c.GetMyReportWithResponse(ctx, noiseID, neighbour); g.JSON200 == nil ||
		g.JSON200.Location.Lat != cell.Lat || g.JSON200.Location.Lng != cell.Lng {
		t.Errorf("the follower sees the complaint at %s; want %v, its cell's centre", g.Body, cell)
	}

	// The officer resolves both (the street light with an after photo).
	for _, action := range []api.TicketAction{{Action: api.Accept}, {Action: api.Start}} {
		actOnTicket(t, c, officer, noiseID, action)
		actOnTicket(t, c, officer, lightID, action)
	}
	note := "Đã nhắc nhở chủ quán."
	actOnTicket(t, c, officer, noiseID, api.TicketAction{Action: api.Resolve, Note: &note})
	after := testapp.JPEG(t, 200, 150, nil)
	slot, _ := c.CreateUploadWithResponse(ctx, api.UploadRequest{ContentType: api.Imagejpeg, SizeBytes: len(after)}, officer)
	if slot.JSON201 == nil {
		t.Fatalf("after photo slot: %s", slot.Body)
	}
	if resp := putToSlot(t, *slot.JSON201, after, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT after photo: %d", resp.StatusCode)
	}
	fixed := "Đã thay bóng đèn."
	actOnTicket(t, c, officer, lightID, api.TicketAction{Action: api.Resolve, Note: &fixed, AfterPhotos: &[]string{slot.JSON201.UploadId}})

	// shown returns every point the public sees of the report: its public report, its point on the map,
	// and Open311's lat/long for an anonymous client.
	shown := func(code string) (precisionM int, points [][2]float64) {
		t.Helper()
		pub, err := c.GetPublicReportWithResponse(ctx, code)
		if err != nil || pub.JSON200 == nil || pub.JSON200.Location == nil || pub.JSON200.LocationPrecisionM == nil {
			t.Fatalf("public report %s: %v %s", code, err, pub.Body)
		}
		lng, lat := pub.JSON200.Location.Coordinates[0], pub.JSON200.Location.Coordinates[1]
		points = append(points, [2]float64{lat, lng})
		box := fmt.Sprintf("%f,%f,%f,%f", home[1]-0.004, home[0]-0.004, home[1]+0.004, home[0]+0.004)
		for _, f := range featureCollection(t, getMap(t, c, box, 18)).Features {
			if f.Properties.Code != nil && *f.Properties.Code == code {
				points = append(points, [2]float64{f.Geometry.Coordinates[1], f.Geometry.Coordinates[0]})
			}
		}
		o, err := c.GetOpen311RequestWithResponse(ctx, code+".json", nil)
		var reqs []struct {
			Lat  float64 `json:"lat"`
			Long float64 `json:"long"`
		}
		if err != nil || o.StatusCode() != http.StatusOK || json.Unmarshal(o.Body, &reqs) != nil || len(reqs) != 1 {
			t.Fatalf("Open311 request %s: %v %s", code, err, o.Body)
		}
		points = append(points, [2]float64{reqs[0].Lat, reqs[0].Long})
		if len(points) != 3 {
			t.Fatalf("%s: shown at %v, want its public report, one map point and Open311", code, points)
		}
		return *pub.JSON200.LocationPrecisionM, points
	}
	prec, points := shown(noiseCode)
	for _, p := range points {
		d := report.DistanceM(home[0], home[1], p[0], p[1])
		if p != [2]float64{cell.Lat, cell.Lng} || d < 1 || d > 100/1.414+0.5 {
			t.Errorf("the noise complaint is shown at %v, %.1f m from the home; want %v, the centre of its 100 m cell", p, d, cell)
		}
	}
	if prec != 100 {
		t.Errorf("noise complaint published at %d m, want 100", prec)
	}
	prec, points = shown(lightCode)
	for _, p := range points {
		if p != pole {
			t.Errorf("the street light is shown at %v, want its exact point %v", p, pole)
		}
	}
	if prec != 0 {
		t.Errorf("street light published at %d m, want 0 (exact)", prec)
	}

	// The admin makes noise coarser: categories say so, the complaint already published stays put (its
	// reporter rates it afterwards, which publishes it again).
	put, err := c.PutCategoryWithResponse(ctx, "noise", api.CategoryInput{NameVi: "Tiếng ồn", NameEn: "Noise", Group: "environment",
		HandledBy: "commune", DeadlineClass: api.CategoryInputDeadlineClassNormal, PublicLocationPrecisionM: ptrTo(500)}, admin)
	if err != nil || put.JSON200 == nil || put.JSON200.PublicLocationPrecisionM != 500 {
		t.Fatalf("put category: %v %s", err, put.Body)
	}
	if g, _ := c.GetCategoryWithResponse(ctx, "noise"); g.JSON200 == nil || g.JSON200.PublicLocationPrecisionM != 500 {
		t.Errorf("get category: %s", g.Body)
	}
	bad, _ := c.PutCategoryWithResponse(ctx, "noise", api.CategoryInput{NameVi: "Tiếng ồn", NameEn: "Noise", Group: "environment",
		HandledBy: "commune", DeadlineClass: api.CategoryInputDeadlineClassNormal, PublicLocationPrecisionM: ptrTo(-1)}, admin)
	expectProblemBody(t, bad.HTTPResponse, bad.Body, http.StatusBadRequest)
	mine, _ := c.GetMyReportWithResponse(ctx, noiseID, res)
	four := 4
	rate, _ := c.ActOnMyReportWithResponse(ctx, noiseID, &api.ActOnMyReportParams{IfMatch: mine.HTTPResponse.Header.Get("ETag")},
		api.ResidentAction{Action: api.Rate, Rating: &four}, res)
	if rate.JSON200 == nil {
		t.Fatalf("rate: %s", rate.Body)
	}
	waitFor(t, "the rating on the public report", func() (bool, string) {
		pub, _ := c.GetPublicReportWithResponse(ctx, noiseCode)
		return pub.JSON200 != nil && pub.JSON200.Rating != nil, string(pub.Body)
	})
	prec, points = shown(noiseCode)
	for _, p := range points {
		if p != [2]float64{cell.Lat, cell.Lng} {
			t.Errorf("after the category changed, the published complaint moved to %v; want it kept at %v", p, cell)
		}
	}
	if prec != 100 {
		t.Errorf("after the category changed, the complaint says %d m; want the 100 m it was published at", prec)
	}
}

func ptrTo[T any](v T) *T { return &v }
