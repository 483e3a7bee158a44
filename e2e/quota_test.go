package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestResidentQuotas: a resident gets RESIDENT_UPLOAD_SLOTS upload slots and RESIDENT_REPORTS_PER_HOUR
// reports, then 429 with Retry-After; a retry of a report already made still gets its report; another
// resident is not affected.
func TestResidentQuotas(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"RESIDENT_UPLOAD_SLOTS": "3", "RESIDENT_REPORTS_PER_HOUR": "2"})
	c := newClient(t, a)
	ctx := context.Background()
	me, other := resident(t, a, "resident-quota"), resident(t, a, "resident-quota-other")
	for i := range 4 {
		r, err := c.CreateUploadWithResponse(ctx, api.UploadRequest{ContentType: api.Imagejpeg, SizeBytes: 1000}, me)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: http.StatusCreated, false: http.StatusTooManyRequests}[i < 3]; r.StatusCode() != want {
			t.Errorf("upload slot %d: %d, want %d: %s", i+1, r.StatusCode(), want, r.Body)
		}
		if i == 3 && r.HTTPResponse.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	photo := testapp.JPEG(t, 320, 240, nil)
	for i := range 3 {
		r := submit(t, c, me, fmt.Sprintf("key-quota-%07d", i), reportPart(t, pothole(&baiChay)), photoPart(photo))
		if want := map[bool]int{true: http.StatusCreated, false: http.StatusTooManyRequests}[i < 2]; r.StatusCode() != want {
			t.Errorf("report %d: %d, want %d: %s", i+1, r.StatusCode(), want, r.Body)
		}
		if i == 2 && r.HTTPResponse.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if r := submit(t, c, me, "key-quota-0000000", reportPart(t, pothole(&baiChay)), photoPart(photo)); r.StatusCode() != http.StatusOK {
		t.Errorf("a retry over the quota: %d %s", r.StatusCode(), r.Body)
	}
	if r := submit(t, c, other, "key-quota-other01", reportPart(t, pothole(&baiChay)), photoPart(photo)); r.StatusCode() != http.StatusCreated {
		t.Errorf("another resident: %d %s", r.StatusCode(), r.Body)
	}
}
