package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/quangninh/feedback/internal/media"
)

var ict = time.FixedZone("ICT", 7*60*60)

func TestInspect(t *testing.T) {
	img := pattern(96, 64)
	haLongGPS := &media.LatLng{Lat: haLongLat, Lng: haLongLng}
	taken := time.Date(2026, 3, 14, 9, 26, 53, 0, ict)

	bigEndian := haLong
	bigEndian.order = binary.BigEndian
	bigEndian.offset = "+08:00"
	southWest := haLong
	southWest.latRef, southWest.lngRef, southWest.orientation = "S", "W", 8

	// Three 64 KiB APP segments before the frame header, as some phones write (EXIF with a
	// thumbnail, ICC profile, maker data): the header is found past the first peeks.
	padded := MustJPEG(t, img, haLong.buildTIFF())
	for range 3 {
		padded = spliceSegment(padded, 0xe2, bytes.Repeat([]byte{'x'}, 0xffff-2))
	}

	jpegInfo := func(w, h, o int, gps *media.LatLng, taken time.Time) media.Info {
		return media.Info{Type: media.JPEG, ContentType: "image/jpeg", Width: w, Height: h, Orientation: o, GPS: gps, TakenAt: taken,
			DecodeBytes: int64(w) * int64(h) * 3 / 2} // 4:2:0
	}
	tests := []struct {
		name string
		in   []byte
		want media.Info
	}{
		{"jpeg with exif", MustJPEG(t, img, haLong.buildTIFF()), jpegInfo(96, 64, 6, haLongGPS, taken)},
		{"jpeg big-endian exif with offset", MustJPEG(t, img, bigEndian.buildTIFF()),
			jpegInfo(96, 64, 6, haLongGPS, time.Date(2026, 3, 14, 9, 26, 53, 0, time.FixedZone("", 8*60*60)))},
		{"jpeg south west", MustJPEG(t, img, southWest.buildTIFF()),
			jpegInfo(96, 64, 8, &media.LatLng{Lat: -haLongLat, Lng: -haLongLng}, taken)},
		{"jpeg without exif", MustJPEG(t, img, nil), jpegInfo(96, 64, 1, nil, time.Time{})},
		{"jpeg orientation only", MustJPEG(t, img, exifSpec{orientation: 3}.buildTIFF()), jpegInfo(96, 64, 3, nil, time.Time{})},
		{"jpeg header past 192 KiB of APP segments", padded, jpegInfo(96, 64, 6, haLongGPS, taken)},
		{"jpeg 50 MP exactly", jpegHeader(10000, 5000, nil), jpegInfo(10000, 5000, 1, nil, time.Time{})},
		{"png with exif", MustPNG(t, img, haLong.buildTIFF()),
			media.Info{Type: media.PNG, ContentType: "image/png", Width: 96, Height: 64, Orientation: 6, GPS: haLongGPS, TakenAt: taken, DecodeBytes: 96 * 64 * 4}},
		{"png without exif", MustPNG(t, img, nil),
			media.Info{Type: media.PNG, ContentType: "image/png", Width: 96, Height: 64, Orientation: 1, DecodeBytes: 96 * 64 * 4}},
		{"webp lossy", MustRead(t, "lossy.webp"),
			media.Info{Type: media.WebP, ContentType: "image/webp", Width: 96, Height: 64, Orientation: 1, DecodeBytes: 96 * 64 * 3 / 2}},
		{"webp lossless", MustRead(t, "lossless.webp"),
			media.Info{Type: media.WebP, ContentType: "image/webp", Width: 96, Height: 64, Orientation: 1, DecodeBytes: 96 * 64 * 8}},
		{"webp extended with exif", MustRead(t, "exif.webp"),
			media.Info{Type: media.WebP, ContentType: "image/webp", Width: 96, Height: 64, Orientation: 6, GPS: haLongGPS, TakenAt: taken, DecodeBytes: 96 * 64 * 8}},
		// heif-enc copies the EXIF block but writes no irot: HEIF readers ignore the EXIF orientation.
		{"heic", MustRead(t, "photo.heic"),
			media.Info{Type: media.HEIC, ContentType: "image/heic", Width: 96, Height: 64, Orientation: 1, GPS: haLongGPS, TakenAt: taken, DecodeBytes: 96 * 64 * 9 / 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r, err := media.Inspect(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
				t.Errorf("Info (-want +got):\n%s", diff)
			}
			assertReplays(t, r, tt.in)
		})
	}
}

