package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// pngHeader is the start of a PNG that declares w×h pixels of the given bit depth and colour type (6: RGBA),
// followed by a little pixel data: enough for a decoder to commit to the size.
func pngHeader(w, h uint32, depth, colourType byte) []byte {
	chunk := func(typ string, data []byte) []byte {
		var b bytes.Buffer
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
		return b.Bytes()
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colourType
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0, 0, 0, 2, 0, 1})...)
	return append(out, chunk("IEND", nil)...)
}

// presign asks for an upload slot for body declared as contentType, and PUTs body to it with the headers
// the slot names; it returns the slot.
func presign(t *testing.T, c *api.ClientWithResponses, as api.RequestEditorFn, contentType api.UploadRequestContentType, body []byte) api.UploadSlot {
	t.Helper()
	slot, err := c.CreateUploadWithResponse(context.Background(), api.UploadRequest{ContentType: contentType, SizeBytes: len(body)}, as)
	if err != nil || slot.JSON201 == nil {
		t.Fatalf("slot: %v %s", err, slot.Body)
	}
	if got := slot.JSON201.Headers["Content-Length"]; got != strconv.Itoa(len(body)) {
		t.Errorf("slot headers %v: Content-Length %q, want %d", slot.JSON201.Headers, got, len(body))
	}
	if resp := putToSlot(t, *slot.JSON201, body, nil); resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("PUT to the slot: %d %s", resp.StatusCode, b)
	}
	return *slot.JSON201
}

