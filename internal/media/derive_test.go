package media_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/quangninh/feedback/internal/media"
)

// Stored pixels for each EXIF orientation, built from the upright picture with plain turns and
// mirrors, independently of the package's own mapping.
func storedFor(upright image.Image, orientation int) image.Image {
	switch orientation {
	case 2:
		return flipH(upright)
	case 3:
		return rotCW(rotCW(upright))
	case 4:
		return flipV(upright)
	case 5: // shown as: mirror, then a quarter turn anticlockwise
		return flipH(rotCW(upright))
	case 6: // shown as: a quarter turn clockwise
		return rotCCW(upright)
	case 7: // shown as: mirror, then a quarter turn clockwise
		return flipH(rotCCW(upright))
	case 8: // shown as: a quarter turn anticlockwise
		return rotCW(upright)
	}
	return upright
}

func transform(src image.Image, w, h int, at func(x, y int) (int, int)) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			sx, sy := at(x, y)
			dst.Set(x, y, src.At(sx, sy))
		}
	}
	return dst
}

func size(img image.Image) (int, int) { return img.Bounds().Dx(), img.Bounds().Dy() }

func flipH(img image.Image) image.Image {
	w, h := size(img)
	return transform(img, w, h, func(x, y int) (int, int) { return w - 1 - x, y })
}

func flipV(img image.Image) image.Image {
	w, h := size(img)
	return transform(img, w, h, func(x, y int) (int, int) { return x, h - 1 - y })
}

func rotCW(img image.Image) image.Image {
	w, h := size(img)
	return transform(img, h, w, func(x, y int) (int, int) { return y, h - 1 - x })
}

func rotCCW(img image.Image) image.Image {
	w, h := size(img)
	return transform(img, h, w, func(x, y int) (int, int) { return w - 1 - y, x })
}

// assertQuadrants checks that a rendition shows the pattern upright: red, green over blue, yellow.
func assertQuadrants(t *testing.T, r media.Rendition) {
	t.Helper()
	assertColors(t, r, red, green, blue, yellow)
}