// spliceSegment inserts a marker segment right after SOI.
func spliceSegment(jpg []byte, marker byte, payload []byte) []byte {
	seg := binary.BigEndian.AppendUint16([]byte{0xff, marker}, uint16(len(payload)+2))
	out := append(append([]byte{}, jpg[:2]...), append(seg, payload...)...)
	return append(out, jpg[2:]...)
}

func assertReplays(t *testing.T, r io.Reader, want []byte) {
	t.Helper()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading back: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("read back %d bytes, not the %d given", len(got), len(want))
	}
}

// A phone on a weak network delivers a few bytes at a time.
func TestInspectSlowReader(t *testing.T) {
	in := MustJPEG(t, pattern(96, 64), haLong.buildTIFF())
	in = spliceSegment(in, 0xe2, bytes.Repeat([]byte{'x'}, 20000))
	for name, r := range map[string]io.Reader{
		"one byte":      iotest.OneByteReader(bytes.NewReader(in)),
		"half":          iotest.HalfReader(bytes.NewReader(in)),
		"data with EOF": iotest.DataErrReader(bytes.NewReader(in)),
	} {
		t.Run(name, func(t *testing.T) {
			info, rr, err := media.Inspect(r)
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != 96 || info.GPS == nil {
				t.Errorf("Info = %+v", info)
			}
			assertReplays(t, rr, in)
		})
	}
}

func TestInspectRefuses(t *testing.T) {
	withEXIF := MustJPEG(t, pattern(96, 64), haLong.buildTIFF())
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"pdf named photo.jpg", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), media.ErrUnsupportedType},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00photo.jpg"), media.ErrUnsupportedType},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`), media.ErrUnsupportedType},
		{"html", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), media.ErrUnsupportedType},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04"), media.ErrUnsupportedType},
		{"wave", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00"), media.ErrUnsupportedType},
		{"avif", ftyp("avif", "avif", "miaf"), media.ErrUnsupportedType},
		{"heif sequence only", ftyp("msf1", "msf1", "hevc"), media.ErrUnsupportedType},
		{"animated webp", vp8x(0x02, 100, 100), media.ErrUnsupportedType},
		{"arithmetic-coded jpeg", sofJPEG(0xc9, 100, 100), media.ErrUnsupportedType},
		{"empty", nil, media.ErrUnsupportedType},
		{"jpeg claiming 10000×6000", jpegHeader(10000, 6000, nil), media.ErrTooManyPixels},
		{"jpeg claiming 65535×65535", jpegHeader(65535, 65535, nil), media.ErrTooManyPixels},
		{"png claiming 10000×6000", pngHeader(10000, 6000), media.ErrTooManyPixels},
		{"webp claiming 16384×16384", vp8x(0, 16384, 16384), media.ErrTooManyPixels},
		{"jpeg truncated in exif", withEXIF[:100], media.ErrCorrupt},
		{"jpeg signature only", []byte{0xff, 0xd8, 0xff}, media.ErrCorrupt},
		{"jpeg zero width", jpegHeader(0, 100, nil), media.ErrCorrupt},
		{"jpeg scan before frame", []byte{0xff, 0xd8, 0xff, 0xda, 0, 2}, media.ErrCorrupt},
		{"jpeg garbage after soi", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00garbage"), media.ErrCorrupt},
		{"jpeg frame past the peek", spliceSegment(spliceSegment(spliceSegment(spliceSegment(withEXIF,
			0xe2, make([]byte, 0xfff0)), 0xe2, make([]byte, 0xfff0)), 0xe2, make([]byte, 0xfff0)), 0xe2, make([]byte, 0xfff0)), media.ErrCorrupt},
		{"png truncated", pngHeader(100, 100)[:20], media.ErrCorrupt},
		{"heic truncated", MustRead(t, "photo.heic")[:200], media.ErrCorrupt},
		{"heic without meta", ftyp("heic", "mif1", "heic"), media.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, r, err := media.Inspect(bytes.NewReader(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Inspect = %+v, %v; want %v", info, err, tt.want)
			}
			if r != nil {
				t.Error("a reader came back with the error")
			}
		})
	}
}

