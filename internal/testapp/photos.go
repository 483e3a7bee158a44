package testapp

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"
)

// JPEG returns a w×h JPEG photo (a gradient, so it compresses like a photo rather than to nothing).
// With gps set, it carries an EXIF GPS position, as phones write it.
func JPEG(tb testing.TB, w, h int, gps *[2]float64) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0xff), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	b := buf.Bytes()
	if gps == nil {
		return b
	}
	app1 := exifGPS(gps[0], gps[1])
	out := append([]byte{}, b[:2]...) // SOI
	out = append(out, 0xFF, 0xE1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(app1)+2))
	out = append(out, app1...)
	return append(out, b[2:]...)
}

// exifGPS builds "Exif\0\0" and a little-endian TIFF with IFD0 → GPS IFD holding latitude and longitude.
func exifGPS(lat, lng float64) []byte {
	le := binary.LittleEndian
	t := []byte("II*\x00")
	t = le.AppendUint32(t, 8)
	entry := func(b []byte, tag, typ uint16, count, value uint32) []byte {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		return le.AppendUint32(b, value)
	}
	// IFD0 at 8: one entry (GPS IFD pointer), next-IFD 0 → 18 bytes; GPS IFD at 26: 4 entries → 54 bytes.
	t = le.AppendUint16(t, 1)
	t = entry(t, 0x8825, 4, 1, 26)
	t = le.AppendUint32(t, 0)
	latRef, lngRef := uint32('N'), uint32('E')
	if lat < 0 {
		latRef, lat = 'S', -lat
	}
	if lng < 0 {
		lngRef, lng = 'W', -lng
	}
	t = le.AppendUint16(t, 4)
	t = entry(t, 1, 2, 2, latRef)
	t = entry(t, 2, 5, 3, 80)
	t = entry(t, 3, 2, 2, lngRef)
	t = entry(t, 4, 5, 3, 104)
	t = le.AppendUint32(t, 0)
	dms := func(b []byte, v float64) []byte {
		d := math.Floor(v)
		m := math.Floor((v - d) * 60)
		sec := ((v-d)*60 - m) * 60
		for _, r := range [][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(math.Round(sec * 1000)), 1000}} {
			b = le.AppendUint32(b, r[0])
			b = le.AppendUint32(b, r[1])
		}
		return b
	}
	t = dms(t, lat)
	t = dms(t, lng)
	return append([]byte("Exif\x00\x00"), t...)
}
