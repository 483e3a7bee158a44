package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

var baiChay = [2]float64{20.955, 107.045}

// resident returns a signed-in resident's request editor.
func resident(t *testing.T, a *testapp.App, id string) api.RequestEditorFn {
	tok := a.Token(t, auth.Principal{UserID: id, Role: auth.RoleResident})
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
}

type part struct {
	name, filename, contentType string
	body                        []byte
}

func multipartBody(t *testing.T, parts ...part) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disp := fmt.Sprintf(`form-data; name="%s"`, p.name)
		if p.filename != "" {
			disp += fmt.Sprintf(`; filename="%s"`, p.filename)
		}
		h.Set("Content-Disposition", disp)
		h.Set("Content-Type", p.contentType)
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.body)
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

func reportPart(t *testing.T, fields map[string]any) part {
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return part{name: "report", contentType: "application/json", body: b}
}

func photoPart(b []byte) part {
	return part{name: "photo", filename: "IMG_0001.jpg", contentType: "image/jpeg", body: b}
}

func pothole(loc *[2]float64) map[string]any {
	m := map[string]any{"category": "road_damage", "description": "Ổ gà lớn giữa đường, xe máy dễ ngã khi trời tối."}
	if loc != nil {
		m["location"] = map[string]any{"lat": loc[0], "lng": loc[1], "accuracy_m": 8}
	}
	return m
}

func submit(t *testing.T, c *api.ClientWithResponses, as api.RequestEditorFn, key string, parts ...part) *api.CreateReportResponse {
	t.Helper()
	ct, body := multipartBody(t, parts...)
	r, err := c.CreateReportWithBodyWithResponse(context.Background(), &api.CreateReportParams{IdempotencyKey: key}, ct, body, as)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReportWithPhotosEndToEnd(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	me := resident(t, a, "resident-0001")
	photo := testapp.JPEG(t, 1600, 1200, &baiChay)

	r := submit(t, c, me, "key-0000000001", reportPart(t, pothole(&baiChay)), photoPart(photo), photoPart(testapp.JPEG(t, 640, 480, nil)))
	if r.JSON201 == nil {
		t.Fatalf("create: %d %s", r.StatusCode(), r.Body)
	}
	rep := r.JSON201
	if !regexp.MustCompile(`^QN-\d{4}-\d{5}$`).MatchString(rep.Code) || rep.Status != api.Received || len(rep.Photos) != 2 {
		t.Errorf("report: %+v", rep)
	}
	if rep.Routing.Rule != api.CommunePolygon || rep.Routing.Commune == nil || rep.Routing.Commune.Name != "Phường Bãi Cháy" || rep.Location.Source != api.Device {
		t.Errorf("routing %+v location %+v", rep.Routing, rep.Location)
	}
	if len(rep.Timeline) < 2 || rep.Timeline[0].Action != "received" {
		t.Errorf("timeline %+v", rep.Timeline)
	}

	// The worker makes derivatives off the request path; the public image carries no metadata.
	var got *api.Report
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		g, err := c.GetMyReportWithResponse(context.Background(), rep.Id, me)
		if err != nil || g.JSON200 == nil {
			t.Fatalf("get: %v %s", err, g.Body)
		}
		got = g.JSON200
		if got.Photos[0].Status == api.PhotoStatusReady && got.Photos[1].Status == api.PhotoStatusReady {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("photos not ready after 30s: %+v", got.Photos)
		}
	}
	resp, err := http.Get(*got.Photos[0].Url)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(img, []byte{0xFF, 0xD8}) || bytes.Contains(img, []byte("Exif")) {
		t.Errorf("public image: %d, %d bytes, exif=%v", resp.StatusCode, len(img), bytes.Contains(img, []byte("Exif")))
	}
	if *got.Photos[0].Width != 1600 || *got.Photos[1].Width != 640 {
		t.Errorf("sizes %d %d", *got.Photos[0].Width, *got.Photos[1].Width)
	}

	// Someone else cannot see it (404, not 403).
	other := resident(t, a, "resident-0002")
	if g, _ := c.GetMyReportWithResponse(context.Background(), rep.Id, other); g.StatusCode() != http.StatusNotFound {
		t.Errorf("another resident got %d", g.StatusCode())
	}
}