func TestInspectTooLarge(t *testing.T) {
	const mib = 1 << 20
	head := MustJPEG(t, pattern(96, 64), haLong.buildTIFF())
	stream := func(n int64) io.Reader {
		return io.MultiReader(bytes.NewReader(head), io.LimitReader(zeros{}, n-int64(len(head))))
	}
	t.Run("16 MB", func(t *testing.T) {
		_, r, err := media.Inspect(stream(16 * mib))
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, r)
		if !errors.Is(err, media.ErrTooLarge) {
			t.Fatalf("copied %d bytes, err = %v; want ErrTooLarge", n, err)
		}
		if n != media.DefaultMaxBytes {
			t.Errorf("copied %d bytes before failing, want %d", n, media.DefaultMaxBytes)
		}
	})
	t.Run("exactly 15 MiB", func(t *testing.T) {
		_, r, err := media.Inspect(stream(media.DefaultMaxBytes))
		if err != nil {
			t.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != media.DefaultMaxBytes {
			t.Fatalf("copied %d bytes, err = %v", n, err)
		}
	})
	t.Run("limit within the peek", func(t *testing.T) {
		_, _, err := media.Inspector{MaxBytes: 1000}.Inspect(stream(mib))
		if !errors.Is(err, media.ErrTooLarge) {
			t.Fatalf("err = %v; want ErrTooLarge", err)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestInspectReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, _, err := media.Inspect(iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v; want the reader's error", err)
	}
}

// Malformed EXIF is ignored: the photo is still a photo, without a position.
func TestInspectHostileEXIF(t *testing.T) {
	good := haLong.buildTIFF()
	patch := func(f func(b []byte)) []byte {
		b := append([]byte{}, good...)
		f(b)
		return b
	}
	zeroDen := haLong
	zeroDen.lat[1][1] = 0
	nullIsland := haLong
	nullIsland.lat, nullIsland.lng = [3][2]uint32{{0, 1}, {0, 1}, {0, 1}}, [3][2]uint32{{0, 1}, {0, 1}, {0, 1}}
	noRef := haLong
	noRef.latRef = "X"
	badTime := haLong
	badTime.taken = "0000:00:00 00:00:00"
	badOrientation := haLong
	badOrientation.orientation = 9

	noGPS := func(i media.Info) bool { return i.GPS == nil }
	tests := []struct {
		name string
		tiff []byte
		ok   func(media.Info) bool
	}{
		{"not tiff", []byte("hello, world"), noGPS},
		{"ifd0 past the end", patch(func(b []byte) { binary.LittleEndian.PutUint32(b[4:], 0xfffffff0) }), noGPS},
		{"ifd0 inside the header", patch(func(b []byte) { binary.LittleEndian.PutUint32(b[4:], 2) }), noGPS},
		// Only the entries that fit are read; the real ones come first.
		{"65535 entries", patch(func(b []byte) { binary.LittleEndian.PutUint16(b[8:], 0xffff) }),
			func(i media.Info) bool { return i.GPS != nil && i.Orientation == 6 }},
		{"value offsets past the end", patch(func(b []byte) {
			for i := 8 + 2; i+12 <= len(b); i += 12 {
				binary.LittleEndian.PutUint32(b[i+8:], 0xfffffff0)
			}
		}), noGPS},
		{"huge counts", patch(func(b []byte) {
			for i := 8 + 2; i+12 <= len(b); i += 12 {
				binary.LittleEndian.PutUint32(b[i+4:], 0xffffffff)
			}
		}), func(i media.Info) bool { return i.GPS == nil && i.Orientation == 1 && i.TakenAt.IsZero() }},
		{"zero denominator", zeroDen.buildTIFF(), noGPS},
		{"0,0", nullIsland.buildTIFF(), noGPS},
		{"bad reference", noRef.buildTIFF(), noGPS},
		{"zero time", badTime.buildTIFF(), func(i media.Info) bool { return i.TakenAt.IsZero() && i.GPS != nil }},
		{"orientation 9", badOrientation.buildTIFF(), func(i media.Info) bool { return i.Orientation == 1 && i.GPS != nil }},
		{"cut short", good[:len(good)/2], noGPS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := jpegHeader(96, 64, append([]byte("Exif\x00\x00"), tt.tiff...))
			info, _, err := media.Inspect(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != 96 || info.Height != 64 || info.Orientation < 1 || info.Orientation > 8 || !tt.ok(info) {
				t.Errorf("Info = %+v", info)
			}
		})
	}
}

func TestDisplaySize(t *testing.T) {
	for o := 1; o <= 8; o++ {
		w, h := media.Info{Width: 4, Height: 3, Orientation: o}.DisplaySize()
		if want := o >= 5; (w == 3 && h == 4) != want {
			t.Errorf("orientation %d: %d×%d", o, w, h)
		}
	}
}

func ftyp(major string, compatible ...string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(16+4*len(compatible)))
	b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
	return append(b, strings.Join(compatible, "")...)
}

func vp8x(flags byte, w, h int) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00")
	b = append(b, flags, 0, 0, 0)
	b = append(b, byte(w-1), byte((w-1)>>8), byte((w-1)>>16), byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func pngHeader(w, h int) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	b = binary.BigEndian.AppendUint32(b, uint32(w))
	b = binary.BigEndian.AppendUint32(b, uint32(h))
	b = append(b, 8, 2, 0, 0, 0, 0, 0, 0, 0) // depth, RGB, methods, CRC (unchecked)
	return append(b, "\x00\x00\x00\x00IDAT"...)
}

func sofJPEG(marker byte, w, h int) []byte {
	b := jpegHeader(w, h, nil)
	b[3] = marker
	return b
}

// pngIHDR is a PNG signature and IHDR declaring w×h pixels of a bit depth, colour type and interlace.
func pngIHDR(w, h uint32, depth, colourType, interlace byte) []byte {
	data := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	data = append(data, depth, colourType, 0, 0, interlace)
	b := append([]byte("\x89PNG\r\n\x1a\n"), 0, 0, 0, 13)
	b = append(append(b, "IHDR"...), data...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte("IHDR"), data...)))
	return append(b, 0, 0, 0, 0, 'I', 'D', 'A', 'T')
}

