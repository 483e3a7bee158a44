package media

import (
	"encoding/binary"
	"fmt"
)

// parsePNG reads IHDR, which must come first, then looks for an eXIf chunk before IDAT.
func parsePNG(b []byte, final bool) (header, error) {
	h := header{typ: PNG}
	const sig = 8
	if len(b) < sig+8+13 {
		if final {
			return h, fmt.Errorf("%w: png: truncated before IHDR", ErrCorrupt)
		}
		return h, errShort
	}
	if binary.BigEndian.Uint32(b[sig:]) != 13 || string(b[sig+4:sig+8]) != "IHDR" {
		return h, fmt.Errorf("%w: png: first chunk is not IHDR", ErrCorrupt)
	}
	w, ht := binary.BigEndian.Uint32(b[sig+8:]), binary.BigEndian.Uint32(b[sig+12:])
	if w == 0 || ht == 0 || w > 1<<31-1 || ht > 1<<31-1 {
		return h, fmt.Errorf("%w: png: IHDR size %d×%d", ErrCorrupt, w, ht)
	}
	h.width, h.height = int(w), int(ht)
	h.bytesPerPixel8 = pngDecodeCost(b[sig+16], b[sig+17], b[sig+20])

	// EXIF is optional: whatever is not found within the prefix is simply not there for us.
	for i := sig + 8 + 13 + 4; ; {
		if i+8 > len(b) {
			return h, moreUpTo(uint64(i)+8, final)
		}
		n, typ := binary.BigEndian.Uint32(b[i:]), string(b[i+4:i+8])
		if typ == "IDAT" || typ == "IEND" {
			return h, nil
		}
		end := uint64(i) + 8 + uint64(n) + 4 // data and CRC
		if end > uint64(len(b)) {
			return h, moreUpTo(end, final)
		}
		if typ == "eXIf" {
			h.exif = trimExifPrefix(b[i+8 : i+8+int(n)])
			return h, nil
		}
		i = int(end)
	}
}

// moreUpTo asks for more bytes, for optional data that ends at byte end, unless none will come or
// that is past MaxPeek; then what was found stands.
func moreUpTo(end uint64, final bool) error {
	if final || end > MaxPeek {
		return nil
	}
	return errShort
}

// trimExifPrefix drops the "Exif\0\0" that some writers put before the TIFF header in PNG and WebP.
func trimExifPrefix(b []byte) []byte {
	if len(b) >= 6 && string(b[:6]) == "Exif\x00\x00" {
		return b[6:]
	}
	return b
}

// pngDecodeCost is what Go's PNG decoder takes per pixel, in eighths of a byte, for a bit depth, colour
// type and interlace method: grey becomes Gray or Gray16, a palette Paletted, the rest (N)RGBA or
// (N)RGBA64; an interlaced image is decoded pass by pass into images of its own, then copied whole.
func pngDecodeCost(depth, colourType, interlace byte) int64 {
	var b int64
	switch colourType {
	case 0: // grey
		b = 8
	case 3: // palette
		b = 8
	default: // RGB, grey with alpha, RGBA: 4 channels once decoded
		b = 32
	}
	if depth == 16 {
		b *= 2
	}
	if interlace != 0 {
		b *= 2
	}
	return b
}
