package e2e

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/photohash"
	"github.com/quangninh/feedback/internal/photohash/evalset"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// encodeJPEG encodes an image at a quality.
func encodeJPEG(t *testing.T, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload puts a photo into a new presigned slot and returns its upload ID.
func upload(t *testing.T, c *api.ClientWithResponses, as api.RequestEditorFn, photo []byte) string {
	t.Helper()
	slot, err := c.CreateUploadWithResponse(context.Background(), api.UploadRequest{ContentType: api.Imagejpeg, SizeBytes: len(photo)}, as)
	if err != nil || slot.JSON201 == nil {
		t.Fatalf("slot: %v %s", err, slot.Body)
	}
	put, _ := http.NewRequest(http.MethodPut, slot.JSON201.Url, bytes.NewReader(photo))
	for k, v := range slot.JSON201.Headers {
		put.Header.Set(k, v)
	}
	if resp := do(t, put); resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("PUT: %d %s", resp.StatusCode, b)
	}
	return slot.JSON201.UploadId
}

// waitFor retries check for up to 30 s (the photo worker fingerprints photos off the request path) and
// fails with its last message.
func waitFor(t *testing.T, what string, check func() (ok bool, last string)) {
	t.Helper()
	var last string
	if !eventually(30*time.Second, func() bool {
		var ok bool
		ok, last = check()
		return ok
	}) {
		t.Fatalf("%s: %s", what, last)
	}
}

