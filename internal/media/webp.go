package media

import (
	"encoding/binary"
	"fmt"
)

// parseRIFF reads a WebP's first chunk, VP8 (lossy), VP8L (lossless) or VP8X (extended), for the
// size. An extended file's EXIF chunk comes after the image data, so it is found only when the whole
// file fits in the prefix.
func parseRIFF(b []byte, final bool) (header, error) {
	h := header{typ: WebP}
	if len(b) < 12 {
		return h, shortOr(final, "webp: truncated RIFF header")
	}
	if string(b[8:12]) != "WEBP" {
		return h, fmt.Errorf("%w: RIFF form %q", ErrUnsupportedType, b[8:12])
	}
	const at = 12
	if len(b) < at+8+10 {
		return h, shortOr(final, "webp: truncated first chunk")
	}
	c := b[at+8:]
	switch string(b[at : at+4]) {
	case "VP8 ":
		// Frame tag (3 bytes, bit 0 clear for a key frame), start code 9d 01 2a, then 14-bit sizes.
		if c[0]&1 != 0 || c[3] != 0x9d || c[4] != 0x01 || c[5] != 0x2a {
			return h, fmt.Errorf("%w: webp: bad VP8 key frame header", ErrCorrupt)
		}
		h.width = int(binary.LittleEndian.Uint16(c[6:]) & 0x3fff)
		h.height = int(binary.LittleEndian.Uint16(c[8:]) & 0x3fff)
		h.bytesPerPixel8 = 12 // YCbCr 4:2:0
		return h, nil
	case "VP8L":
		if c[0] != 0x2f {
			return h, fmt.Errorf("%w: webp: bad VP8L signature", ErrCorrupt)
		}
		v := binary.LittleEndian.Uint32(c[1:])
		h.width = int(v&0x3fff) + 1
		h.height = int(v>>14&0x3fff) + 1
		return h, nil
	case "VP8X":
		flags := c[0]
		if flags&0x02 != 0 {
			return h, fmt.Errorf("%w: webp: animation", ErrUnsupportedType)
		}
		h.width = int(uint32(c[4])|uint32(c[5])<<8|uint32(c[6])<<16) + 1
		h.height = int(uint32(c[7])|uint32(c[8])<<8|uint32(c[9])<<16) + 1
		if flags&0x08 == 0 { // no EXIF
			return h, nil
		}
		return h, webpEXIF(b, &h, final)
	}
	return h, fmt.Errorf("%w: webp: first chunk %q", ErrCorrupt, b[at:at+4])
}

// webpEXIF walks the chunks after VP8X for EXIF, as far as the prefix goes.
func webpEXIF(b []byte, h *header, final bool) error {
	for i := 12; ; {
		if i+8 > len(b) {
			return moreUpTo(uint64(i)+8, final)
		}
		n := uint64(binary.LittleEndian.Uint32(b[i+4:]))
		end := uint64(i) + 8 + n + n&1 // chunks are padded to an even size
		if string(b[i:i+4]) == "EXIF" {
			if uint64(i)+8+n > uint64(len(b)) {
				return moreUpTo(uint64(i)+8+n, final)
			}
			h.exif = trimExifPrefix(b[i+8 : i+8+int(n)])
			return nil
		}
		if end > uint64(len(b)) {
			return moreUpTo(end, final)
		}
		i = int(end)
	}
}

// shortOr asks for more bytes, or when none will come reports the header as corrupt.
func shortOr(final bool, what string) error {
	if final {
		return fmt.Errorf("%w: %s", ErrCorrupt, what)
	}
	return errShort
}
