package report

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"testing"

	"github.com/quangninh/feedback/internal/media"
	"github.com/zeebo/xxh3"
)

// photoOf is a small JPEG, its pixels (and so its bytes) set by shade and size.
func photoOf(t *testing.T, w, h int, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: shade, G: uint8(x), B: uint8(y), A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readAll(t *testing.T, s *Spooled) []byte {
	t.Helper()
	b, err := io.ReadAll(s.Open())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSpoolReusesItsFiles(t *testing.T) {
	dir := t.TempDir()
	in := &Intake{TempDir: dir}
	big, small := photoOf(t, 640, 480, 10), photoOf(t, 64, 48, 200)

	first, err := in.Spool(bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, first); !bytes.Equal(got, big) {
		t.Fatalf("read back %d bytes, want the %d spooled", len(got), len(big))
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("spool files stay unlinked, found %d in the folder", len(left))
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	// The next photo, smaller, gets the same file: it reads back as itself, not with the first's tail.
	second, err := in.Spool(bytes.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if second.file != first.file {
		t.Error("the second photo got a new file; want the first's, reused")
	}
	if got := readAll(t, second); !bytes.Equal(got, small) || second.Size != int64(len(small)) || second.Digest != digestHex(xxh3.Hash128(small)) {
		t.Fatalf("second photo: read %d bytes (size %d), want %d; digest %s", len(got), second.Size, len(small), second.Digest)
	}
	// Reading twice (a retried PUT) gives the same bytes.
	if got := readAll(t, second); !bytes.Equal(got, small) {
		t.Fatal("a second reader of the same photo read other bytes")
	}
}

// A reader that outlives its photo (a PUT still sending after its submission gave up) fails: it never
// reads the bytes of the photo the file went to next.
func TestSpoolReaderFailsOnceItsPhotoIsClosed(t *testing.T) {
	in := &Intake{TempDir: t.TempDir()}
	mine, theirs := photoOf(t, 320, 240, 30), photoOf(t, 320, 240, 220)
	s, err := in.Spool(bytes.NewReader(mine))
	if err != nil {
		t.Fatal(err)
	}
	r := s.Open()
	head := make([]byte, 100)
	if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, mine[:100]) {
		t.Fatalf("first read: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	next, err := in.Spool(bytes.NewReader(theirs))
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if next.file != s.file {
		t.Fatal("want the closed photo's file reused by the next")
	}
	rest, err := io.ReadAll(r)
	if !errors.Is(err, errSpoolReused) || len(rest) != 0 {
		t.Fatalf("read after close: %d bytes, error %v; want none and errSpoolReused", len(rest), err)
	}
	if err := s.Close(); err != nil { // a second Close does not give the file away again
		t.Fatal(err)
	}
	if got := readAll(t, next); !bytes.Equal(got, theirs) {
		t.Fatal("the next photo's bytes changed")
	}
}

// A refused photo gives its file back; files past spoolKeepBytes and beyond spoolKeep idle ones are
// closed, not kept.
func TestSpoolKeepsABoundedPool(t *testing.T) {
	in := &Intake{TempDir: t.TempDir(), Inspect: media.Inspector{MaxBytes: 1 << 20}}
	if _, err := in.Spool(bytes.NewReader([]byte("GIF89a not a photo we take"))); !errors.Is(err, media.ErrUnsupportedType) {
		t.Fatalf("a GIF: %v, want ErrUnsupportedType", err)
	}
	tooBig := append(photoOf(t, 32, 32, 1), make([]byte, 1<<20)...)
	if _, err := in.Spool(bytes.NewReader(tooBig)); !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("a photo over the limit: %v, want ErrTooLarge", err)
	}
	if n := len(in.spool.idle); n != 1 {
		t.Fatalf("%d idle files after a refused photo, want its file given back (1)", n)
	}
	var held []*Spooled
	for range spoolKeep + 3 {
		s, err := in.Spool(bytes.NewReader(photoOf(t, 32, 32, 1)))
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, s)
	}
	for _, s := range held {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(in.spool.idle); n != spoolKeep {
		t.Fatalf("%d idle files kept, want %d", n, spoolKeep)
	}
	// A file whose photo was large is closed when given back.
	f := <-in.spool.idle
	if err := in.spool.put(f, spoolKeepBytes+1); err != nil {
		t.Fatal(err)
	}
	if n := len(in.spool.idle); n != spoolKeep-1 {
		t.Fatalf("%d idle files after a large one came back, want %d", n, spoolKeep-1)
	}
	if _, err := f.f.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("the large photo's file: %v, want closed", err)
	}
}
