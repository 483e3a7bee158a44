package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"testing"

	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// timestampPattern finds every RFC 3339 timestamp in a JSON body.
var timestampPattern = regexp.MustCompile(`"\d{4}-\d\d-\d\dT[^"]*"`)

// utcMillis is the one form the API writes: UTC, milliseconds (or fewer digits when they are zero).
var utcMillis = regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z"$`)

// TestSubmissionRetryAnswersTheSameBytes: the first answer to a submission and a retry's answer are the
// same bytes (the photos' processing state aside, which moves on), and every timestamp is UTC with at
// most milliseconds.
func TestSubmissionRetryAnswersTheSameBytes(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	me := resident(t, a, "resident-bytes")
	photo := testapp.JPEG(t, 320, 240, nil)
	first := submit(t, c, me, "key-bytes-0000001", reportPart(t, pothole(&baiChay)), photoPart(photo))
	retry := submit(t, c, me, "key-bytes-0000001", reportPart(t, pothole(&baiChay)), photoPart(photo))
	if first.StatusCode() != http.StatusCreated || retry.StatusCode() != http.StatusOK {
		t.Fatalf("submit %d, retry %d: %s", first.StatusCode(), retry.StatusCode(), retry.Body)
	}
	for _, body := range [][]byte{first.Body, retry.Body} {
		for _, ts := range timestampPattern.FindAll(body, -1) {
			if !utcMillis.Match(ts) {
				t.Errorf("timestamp %s is not UTC with at most milliseconds", ts)
			}
		}
	}
	withoutPhotos := func(b []byte) []byte {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "photos")
		out, _ := json.Marshal(m)
		return out
	}
	if a, b := withoutPhotos(first.Body), withoutPhotos(retry.Body); !bytes.Equal(a, b) {
		t.Errorf("first answer and retry differ:\n%s\n%s", first.Body, retry.Body)
	}
}