func TestReportLocationFromPhotoEXIF(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	me := resident(t, a, "resident-exif")
	r := submit(t, c, me, "key-exif-00001", reportPart(t, pothole(nil)), photoPart(testapp.JPEG(t, 320, 240, &baiChay)))
	if r.JSON201 == nil {
		t.Fatalf("%d %s", r.StatusCode(), r.Body)
	}
	if l := r.JSON201.Location; l.Source != api.PhotoExif || l.Lat < 20.95 || l.Lat > 20.96 {
		t.Errorf("location %+v", l)
	}
	// A photo without GPS and no location: 400 naming report.location.
	r = submit(t, c, me, "key-exif-00002", reportPart(t, pothole(nil)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	p := expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusBadRequest)
	_ = p
}

func TestReportIdempotency(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	me := resident(t, a, "resident-idem")
	photo := testapp.JPEG(t, 800, 600, nil)

	// Concurrent retries of one submission: one 201, the others 200 with the same report.
	const n = 6
	var wg sync.WaitGroup
	results := make([]*api.CreateReportResponse, n)
	for i := range n {
		wg.Go(func() {
			results[i] = submit(t, c, me, "key-concurrent-1", reportPart(t, pothole(&baiChay)), photoPart(photo))
		})
	}
	wg.Wait()
	created, ids := 0, map[string]bool{}
	for _, r := range results {
		switch r.StatusCode() {
		case http.StatusCreated:
			created++
			ids[r.JSON201.Id] = true
		case http.StatusOK:
			ids[r.JSON200.Id] = true
		default:
			t.Errorf("retry: %d %s", r.StatusCode(), r.Body)
		}
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("created %d, distinct reports %d", created, len(ids))
	}

	// A later retry: 200, same body.
	again := submit(t, c, me, "key-concurrent-1", reportPart(t, pothole(&baiChay)), photoPart(photo))
	if again.JSON200 == nil || !ids[again.JSON200.Id] {
		t.Errorf("later retry: %d %s", again.StatusCode(), again.Body)
	}
	// The same key with another report: 422.
	diff := pothole(&baiChay)
	diff["description"] = "Một báo cáo hoàn toàn khác nhưng dùng lại khoá."
	r := submit(t, c, me, "key-concurrent-1", reportPart(t, diff), photoPart(photo))
	expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusUnprocessableEntity)

	// Only one report exists.
	list, err := c.ListMyReportsWithResponse(context.Background(), &api.ListMyReportsParams{}, me)
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 {
		t.Fatalf("list: %v %s", err, list.Body)
	}
}

