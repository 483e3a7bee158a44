package media_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/quangninh/feedback/internal/media"
)

// FuzzInspect feeds Inspect arbitrary bytes: it must never panic, must fail only with its own
// sentinels, and on success must replay exactly what it was given.
func FuzzInspect(f *testing.F) {
	f.Add(MustJPEG(f, pattern(8, 8), haLong.buildTIFF()))
	f.Add(MustPNG(f, pattern(8, 8), haLong.buildTIFF()))
	f.Add(jpegHeader(96, 64, append([]byte("Exif\x00\x00"), haLong.buildTIFF()...)))
	for _, name := range []string{"lossy.webp", "lossless.webp", "exif.webp", "photo.heic"} {
		f.Add(MustRead(f, name))
	}
	f.Add(withIrot(f, MustRead(f, "photo.heic"), 3))
	inspector := media.Inspector{MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, in []byte) {
		info, r, err := inspector.Inspect(bytes.NewReader(in))
		if err != nil {
			for _, want := range []error{media.ErrUnsupportedType, media.ErrTooManyPixels, media.ErrCorrupt, media.ErrTooLarge} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("unexpected error %v", err)
		}
		if info.Width <= 0 || info.Height <= 0 || int64(info.Width)*int64(info.Height) > media.DefaultMaxPixels {
			t.Errorf("size %d×%d", info.Width, info.Height)
		}
		if info.Orientation < 1 || info.Orientation > 8 || info.ContentType != info.Type.ContentType() {
			t.Errorf("Info = %+v", info)
		}
		if g := info.GPS; g != nil && (g.Lat < -90 || g.Lat > 90 || g.Lng < -180 || g.Lng > 180) {
			t.Errorf("GPS = %+v", *g)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("replayed %d of %d bytes, err = %v", len(got), len(in), err)
		}
	})
}