// putToSlot PUTs body to a slot's URL with the headers it names, replaced by those in override. A PUT that
// S3 cut off while it was sent (it refuses before reading the body) answers 403 here.
func putToSlot(t *testing.T, slot api.UploadSlot, body []byte, override map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, slot.Url, bytes.NewReader(body))
	for k, v := range slot.Headers {
		if k != "Content-Length" { // the client sets it from the body
			req.Header.Set(k, v)
		}
	}
	for k, v := range override {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Logf("PUT %d bytes: %v", len(body), err)
		return &http.Response{StatusCode: http.StatusForbidden, Body: http.NoBody}
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func presignedDraft(ids ...string) api.ReportInput {
	return api.ReportInput{Category: "garbage", Description: "Rác thải đổ trộm cạnh chợ, bốc mùi cả tuần nay.",
		Location: &api.LocationInput{Lat: baiChay[0], Lng: baiChay[1]}, Photos: &ids}
}

// TestPresignedUploadsAreBound: a slot takes only the size and type it was granted, serves one report only,
// and what that report keeps cannot be changed through the slot's URL afterwards.
func TestPresignedUploadsAreBound(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := context.Background()
	me := resident(t, a, "resident-bound")

	// Another size, another type: S3 refuses the PUT (the URL signs both).
	photo := testapp.JPEG(t, 640, 480, nil)
	slot, _ := c.CreateUploadWithResponse(ctx, api.UploadRequest{ContentType: api.Imagepng, SizeBytes: 1000}, me)
	if slot.JSON201 == nil {
		t.Fatalf("slot: %s", slot.Body)
	}
	html := bytes.Repeat([]byte("<html><script>alert(1)</script></html>"), 3<<20/38)
	for name, tc := range map[string]struct {
		body     []byte
		override map[string]string
	}{
		"3 MiB of HTML":           {html, map[string]string{"Content-Type": "text/html"}},
		"3 MiB declared as PNG":   {html, nil},
		"1,000 bytes of HTML":     {html[:1000], map[string]string{"Content-Type": "text/html"}},
		"1,000 bytes, no type":    {html[:1000], map[string]string{"Content-Type": ""}},
		"a photo of other length": {photo, nil},
	} {
		if resp := putToSlot(t, *slot.JSON201, tc.body, tc.override); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: PUT answered %d, want 403", name, resp.StatusCode)
		}
	}

	// Nothing reached the slot.
	empty, _ := c.CreateReportWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: "key-bound-empty"}, presignedDraft(slot.JSON201.UploadId), me)
	expectProblemBody(t, empty.HTTPResponse, empty.Body, http.StatusBadRequest)

	// One slot, one report.
	up := presign(t, c, me, api.Imagejpeg, photo)
	first, err := c.CreateReportWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: "key-bound-first"}, presignedDraft(up.UploadId), me)
	if err != nil || first.JSON201 == nil {
		t.Fatalf("first report: %v %s", err, first.Body)
	}
	again, _ := c.CreateReportWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: "key-bound-first"}, presignedDraft(up.UploadId), me)
	if again.JSON200 == nil || again.JSON200.Id != first.JSON201.Id {
		t.Errorf("retry of the first report: %d %s", again.StatusCode(), again.Body)
	}
	second, _ := c.CreateReportWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: "key-bound-second"}, presignedDraft(up.UploadId), me)
	p := expectProblemBody(t, second.HTTPResponse, second.Body, http.StatusBadRequest)
	if p.Errors == nil || (*p.Errors)[0].Field != "body.photos.0" {
		t.Errorf("second report with the same upload: %s", second.Body)
	}

	// A PUT through the slot's URL after the report changes nothing the report keeps.
	other := bytes.Clone(photo)
	copy(other[len(other)/2:], bytes.Repeat([]byte{0x55}, 64))
	putToSlot(t, up, other, nil)
	store, err := mongostore.Open(ctx, a.Env["MONGO_URI"], a.Env["MONGO_DATABASE"], mongostore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	r, err := store.Report(ctx, first.JSON201.Id)
	if err != nil {
		t.Fatal(err)
	}
	key := r.Photos[0].OriginalKey
	if strings.HasPrefix(key, "uploads/") {
		t.Errorf("the report keeps its photo at %s, where the slot's URL writes", key)
	}
	s3, err := minio.New(a.Env["S3_ENDPOINT"], &minio.Options{Creds: credentials.NewStaticV4(a.Env["S3_ACCESS_KEY"], a.Env["S3_SECRET_KEY"], "")})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s3.GetObject(ctx, a.Env["S3_BUCKET"], key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(kept, photo) {
		t.Errorf("the report's original (%s) is not the photo inspected at submission (%v)", key, err)
	}
}

// TestPresignedBadBytesAnswerAsMultipart: bytes the service refuses get the same answer whether they come in
// a multipart submission or through an upload slot, and never a 5xx.
func TestPresignedBadBytesAnswerAsMultipart(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := context.Background()
	me := resident(t, a, "resident-badbytes")
	for i, tc := range []struct {
		name     string
		declared api.UploadRequestContentType
		body     []byte
		status   int
	}{
		{"HTML", api.Imagejpeg, []byte(strings.Repeat("<html><body>not a photo</body></html>", 50)), http.StatusUnsupportedMediaType},
		{"a PNG declaring 30000×30000 px", api.Imagepng, pngHeader(30000, 30000, 8, 6), http.StatusUnprocessableEntity},
		{"a 16-bit RGBA PNG of 7000×7000 px", api.Imagepng, pngHeader(7000, 7000, 16, 6), http.StatusUnprocessableEntity},
		{"a truncated JPEG", api.Imagejpeg, testapp.JPEG(t, 64, 64, nil)[:40], http.StatusUnprocessableEntity},
	} {
		mp := submit(t, c, me, "key-multipart-"+strconv.Itoa(i), reportPart(t, pothole(&baiChay)), photoPart(tc.body))
		mpProblem := expectProblemBody(t, mp.HTTPResponse, mp.Body, tc.status)
		up := presign(t, c, me, tc.declared, tc.body)
		ps, err := c.CreateReportWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: "key-presigned-" + strconv.Itoa(i)}, presignedDraft(up.UploadId), me)
		if err != nil {
			t.Fatal(err)
		}
		psProblem := expectProblemBody(t, ps.HTTPResponse, ps.Body, tc.status)
		if mpProblem.Type != psProblem.Type || mpProblem.Detail == nil || psProblem.Detail == nil || *mpProblem.Detail != *psProblem.Detail {
			t.Errorf("%s: multipart answers %s, an upload %s", tc.name, mp.Body, ps.Body)
		}
	}
}
