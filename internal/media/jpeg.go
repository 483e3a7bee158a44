package media

import (
	"encoding/binary"
	"fmt"
)

// parseJPEG walks the marker segments up to the first SOF, which carries the size, picking up the
// EXIF APP1 segment on the way. It never touches the entropy-coded data.
func parseJPEG(b []byte, final bool) (header, error) {
	h := header{typ: JPEG}
	i := 2 // after SOI
	for {
		// A marker is 0xFF, any number of 0xFF fill bytes, then the code.
		if i >= len(b) {
			return h, errShort
		}
		if b[i] != 0xff {
			return h, fmt.Errorf("%w: jpeg: no marker at byte %d", ErrCorrupt, i)
		}
		for i < len(b) && b[i] == 0xff {
			i++
		}
		if i >= len(b) {
			return h, errShort
		}
		m := b[i]
		i++
		switch {
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // TEM, RSTn: no length
			continue
		case m == 0xd8 || m == 0xd9 || m == 0xda: // SOI, EOI, SOS before any frame header
			return h, fmt.Errorf("%w: jpeg: marker %#x before the frame header", ErrCorrupt, m)
		}
		if i+2 > len(b) {
			return h, errShort
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 {
			return h, fmt.Errorf("%w: jpeg: segment length %d", ErrCorrupt, n)
		}
		seg := b[i+2 : min(i+n, len(b))] // may be cut short by the end of the prefix
		whole := i+n <= len(b)
		switch {
		case m == 0xe1 && h.exif == nil && whole && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00":
			h.exif = seg[6:]
		case isSOF(m):
			if len(seg) < 6 {
				if whole {
					return h, fmt.Errorf("%w: jpeg: short frame header", ErrCorrupt)
				}
				return h, errShort
			}
			// Go's decoder reads baseline, extended sequential and progressive Huffman frames;
			// lossless, hierarchical and arithmetic-coded ones no phone makes are refused here
			// rather than failing later in Derive.
			if m > 0xc2 {
				return h, fmt.Errorf("%w: jpeg: frame type SOF%d", ErrUnsupportedType, m-0xc0)
			}
			h.height = int(binary.BigEndian.Uint16(seg[1:]))
			h.width = int(binary.BigEndian.Uint16(seg[3:]))
			n := int(seg[5])
			if len(seg) < 6+3*n {
				if whole {
					return h, fmt.Errorf("%w: jpeg: short frame header", ErrCorrupt)
				}
				return h, errShort
			}
			h.bytesPerPixel8 = jpegDecodeCost(seg[6:6+3*n], m == 0xc2)
			return h, nil
		}
		i += n
	}
}

// isSOF reports whether m is a start-of-frame marker: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
func isSOF(m byte) bool {
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc
}

// jpegDecodeCost is what Go's JPEG decoder takes per pixel, in eighths of a byte, for a frame's components
// (3 bytes each: ID, sampling factors, table): one byte per sample of each component at its sampling (a
// 4:2:0 colour image: 1.5 bytes a pixel), four per pixel for CMYK; a progressive frame also keeps every
// coefficient until the end, 4 bytes a sample.
func jpegDecodeCost(comps []byte, progressive bool) int64 {
	n := len(comps) / 3
	if n == 0 {
		return 0
	}
	var hmax, vmax int64 = 1, 1
	for i := range n {
		hmax, vmax = max(hmax, int64(comps[3*i+1]>>4)), max(vmax, int64(comps[3*i+1]&0x0f))
	}
	var samples8 int64 // samples per pixel, in eighths
	for i := range n {
		samples8 += 8 * int64(comps[3*i+1]>>4) * int64(comps[3*i+1]&0x0f) / (hmax * vmax)
	}
	cost := samples8
	if n == 4 {
		cost = 32
	}
	if progressive {
		cost += 4 * samples8
	}
	return cost
}