// assertColors checks the colours at the centres of a rendition's quadrants.
func assertColors(t *testing.T, r media.Rendition, topLeft, topRight, bottomLeft, bottomRight color.RGBA) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(r.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	w, h := size(img)
	if w != r.Width || h != r.Height {
		t.Errorf("rendition says %d×%d, JPEG is %d×%d", r.Width, r.Height, w, h)
	}
	for _, q := range []struct {
		x, y int
		want color.RGBA
	}{{w / 4, h / 4, topLeft}, {3 * w / 4, h / 4, topRight}, {w / 4, 3 * h / 4, bottomLeft}, {3 * w / 4, 3 * h / 4, bottomRight}} {
		if got := color.RGBAModel.Convert(img.At(q.x, q.y)).(color.RGBA); !near(got, q.want) {
			t.Errorf("at %d,%d: %v, want %v", q.x, q.y, got, q.want)
		}
	}
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return max(x, y)-min(x, y) < 48 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func TestDeriveOrientation(t *testing.T) {
	upright := pattern(64, 32)
	for o := 1; o <= 8; o++ {
		t.Run(string(rune('0'+o)), func(t *testing.T) {
			in := MustJPEG(t, storedFor(upright, o), exifSpec{orientation: uint16(o)}.buildTIFF())
			public, thumb, err := media.Derive(context.Background(), bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			if public.Width != 64 || public.Height != 32 || thumb.Width != 64 || thumb.Height != 32 {
				t.Errorf("public %d×%d, thumb %d×%d; want both 64×32, not enlarged", public.Width, public.Height, thumb.Width, thumb.Height)
			}
			assertQuadrants(t, public)
			assertQuadrants(t, thumb)
		})
	}
}

func TestDeriveDownscales(t *testing.T) {
	small := media.DeriveOptions{PublicSide: 600, ThumbSide: 120}
	tests := []struct {
		name              string
		w, h, orientation int
		pw, ph, tw, th    int
		opts              media.DeriveOptions
	}{
		{"default sides", 2100, 700, 1, 2048, 683, 400, 133, media.DeriveOptions{}},
		// Smaller sides keep the rest quick under the race detector.
		{"landscape", 660, 220, 1, 600, 200, 120, 40, small},
		{"portrait by orientation", 660, 220, 6, 200, 600, 40, 120, small},
		{"between the sides", 500, 400, 1, 500, 400, 120, 96, small},
		{"box reduction first", 2000, 600, 1, 600, 180, 120, 36, small},
		{"catmull-rom", 660, 220, 1, 600, 200, 120, 40, media.DeriveOptions{PublicSide: 600, ThumbSide: 120, Scaler: draw.CatmullRom}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := MustJPEG(t, pattern(tt.w, tt.h), exifSpec{orientation: uint16(tt.orientation)}.buildTIFF())
			public, thumb, err := tt.opts.Derive(context.Background(), bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			got := [4]int{public.Width, public.Height, thumb.Width, thumb.Height}
			if want := [4]int{tt.pw, tt.ph, tt.tw, tt.th}; got != want {
				t.Errorf("public %d×%d, thumb %d×%d; want %v", got[0], got[1], got[2], got[3], want)
			}
			if tt.orientation == 1 {
				assertQuadrants(t, public)
				assertQuadrants(t, thumb)
			}
		})
	}
}

// The renditions are encoded from pixels: no APP1 (EXIF, XMP), no APP2 (ICC), no GPS anywhere.
func TestDeriveStripsMetadata(t *testing.T) {
	tiff := haLong.buildTIFF()
	in := MustJPEG(t, pattern(96, 64), tiff)
	public, thumb, err := media.Derive(context.Background(), bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	gpsBytes := tiff[len(tiff)-48:] // the latitude and longitude rationals, laid out last
	for name, r := range map[string]media.Rendition{"public": public, "thumb": thumb} {
		for _, m := range markers(t, r.JPEG) {
			if m >= 0xe1 && m <= 0xef {
				t.Errorf("%s has an APP%d segment", name, m-0xe0)
			}
		}
		if bytes.Contains(r.JPEG, []byte("Exif")) || bytes.Contains(r.JPEG, gpsBytes) || bytes.Contains(r.JPEG, []byte("2026:03:14")) {
			t.Errorf("%s carries EXIF bytes", name)
		}
		info, _, err := media.Inspect(bytes.NewReader(r.JPEG))
		if err != nil {
			t.Fatal(err)
		}
		if info.GPS != nil || info.Orientation != 1 || !info.TakenAt.IsZero() {
			t.Errorf("%s: Info = %+v", name, info)
		}
	}
}

// markers lists a JPEG's segment markers up to the start of scan.
func markers(t *testing.T, b []byte) []byte {
	t.Helper()
	var out []byte
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			t.Fatalf("no marker at %d", i)
		}
		m := b[i+1]
		out = append(out, m)
		if m == 0xda {
			return out
		}
		i += 2 + (int(b[i+2])<<8 | int(b[i+3]))
	}
	t.Fatal("no start of scan")
	return nil
}

func TestDeriveFormats(t *testing.T) {
	transparent := pattern(96, 64)
	for i := range transparent.Pix {
		if i%4 == 3 && i/4%96 < 48 { // the left half fully transparent
			transparent.Pix[i-3], transparent.Pix[i-2], transparent.Pix[i-1], transparent.Pix[i] = 0, 0, 0, 0
		}
	}
	tests := []struct {
		name string
		in   []byte
		w, h int
		// topLeft is the expected colour at a quarter of the width and height: turned a quarter
		// clockwise by EXIF orientation 6, the pattern shows its blue quadrant there.
		topLeft color.RGBA
	}{
		{"png with exif", MustPNG(t, pattern(96, 64), haLong.buildTIFF()), 64, 96, blue},
		{"png with transparency on white", MustPNG(t, transparent, nil), 96, 64, color.RGBA{255, 255, 255, 255}},
		{"webp lossy", MustRead(t, "lossy.webp"), 96, 64, red},
		{"webp lossless", MustRead(t, "lossless.webp"), 96, 64, red},
		{"webp with exif", MustRead(t, "exif.webp"), 64, 96, blue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			public, _, err := media.Derive(context.Background(), bytes.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(public.JPEG))
			if err != nil {
				t.Fatal(err)
			}
			w, h := size(img)
			if w != tt.w || h != tt.h {
				t.Errorf("public is %d×%d, want %d×%d", w, h, tt.w, tt.h)
			}
			if got := color.RGBAModel.Convert(img.At(w/4, h/4)).(color.RGBA); !near(got, tt.topLeft) {
				t.Errorf("top left %v, want %v", got, tt.topLeft)
			}
		})
	}
}

// TestDeriveWaitsForItsBudget: a render does not decode while the memory it needs is taken, and does once
// it is given back.
func TestDeriveWaitsForItsBudget(t *testing.T) {
	photo := MustJPEG(t, pattern(640, 480), nil)
	budget := media.NewRenderBudget(1 << 20)
	release, err := budget.Acquire(context.Background(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	opts := media.DeriveOptions{Budget: budget}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := opts.Derive(ctx, bytes.NewReader(photo)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Derive with the budget taken: %v, want it to wait until its context ends", err)
	}
	release()
	if pub, _, err := opts.Derive(context.Background(), bytes.NewReader(photo)); err != nil || pub.Width != 640 {
		t.Fatalf("Derive with the budget free: %v %d", err, pub.Width)
	}
}