// TestNewReportIsQueuedFromItsOutbox: intake writes no queue entry; the report's outbox (written with the
// report) brings its ticket into the agency's queue, by the dispatcher, before the officers' push
// (internal/mongostore's TestDispatcherQueuesNewReports covers a lost hint and a report changed meanwhile).
func TestNewReportIsQueuedFromItsOutbox(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	me := resident(t, a, "resident-queued")
	photo := testapp.JPEG(t, 640, 480, nil)
	first := submit(t, c, me, "key-queued-1", reportPart(t, pothole(&baiChay)), photoPart(photo))
	if first.JSON201 == nil {
		t.Fatalf("submit: %d %s", first.StatusCode(), first.Body)
	}
	id := first.JSON201.Id
	ctx := testenv.Context(t)
	store, err := mongostore.Open(ctx, a.Env["MONGO_URI"], a.Env["MONGO_DATABASE"], mongostore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	const agency = "ubnd-06673" // Phường Bãi Cháy
	queued := func() bool {
		q, err := store.Queue(ctx, agency)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range q {
			if e.ReportID == id {
				return true
			}
		}
		return false
	}
	if !queued() {
		t.Fatalf("report %s not in its agency's queue when its submission was answered", id)
	}
}

func TestReportBadInputs(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	me := resident(t, a, "resident-bad")
	photo := testapp.JPEG(t, 320, 240, nil)
	html := pothole(&baiChay)
	html["description"] = "Xem <script>alert(1)</script> ngay"
	short := pothole(&baiChay)
	short["description"] = "ngắn"
	unknown := pothole(&baiChay)
	unknown["colour"] = "red"
	badCat := pothole(&baiChay)
	badCat["category"] = "no_such_thing"
	hanoi := pothole(&[2]float64{21.0285, 105.8542})
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 2000)...)
	big := append(testapp.JPEG(t, 64, 64, nil), bytes.Repeat([]byte{0}, 16<<20)...)

	for _, tc := range []struct {
		name   string
		parts  []part
		status int
		field  string
	}{
		{"html description", []part{reportPart(t, html), photoPart(photo)}, 400, "report.description"},
		{"short description", []part{reportPart(t, short), photoPart(photo)}, 400, "report.description"},
		{"unknown field", []part{reportPart(t, unknown), photoPart(photo)}, 400, "report"},
		{"unknown category", []part{reportPart(t, badCat), photoPart(photo)}, 400, "report.category"},
		{"outside the province", []part{reportPart(t, hanoi), photoPart(photo)}, 422, ""},
		{"no photo", []part{reportPart(t, pothole(&baiChay))}, 400, "photo"},
		{"seven photos", []part{reportPart(t, pothole(&baiChay)), photoPart(photo), photoPart(photo), photoPart(photo), photoPart(photo), photoPart(photo), photoPart(photo), photoPart(photo)}, 400, "photo"},
		{"photo before report", []part{photoPart(photo), reportPart(t, pothole(&baiChay))}, 400, "report"},
		{"a PDF named .jpg", []part{reportPart(t, pothole(&baiChay)), photoPart(pdf)}, 415, ""},
		{"a 16 MB photo", []part{reportPart(t, pothole(&baiChay)), photoPart(big)}, 413, ""},
		{"broken JSON", []part{{name: "report", contentType: "application/json", body: []byte(`{"category":`)}, photoPart(photo)}, 400, "report"},
	} {
		r := submit(t, c, me, "key-bad-"+strings.ReplaceAll(tc.name, " ", "-"), tc.parts...)
		p := expectProblemBody(t, r.HTTPResponse, r.Body, tc.status)
		if tc.field != "" && (p.Errors == nil || (*p.Errors)[0].Field != tc.field) {
			t.Errorf("%s: errors %+v, want field %s", tc.name, p.Errors, tc.field)
		}
	}

	// No Idempotency-Key; not signed in; signed in as an officer.
	ct, body := multipartBody(t, reportPart(t, pothole(&baiChay)), photoPart(photo))
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/v1/reports", body)
	req.Header.Set("Content-Type", ct)
	me(context.Background(), req)
	p := expectProblem(t, do(t, req), http.StatusBadRequest)
	if p.Errors == nil || (*p.Errors)[0].Field != "header.Idempotency-Key" {
		t.Errorf("missing key: %+v", p.Errors)
	}
	r := submit(t, c, func(context.Context, *http.Request) error { return nil }, "key-anon-000001", reportPart(t, pothole(&baiChay)), photoPart(photo))
	expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusUnauthorized)
	officer := a.Token(t, auth.Principal{UserID: "officer-1", Role: auth.RoleOfficer, AgencyID: "so-xay-dung"})
	r = submit(t, c, func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+officer)
		return nil
	},
		"key-officer-0001", reportPart(t, pothole(&baiChay)), photoPart(photo))
	expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusForbidden)

	// Nothing above created a report.
	list, _ := c.ListMyReportsWithResponse(context.Background(), &api.ListMyReportsParams{}, me)
	if list.JSON200 == nil || len(list.JSON200.Items) != 0 {
		t.Errorf("bad inputs left reports behind: %s", list.Body)
	}
}