// TestSecondPhotoOfTheSameScene: Alice reports a pothole with a photo; Bob, 40 m away, photographs the same
// scene (framed a little differently, tilted, darker, smaller, re-encoded by his messaging app), uploads it
// and, before filing, is offered Alice's report but not Carol's report of something else nearby. He files
// anyway: his report is linked to Alice's as its likely original, and the officer sees the pair from both
// tickets and marks the duplicate in one action.
func TestSecondPhotoOfTheSameScene(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	alice, bob, carol := resident(t, a, "resident-look-alice"), resident(t, a, "resident-look-bob"), resident(t, a, "resident-look-carol")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")

	scenes, err := evalset.Scenes()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*image.RGBA{}
	for _, s := range scenes {
		byName[s.Name] = s.Image
	}
	pothole, other := byName["skimage-gravel"], byName["skimage-brick"]
	bobsView, err := evalset.Change{CropLeft: 0.06, CropTop: 0.02, CropBottom: 0.05, RotateDeg: 2, Brightness: -20, Contrast: 1.1,
		Scale: 0.7, Quality: 55}.Apply(pothole)
	if err != nil {
		t.Fatal(err)
	}

	orig := submit(t, c, alice, "key-look-alice-01", reportPart(t, map[string]any{"category": "road_damage",
		"description": "Ổ gà sâu giữa đường, nước đọng sau mưa.", "location": map[string]any{"lat": baiChay[0], "lng": baiChay[1]}}),
		photoPart(encodeJPEG(t, pothole, 90)))
	unrelated := submit(t, c, carol, "key-look-carol-01", reportPart(t, map[string]any{"category": "garbage",
		"description": "Rác thải đổ trộm cạnh tường gạch.", "location": map[string]any{"lat": baiChay[0], "lng": baiChay[1] + 0.0005}}),
		photoPart(encodeJPEG(t, other, 90)))
	if orig.JSON201 == nil || unrelated.JSON201 == nil {
		t.Fatalf("submit: %s / %s", orig.Body, unrelated.Body)
	}

	// Bob stands 40 m north; he picks "flooding" (water in the hole), so only the photo can tell.
	upID := upload(t, c, bob, encodeJPEG(t, bobsView, 55))
	bobAt := [2]float64{baiChay[0] + 40.0/111195, baiChay[1]}
	params := &api.ListNearbyReportsParams{Category: "flooding", Lat: bobAt[0], Lng: bobAt[1], UploadId: &upID}
	var offered api.NearbyReport
	waitFor(t, "Bob is offered Alice's report", func() (bool, string) {
		near, err := c.ListNearbyReportsWithResponse(ctx, params, bob)
		if err != nil || near.JSON200 == nil {
			return false, string(near.Body)
		}
		for _, it := range near.JSON200.Items {
			if it.Id == unrelated.JSON201.Id {
				t.Fatalf("Carol's unrelated report was offered: %s", near.Body)
			}
		}
		if len(near.JSON200.Items) != 1 || near.JSON200.Items[0].Id != orig.JSON201.Id {
			return false, string(near.Body)
		}
		offered = near.JSON200.Items[0]
		return true, ""
	})
	if offered.PhotoDistance == nil || *offered.PhotoDistance > photohash.Threshold || offered.SameCategory || offered.ThumbnailUrl == nil ||
		offered.DistanceM < 35 || offered.DistanceM > 45 || offered.Score < 0.5 {
		t.Errorf("offered: %+v", offered)
	}
	thumb := do(t, mustRequest(t, *offered.ThumbnailUrl))
	if thumb.StatusCode != http.StatusOK || thumb.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("thumbnail: %d %s", thumb.StatusCode, thumb.Header.Get("Content-Type"))
	}
	// Another resident's upload is not a key to Bob's photo.
	near, _ := c.ListNearbyReportsWithResponse(ctx, params, carol)
	if p := expectProblemBody(t, near.HTTPResponse, near.Body, http.StatusBadRequest); p.Errors == nil || (*p.Errors)[0].Field != "query.upload_id" {
		t.Errorf("someone else's upload: %s", near.Body)
	}

	// Bob files anyway.
	body := api.ReportInput{Category: "flooding", Description: "Nước ngập thành vũng lớn giữa đường.",
		Location: &api.LocationInput{Lat: bobAt[0], Lng: bobAt[1]}, Photos: &[]string{upID}}
	dup, err := c.CreateReportWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: "key-look-bob-01"}, body, bob)
	if err != nil || dup.JSON201 == nil {
		t.Fatalf("Bob files: %v %s", err, dup.Body)
	}
	var ticket *api.Ticket
	waitFor(t, "Bob's ticket is linked to Alice's report", func() (bool, string) {
		g, err := c.GetTicketWithResponse(ctx, dup.JSON201.Id, officer)
		if err != nil || g.JSON200 == nil {
			return false, string(g.Body)
		}
		ticket = g.JSON200
		return ticket.LikelyDuplicateOf != nil, string(g.Body)
	})
	if l := ticket.LikelyDuplicateOf; l.Code != orig.JSON201.Code || l.Id != orig.JSON201.Id || l.Score < report.AutoLinkScore {
		t.Errorf("likely original: %+v", l)
	}
	if ticket.PossibleDuplicates == nil || len(*ticket.PossibleDuplicates) == 0 {
		t.Fatalf("no possible duplicates on Bob's ticket")
	}
	if p := (*ticket.PossibleDuplicates)[0]; p.Code != orig.JSON201.Code || p.SamePhoto == nil || !*p.SamePhoto || p.SameCategory || p.DistanceM > 45 {
		t.Errorf("Bob's ticket, first possible duplicate: %+v", p)
	}
	g, _ := c.GetTicketWithResponse(ctx, orig.JSON201.Id, officer)
	if g.JSON200 == nil || g.JSON200.PossibleDuplicates == nil || len(*g.JSON200.PossibleDuplicates) == 0 ||
		(*g.JSON200.PossibleDuplicates)[0].Code != dup.JSON201.Code || g.JSON200.LikelyDuplicateOf != nil {
		t.Errorf("Alice's ticket: %s", g.Body)
	}

	// One action confirms it.
	code := orig.JSON201.Code
	cur, _ := c.GetTicketWithResponse(ctx, dup.JSON201.Id, officer)
	r, err := c.ActOnTicketWithResponse(ctx, dup.JSON201.Id, &api.ActOnTicketParams{IfMatch: cur.HTTPResponse.Header.Get("ETag")},
		api.TicketAction{Action: api.MarkDuplicate, DuplicateOf: &code}, officer)
	if err != nil || r.JSON200 == nil || r.JSON200.Report.Status != api.Rejected || r.JSON200.DuplicateOf == nil || *r.JSON200.DuplicateOf != code {
		t.Fatalf("mark duplicate: %v %s", err, r.Body)
	}
	// A rejected duplicate is no longer offered to anyone.
	waitFor(t, "Alice's ticket drops the confirmed duplicate", func() (bool, string) {
		g, _ := c.GetTicketWithResponse(ctx, orig.JSON201.Id, officer)
		if g.JSON200 == nil || g.JSON200.PossibleDuplicates == nil {
			return false, string(g.Body)
		}
		for _, p := range *g.JSON200.PossibleDuplicates {
			if p.Id == dup.JSON201.Id {
				return false, string(g.Body)
			}
		}
		return true, ""
	})
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