// TestInspectBoundsDecodeMemory: what decoding takes is read from the header, so a small file of few
// pixels but many bytes each is refused before anything is decoded, and photos as phones take them pass.
func TestInspectBoundsDecodeMemory(t *testing.T) {
	progressive := jpegHeader(4000, 3000, nil)
	progressive[bytes.Index(progressive, []byte{0xff, 0xc0})+1] = 0xc2
	tests := []struct {
		name   string
		in     []byte
		decode int64 // 0: refused with ErrTooMuchMemory
	}{
		{"7000×7000 16-bit RGBA PNG (392 MB)", pngIHDR(7000, 7000, 16, 6, 0), 0},
		{"7000×7000 8-bit RGB PNG, interlaced (392 MB)", pngIHDR(7000, 7000, 8, 2, 1), 0},
		{"7000×7000 8-bit RGBA PNG (196 MB)", pngIHDR(7000, 7000, 8, 6, 0), 7000 * 7000 * 4},
		{"7000×7000 8-bit grey PNG", pngIHDR(7000, 7000, 8, 0, 0), 7000 * 7000},
		{"7000×7000 16-bit grey PNG", pngIHDR(7000, 7000, 16, 0, 0), 7000 * 7000 * 2},
		{"50 MP baseline JPEG 4:2:0", jpegHeader(10000, 5000, nil), 10000 * 5000 * 3 / 2},
		{"12 MP progressive JPEG 4:2:0", progressive, 4000 * 3000 * 3 / 2 * 5},
	}
	for _, tt := range tests {
		info, _, err := media.Inspect(bytes.NewReader(tt.in))
		switch {
		case tt.decode == 0 && !errors.Is(err, media.ErrTooMuchMemory):
			t.Errorf("%s: %v, want ErrTooMuchMemory", tt.name, err)
		case tt.decode != 0 && (err != nil || info.DecodeBytes != tt.decode):
			t.Errorf("%s: %v, DecodeBytes %d, want %d", tt.name, err, info.DecodeBytes, tt.decode)
		}
	}
	in := media.Inspector{MaxDecodeBytes: 100 << 20}
	if _, _, err := in.Inspect(bytes.NewReader(pngIHDR(7000, 7000, 8, 6, 0))); !errors.Is(err, media.ErrTooMuchMemory) {
		t.Errorf("a 196 MB PNG under a 100 MB limit: %v", err)
	}
}