func TestReportPresignedUpload(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := context.Background()
	me := resident(t, a, "resident-presigned")
	photo := testapp.JPEG(t, 1024, 768, nil)

	slot, err := c.CreateUploadWithResponse(ctx, api.UploadRequest{ContentType: api.Imagejpeg, SizeBytes: len(photo)}, me)
	if err != nil || slot.JSON201 == nil {
		t.Fatalf("slot: %v %s", err, slot.Body)
	}
	// Before the PUT, the report is refused: nothing was uploaded.
	body := api.ReportInput{Category: "garbage", Description: "Rác thải đổ trộm cạnh chợ, bốc mùi cả tuần nay.",
		Location: &api.LocationInput{Lat: baiChay[0], Lng: baiChay[1]}, Photos: &[]string{slot.JSON201.UploadId}}
	r, _ := c.CreateReportWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: "key-presigned-01"}, body, me)
	expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusBadRequest)

	put, _ := http.NewRequest(http.MethodPut, slot.JSON201.Url, bytes.NewReader(photo))
	for k, v := range slot.JSON201.Headers {
		put.Header.Set(k, v)
	}
	resp := do(t, put)
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("PUT to presigned URL: %d %s", resp.StatusCode, b)
	}
	// A tampered signature is refused by S3 itself.
	bad, _ := http.NewRequest(http.MethodPut, strings.Replace(slot.JSON201.Url, "X-Amz-Signature=", "X-Amz-Signature=00", 1), bytes.NewReader(photo))
	if resp := do(t, bad); resp.StatusCode != http.StatusForbidden {
		t.Errorf("tampered presigned URL: %d", resp.StatusCode)
	}

	r, err = c.CreateReportWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: "key-presigned-02"}, body, me)
	if err != nil || r.JSON201 == nil {
		t.Fatalf("create: %v %d %s", err, r.StatusCode(), r.Body)
	}
	// Another resident cannot use my upload.
	body.Photos = &[]string{slot.JSON201.UploadId}
	r, _ = c.CreateReportWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: "key-presigned-03"}, body, resident(t, a, "resident-thief"))
	expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusBadRequest)

	// An upload slot for a 20 MB photo is refused.
	big, _ := c.CreateUploadWithResponse(ctx, api.UploadRequest{ContentType: api.Imagejpeg, SizeBytes: 20 << 20}, me)
	expectProblemBody(t, big.HTTPResponse, big.Body, http.StatusBadRequest)
}

// TestReportS3OutageMidSubmission stops S3 while MongoDB answers: the submission fails with 503 and
// Retry-After, leaves no report, and the phone's retry with the same key succeeds once S3 is back.
func TestReportS3OutageMidSubmission(t *testing.T) {
	t.Parallel()
	srv := testenv.Owned(t)
	a := testapp.Start(t, srv, nil)
	c := newClient(t, a)
	me := resident(t, a, "resident-outage")
	photo := testapp.JPEG(t, 800, 600, nil)

	srv.StopS3()
	r := submit(t, c, me, "key-outage-00001", reportPart(t, pothole(&baiChay)), photoPart(photo))
	expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusServiceUnavailable)
	if r.HTTPResponse.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	list, _ := c.ListMyReportsWithResponse(context.Background(), &api.ListMyReportsParams{}, me)
	if list.JSON200 == nil || len(list.JSON200.Items) != 0 {
		t.Fatalf("a half report is visible: %s", list.Body)
	}

	srv.StartS3()
	r = submit(t, c, me, "key-outage-00001", reportPart(t, pothole(&baiChay)), photoPart(photo))
	if r.JSON201 == nil {
		t.Fatalf("retry after recovery: %d %s", r.StatusCode(), r.Body)
	}
	list, _ = c.ListMyReportsWithResponse(context.Background(), &api.ListMyReportsParams{}, me)
	if list.JSON200 == nil || len(list.JSON200.Items) != 1 {
		t.Fatalf("after retry: %s", list.Body)
	}
}

