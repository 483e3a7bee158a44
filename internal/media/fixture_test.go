package media_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// exifSpec is what a test puts into a hand-built EXIF block. Zero fields are left out.
type exifSpec struct {
	order       byteOrder
	orientation uint16
	lat, lng    [3][2]uint32 // degrees, minutes, seconds as rationals
	latRef      string
	lngRef      string
	taken       string // "2006:01:02 15:04:05"
	offset      string // "+07:00"
}

// Hạ Long, 20° 57' 6.12" N, 107° 4' 47.28" E.
var haLong = exifSpec{
	order:       binary.LittleEndian,
	orientation: 6,
	lat:         [3][2]uint32{{20, 1}, {57, 1}, {612, 100}},
	latRef:      "N",
	lng:         [3][2]uint32{{107, 1}, {4, 1}, {4728, 100}},
	lngRef:      "E",
	taken:       "2026:03:14 09:26:53",
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

const haLongLat, haLongLng = 20 + 57.0/60 + 6.12/3600, 107 + 4.0/60 + 47.28/3600

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte
}

// buildTIFF lays out a TIFF structure: header, IFD0 (with pointers to the Exif and GPS IFDs when
// they have entries), the Exif IFD, the GPS IFD, then the values too long to sit in an entry.
func (s exifSpec) buildTIFF() []byte {
	o := s.order
	if o == nil {
		o = binary.LittleEndian
	}
	short := func(v uint16) []byte { return o.AppendUint16(nil, v) }
	long := func(v uint32) []byte { return o.AppendUint32(nil, v) }
	ascii := func(tag uint16, v string) tiffEntry {
		return tiffEntry{tag, 2, uint32(len(v) + 1), append([]byte(v), 0)}
	}
	rationals := func(tag uint16, v [3][2]uint32) tiffEntry {
		var b []byte
		for _, r := range v {
			b = o.AppendUint32(o.AppendUint32(b, r[0]), r[1])
		}
		return tiffEntry{tag, 5, 3, b}
	}
	var ifd0, exif, gps []tiffEntry
	if s.orientation != 0 {
		ifd0 = append(ifd0, tiffEntry{0x0112, 3, 1, short(s.orientation)})
	}
	if s.taken != "" {
		exif = append(exif, ascii(0x9003, s.taken))
	}
	if s.offset != "" {
		exif = append(exif, ascii(0x9011, s.offset))
	}
	if s.latRef != "" {
		gps = append(gps, ascii(1, s.latRef), rationals(2, s.lat), ascii(3, s.lngRef), rationals(4, s.lng))
	}
	size := func(n int) uint32 { return uint32(2 + 12*n + 4) }
	n0 := len(ifd0)
	if len(exif) > 0 {
		n0++
	}
	if len(gps) > 0 {
		n0++
	}
	exifAt := 8 + size(n0)
	gpsAt := exifAt + size(len(exif))
	dataAt := gpsAt + size(len(gps))
	if len(exif) > 0 {
		ifd0 = append(ifd0, tiffEntry{0x8769, 4, 1, long(exifAt)})
	}
	if len(gps) > 0 {
		ifd0 = append(ifd0, tiffEntry{0x8825, 4, 1, long(gpsAt)})
	}

	var out, data []byte
	if o == byteOrder(binary.BigEndian) {
		out = []byte("MM\x00*")
	} else {
		out = []byte("II*\x00")
	}
	out = o.AppendUint32(out, 8)
	for _, ifd := range [][]tiffEntry{ifd0, exif, gps} {
		out = o.AppendUint16(out, uint16(len(ifd)))
		for _, e := range ifd {
			out = o.AppendUint16(o.AppendUint16(out, e.tag), e.typ)
			out = o.AppendUint32(out, e.count)
			if len(e.data) <= 4 {
				out = append(out, e.data...)
				out = append(out, make([]byte, 4-len(e.data))...)
			} else {
				out = o.AppendUint32(out, dataAt+uint32(len(data)))
				data = append(data, e.data...)
			}
		}
		out = o.AppendUint32(out, 0) // no next IFD
	}
	return append(out, data...)
}

// pattern is a w×h picture whose quadrants are red, green (top), blue, yellow (bottom), so that
// any turn or mirror shows.
func pattern(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var rows [2][]byte // the top and bottom rows, copied down the picture
	for half, c := range [2][2]color.RGBA{{red, green}, {blue, yellow}} {
		for x := range w {
			p := c[btoi(x >= w/2)]
			rows[half] = append(rows[half], p.R, p.G, p.B, p.A)
		}
	}
	for y := range h {
		copy(img.Pix[y*img.Stride:], rows[btoi(y >= h/2)])
	}
	return img
}

var (
	red    = color.RGBA{255, 0, 0, 255}
	green  = color.RGBA{0, 255, 0, 255}
	blue   = color.RGBA{0, 0, 255, 255}
	yellow = color.RGBA{255, 255, 0, 255}
)

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MustJPEG encodes img as JPEG and, when tiff is not nil, splices an APP1 Exif segment holding it
// right after SOI, where cameras put it.
func MustJPEG(tb testing.TB, img image.Image, tiff []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	if tiff == nil {
		return buf.Bytes()
	}
	return spliceAPP1(tb, buf.Bytes(), append([]byte("Exif\x00\x00"), tiff...))
}

func spliceAPP1(tb testing.TB, jpg, payload []byte) []byte {
	tb.Helper()
	if len(payload)+2 > 0xffff {
		tb.Fatalf("APP1 payload of %d bytes does not fit a segment", len(payload))
	}
	seg := binary.BigEndian.AppendUint16([]byte{0xff, 0xe1}, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// MustPNG encodes img as PNG and, when tiff is not nil, adds an eXIf chunk after IHDR.
func MustPNG(tb testing.TB, img image.Image, tiff []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	b := buf.Bytes()
	if tiff == nil {
		return b
	}
	const afterIHDR = 8 + 8 + 13 + 4
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(tiff)))
	chunk = append(chunk, "eXIf"...)
	chunk = append(chunk, tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append([]byte{}, b[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, b[afterIHDR:]...)
}

// jpegHeader is a JPEG header alone (SOI, an optional APP1, a SOF0 declaring w×h): no pixel data
// at all, which is what Inspect must be content with.
func jpegHeader(w, h int, app1 []byte) []byte {
	b := []byte{0xff, 0xd8}
	if app1 != nil {
		b = append(b, 0xff, 0xe1)
		b = binary.BigEndian.AppendUint16(b, uint16(len(app1)+2))
		b = append(b, app1...)
	}
	b = append(b, 0xff, 0xc0, 0, 17, 8)
	b = binary.BigEndian.AppendUint16(b, uint16(h))
	b = binary.BigEndian.AppendUint16(b, uint16(w))
	b = append(b, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	return append(b, 0xff, 0xda) // SOS: the entropy-coded data would follow
}

// MustRead reads a file under testdata.
func MustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
