package media_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/quangninh/feedback/internal/media"
)

// TestWriteFixtures regenerates the committed binary fixtures, which Go cannot encode itself:
//
//	MEDIA_WRITE_FIXTURES=1 go test -run TestWriteFixtures ./internal/media
//
// It needs cwebp (Debian package webp) and heif-enc (libheif-examples). source.jpg is a 96×64
// pattern with the Hạ Long EXIF block (GPS, orientation 6, time taken).
func TestWriteFixtures(t *testing.T) {
	if os.Getenv("MEDIA_WRITE_FIXTURES") == "" {
		// Without the variable, check that the committed fixtures are there and readable as what they claim.
		for name, want := range map[string]media.Type{"photo.heic": media.HEIC, "source.jpg": media.JPEG} {
			info, _, err := media.Inspect(bytes.NewReader(MustRead(t, name)))
			if err != nil || info.Type != want {
				t.Errorf("testdata/%s: %v, type %q; regenerate with MEDIA_WRITE_FIXTURES=1", name, err, info.Type)
			}
		}
		return
	}
	src := filepath.Join("testdata", "source.jpg")
	if err := os.WriteFile(src, MustJPEG(t, pattern(96, 64), haLong.buildTIFF()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"cwebp", "-quiet", "-q", "80", src, "-o", "testdata/lossy.webp"},
		{"cwebp", "-quiet", "-lossless", src, "-o", "testdata/lossless.webp"},
		{"cwebp", "-quiet", "-q", "80", "-metadata", "exif", src, "-o", "testdata/exif.webp"},
		{"heif-enc", "-q", "60", src, "-o", "testdata/photo.heic"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
}