func TestNearbyFollowAndPaging(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := context.Background()
	alice, bob, carol := resident(t, a, "resident-alice"), resident(t, a, "resident-bob"), resident(t, a, "resident-carol")
	photo := testapp.JPEG(t, 200, 150, nil)

	var ids []string
	for i := range 3 {
		r := submit(t, c, alice, fmt.Sprintf("key-page-%07d", i), reportPart(t, pothole(&baiChay)), photoPart(photo))
		if r.JSON201 == nil {
			t.Fatalf("create %d: %s", i, r.Body)
		}
		ids = append(ids, r.JSON201.Id)
	}
	limit := 2
	p1, _ := c.ListMyReportsWithResponse(ctx, &api.ListMyReportsParams{Limit: &limit}, alice)
	if p1.JSON200 == nil || len(p1.JSON200.Items) != 2 || p1.JSON200.NextCursor == nil || p1.JSON200.Items[0].Id != ids[2] {
		t.Fatalf("page 1: %s", p1.Body)
	}
	p2, _ := c.ListMyReportsWithResponse(ctx, &api.ListMyReportsParams{Limit: &limit, Cursor: p1.JSON200.NextCursor}, alice)
	if p2.JSON200 == nil || len(p2.JSON200.Items) != 1 || p2.JSON200.NextCursor != nil || p2.JSON200.Items[0].Id != ids[0] {
		t.Fatalf("page 2: %s", p2.Body)
	}
	bad := "not-a-cursor"
	p3, _ := c.ListMyReportsWithResponse(ctx, &api.ListMyReportsParams{Cursor: &bad}, alice)
	expectProblemBody(t, p3.HTTPResponse, p3.Body, http.StatusBadRequest)

	// Bob, 60 m away, sees Alice's reports before sending his own, and follows one.
	// (Reports join the nearby search once the photo worker has fingerprinted them, moments after filing.)
	waitFor(t, "nearby", func() (bool, string) {
		near, _ := c.ListNearbyReportsWithResponse(ctx, &api.ListNearbyReportsParams{Category: "road_damage", Lat: baiChay[0] + 0.0005, Lng: baiChay[1]}, bob)
		return near.JSON200 != nil && len(near.JSON200.Items) == 3 && near.JSON200.Items[0].DistanceM < 100, string(near.Body)
	})
	far, _ := c.ListNearbyReportsWithResponse(ctx, &api.ListNearbyReportsParams{Category: "road_damage", Lat: baiChay[0] + 0.003, Lng: baiChay[1]}, bob)
	if far.JSON200 == nil || len(far.JSON200.Items) != 0 {
		t.Errorf("330 m away: %s", far.Body)
	}
	if f, _ := c.FollowReportWithResponse(ctx, ids[0], bob); f.StatusCode() != http.StatusNoContent {
		t.Fatalf("follow: %d %s", f.StatusCode(), f.Body)
	}
	g, _ := c.GetMyReportWithResponse(ctx, ids[0], bob)
	if g.JSON200 == nil || !g.JSON200.Following || len(g.JSON200.Photos) != 0 || g.JSON200.Address != nil ||
		g.JSON200.Location.AccuracyM != nil {
		t.Errorf("follower view shows the reporter's photos, address or exact location: %s", g.Body)
	}
	if g, _ := c.GetMyReportWithResponse(ctx, ids[0], carol); g.StatusCode() != http.StatusNotFound {
		t.Errorf("carol: %d", g.StatusCode())
	}
	if u, _ := c.UnfollowReportWithResponse(ctx, ids[0], bob); u.StatusCode() != http.StatusNoContent {
		t.Errorf("unfollow: %d", u.StatusCode())
	}
	if g, _ := c.GetMyReportWithResponse(ctx, ids[0], bob); g.StatusCode() != http.StatusNotFound {
		t.Errorf("after unfollow: %d", g.StatusCode())
	}
}
