package media

import (
	"encoding/binary"
	"fmt"
)

// HEIF brands (ISO/IEC 23008-12 and its HEVC annex). heic, heix, heim and heis are HEVC-coded still
// images; mif1 is any HEIF still image (HEVC, AV1 or JPEG coded), so for it the primary item's coding
// decides. hevc, hevx, hevm, hevs and msf1 are image sequences, which carry their pictures in tracks
// rather than items; a file with only those brands is refused.
var hevcImageBrands = map[string]bool{"heic": true, "heix": true, "heim": true, "heis": true}

// parseHEIF reads ftyp, then the top-level meta box: the primary item (pitm), its properties
// (ispe for the size, irot for the rotation) and, best effort, the Exif item when its bytes lie in
// the prefix. A meta box that does not end within MaxPeek bytes makes the header unreadable.
func parseHEIF(b []byte, final bool) (header, error) {
	h := header{typ: HEIC}
	var (
		brands []string
		hevc   bool
	)
	for i := 0; ; {
		if i+8 > len(b) {
			return h, shortOr(final, "heif: no meta box")
		}
		size, hdr := uint64(binary.BigEndian.Uint32(b[i:])), uint64(8)
		typ := string(b[i+4 : i+8])
		switch size {
		case 0: // to the end of the file: nothing of ours after it
			size = 1 << 62
		case 1:
			if i+16 > len(b) {
				return h, shortOr(final, "heif: truncated box header")
			}
			size, hdr = binary.BigEndian.Uint64(b[i+8:]), 16
		}
		if size < hdr {
			return h, fmt.Errorf("%w: heif: box %q of size %d", ErrCorrupt, typ, size)
		}
		if i == 0 {
			if typ != "ftyp" || size < 16 || size > 1024 {
				return h, fmt.Errorf("%w: heif: bad ftyp", ErrUnsupportedType)
			}
			if size > uint64(len(b)) {
				return h, shortOr(final, "heif: truncated ftyp")
			}
			for j := uint64(8); j+4 <= size; j += 4 {
				if j == 12 { // minor version
					continue
				}
				br := string(b[j : j+4])
				brands = append(brands, br)
				hevc = hevc || hevcImageBrands[br]
			}
			if !hevc && !contains(brands, "mif1") {
				return h, fmt.Errorf("%w: heif: brands %q", ErrUnsupportedType, brands)
			}
		}
		end := uint64(i) + size
		if typ == "meta" {
			if end > MaxPeek {
				return h, fmt.Errorf("%w: heif: meta box of %d bytes", ErrCorrupt, size)
			}
			if end > uint64(len(b)) {
				return h, shortOr(final, "heif: truncated meta box")
			}
			m, err := parseMeta(b[uint64(i)+hdr : end])
			if err != nil {
				return h, err
			}
			if !hevc && m.primaryType != "hvc1" && !(m.primaryType == "grid" && m.hasHEVC) {
				return h, fmt.Errorf("%w: heif: primary item coded as %q", ErrUnsupportedType, m.primaryType)
			}
			h.width, h.height, h.orientation, h.maxItemPixels = m.width, m.height, m.orientation, m.maxPixels
			if m.exifLen > 0 && m.exifOff < 1<<40 {
				start, stop := m.exifOff, m.exifOff+m.exifLen
				if m.exifInIdat {
					start, stop = start+m.idatAt+uint64(i)+hdr, stop+m.idatAt+uint64(i)+hdr
				}
				switch {
				case stop <= uint64(len(b)):
					h.exif = heifExif(b[start:stop])
				case !final && stop <= MaxPeek:
					return h, errShort
				}
			}
			return h, nil
		}
		if end > uint64(len(b)) || end > MaxPeek {
			return h, shortOr(final || end > MaxPeek, fmt.Sprintf("heif: box %q before meta runs past the prefix", typ))
		}
		i = int(end)
	}
}

// heifExif strips an Exif item's 4-byte offset to the TIFF header (ISO/IEC 23008-12 annex A).
func heifExif(b []byte) []byte {
	if len(b) < 4 {
		return nil
	}
	off := uint64(binary.BigEndian.Uint32(b))
	if 4+off > uint64(len(b)) {
		return nil
	}
	return trimExifPrefix(b[4+off:])
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// heifMeta is what parseMeta finds. Exif offsets are from the file start, or from the start of the
// idat body when exifInIdat; idatAt is where that body starts within the meta body.
type heifMeta struct {
	primaryType      string
	hasHEVC          bool
	width, height    int
	orientation      int
	maxPixels        int64
	exifOff, exifLen uint64
	exifInIdat       bool
	idatAt           uint64
}

// parseMeta reads the children of a meta box (a full box: the version and flags come first).
func parseMeta(b []byte) (heifMeta, error) {
	var m heifMeta
	if len(b) < 4 {
		return m, corruptHEIF("short meta")
	}
	var (
		primary  uint32
		havePitm bool
		types    = map[uint32]string{}
		exifID   uint32
		haveExif bool
		iloc     []byte
		props    [][]byte // ipco children, each with its 4-byte type first; index 1-based in ipma
		propType []string
		ipma     []byte
	)
	err := eachBox(b[4:], func(typ string, body []byte, at int) error {
		switch typ {
		case "pitm":
			v, r, ok := fullBox(body)
			if !ok {
				return corruptHEIF("short pitm")
			}
			id, _, ok := readID(r, v >= 1)
			if !ok {
				return corruptHEIF("short pitm")
			}
			primary, havePitm = id, true
		case "iinf":
			v, r, ok := fullBox(body)
			if !ok {
				return corruptHEIF("short iinf")
			}
			n := 2
			if v >= 1 {
				n = 4
			}
			if len(r) < n {
				return corruptHEIF("short iinf")
			}
			return eachBox(r[n:], func(typ string, body []byte, _ int) error {
				if typ != "infe" {
					return nil
				}
				v, r, ok := fullBox(body)
				if !ok || v < 2 {
					return nil // versions 0 and 1 have no item type: not a still image item
				}
				id, r, ok := readID(r, v >= 3)
				if !ok || len(r) < 6 {
					return corruptHEIF("short infe")
				}
				t := string(r[2:6])
				types[id] = t
				m.hasHEVC = m.hasHEVC || t == "hvc1"
				if t == "Exif" && !haveExif {
					exifID, haveExif = id, true
				}
				return nil
			})
		case "iloc":
			iloc = body
		case "idat":
			m.idatAt = uint64(at) + 4 // the meta box's version and flags came before
		case "iprp":
			return eachBox(body, func(typ string, body []byte, _ int) error {
				switch typ {
				case "ipco":
					return eachBox(body, func(typ string, body []byte, _ int) error {
						props, propType = append(props, body), append(propType, typ)
						return nil
					})
				case "ipma":
					if ipma == nil {
						ipma = body
					}
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return m, err
	}
	if !havePitm {
		return m, corruptHEIF("no primary item")
	}
	m.primaryType = types[primary]

	// Every ispe counts towards the pixel limit, since a decoder may decode every image.
	for k, t := range propType {
		if t != "ispe" {
			continue
		}
		w, h, ok := ispe(props[k])
		if ok {
			m.maxPixels = max(m.maxPixels, int64(w)*int64(h))
		}
	}
	m.orientation = 1 // HEIF readers ignore the EXIF orientation: only irot (and imir) count
	assoc, err := associations(ipma, primary)
	if err != nil {
		return m, err
	}
	for _, k := range assoc {
		if k == 0 || int(k) > len(props) {
			continue
		}
		switch propType[k-1] {
		case "ispe":
			if w, h, ok := ispe(props[k-1]); ok {
				m.width, m.height = int(w), int(h)
			}
		case "irot":
			if len(props[k-1]) >= 1 {
				// Anticlockwise quarter turns to display, as the EXIF orientation that means the same.
				m.orientation = [4]int{1, 8, 3, 6}[props[k-1][0]&3]
			}
		}
	}
	if m.width == 0 {
		return m, corruptHEIF("primary item has no ispe")
	}
	if haveExif && iloc != nil {
		m.exifOff, m.exifLen, m.exifInIdat = locate(iloc, exifID)
	}
	return m, nil
}

func corruptHEIF(what string) error { return fmt.Errorf("%w: heif: %s", ErrCorrupt, what) }

// eachBox calls fn for each box that b holds, with its type, body and the body's offset in b.
// Boxes must lie wholly within b.
func eachBox(b []byte, fn func(typ string, body []byte, at int) error) error {
	for i := 0; i < len(b); {
		if len(b)-i < 8 {
			return corruptHEIF("truncated box")
		}
		size, hdr := uint64(binary.BigEndian.Uint32(b[i:])), uint64(8)
		switch size {
		case 0:
			size = uint64(len(b) - i)
		case 1:
			if len(b)-i < 16 {
				return corruptHEIF("truncated box")
			}
			size, hdr = binary.BigEndian.Uint64(b[i+8:]), 16
		}
		if size < hdr || size > uint64(len(b)-i) {
			return corruptHEIF("box overruns its parent")
		}
		start := i + int(hdr)
		if err := fn(string(b[i+4:i+8]), b[start:i+int(size)], start); err != nil {
			return err
		}
		i += int(size)
	}
	return nil
}

// fullBox splits a full box body into its version and the rest, skipping the flags.
func fullBox(b []byte) (version byte, rest []byte, ok bool) {
	if len(b) < 4 {
		return 0, nil, false
	}
	return b[0], b[4:], true
}

// readID reads a 16-bit item ID, or a 32-bit one when wide.
func readID(b []byte, wide bool) (uint32, []byte, bool) {
	if wide {
		if len(b) < 4 {
			return 0, nil, false
		}
		return binary.BigEndian.Uint32(b), b[4:], true
	}
	if len(b) < 2 {
		return 0, nil, false
	}
	return uint32(binary.BigEndian.Uint16(b)), b[2:], true
}

func ispe(b []byte) (w, h uint32, ok bool) {
	_, r, ok := fullBox(b)
	if !ok || len(r) < 8 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(r), binary.BigEndian.Uint32(r[4:]), true
}

// associations returns the 1-based ipco indices that ipma associates with item id, in order.
func associations(b []byte, id uint32) ([]uint16, error) {
	v, r, ok := fullBox(b)
	if !ok || len(r) < 4 {
		return nil, corruptHEIF("no ipma")
	}
	flags := b[3]
	n := binary.BigEndian.Uint32(r)
	r = r[4:]
	for range n {
		item, rest, ok := readID(r, v >= 1)
		if !ok || len(rest) < 1 {
			return nil, corruptHEIF("short ipma")
		}
		count := int(rest[0])
		rest = rest[1:]
		width := 1
		if flags&1 != 0 {
			width = 2
		}
		if len(rest) < count*width {
			return nil, corruptHEIF("short ipma")
		}
		if item == id {
			out := make([]uint16, count)
			for k := range out {
				if width == 2 {
					out[k] = binary.BigEndian.Uint16(rest[2*k:]) & 0x7fff
				} else {
					out[k] = uint16(rest[k] & 0x7f)
				}
			}
			return out, nil
		}
		r = rest[count*width:]
	}
	return nil, nil
}

// locate finds item id's data in iloc. Only single-extent items stored in the file (construction
// method 0) or in idat (1) are found; ok is false otherwise. The offset is checked for overflow only:
// the caller bounds-checks it against the bytes it has.
func locate(b []byte, id uint32) (off, length uint64, inIdat bool) {
	v, r, ok := fullBox(b)
	if !ok || len(r) < 2 || v > 2 {
		return 0, 0, false
	}
	offSize, lenSize := int(r[0]>>4), int(r[0]&15)
	baseSize, idxSize := int(r[1]>>4), int(r[1]&15)
	if v == 0 {
		idxSize = 0
	}
	r = r[2:]
	var count uint32
	if v < 2 {
		if len(r) < 2 {
			return 0, 0, false
		}
		count, r = uint32(binary.BigEndian.Uint16(r)), r[2:]
	} else {
		if len(r) < 4 {
			return 0, 0, false
		}
		count, r = binary.BigEndian.Uint32(r), r[4:]
	}
	p := reader{b: r}
	idSize := 2
	if v == 2 {
		idSize = 4
	}
	for range count {
		item := uint32(p.uint(idSize))
		method := uint64(0)
		if v >= 1 {
			method = p.uint(2) & 15
		}
		p.uint(2) // data reference index
		base := p.uint(baseSize)
		extents := p.uint(2)
		if p.bad {
			return 0, 0, false
		}
		// Refuse counts the bytes cannot hold before looping: with all field sizes 0 an extent takes
		// no bytes, and 65535 of them per item would be a loop for nothing.
		per := uint64(idxSize + offSize + lenSize)
		if per == 0 || extents*per > uint64(len(p.b)) {
			return 0, 0, false
		}
		var eOff, eLen uint64
		for e := range extents {
			p.uint(idxSize)
			o, l := p.uint(offSize), p.uint(lenSize)
			if e == 0 {
				eOff, eLen = o, l
			}
			if p.bad {
				return 0, 0, false
			}
		}
		if item == id {
			if extents != 1 || method > 1 || base+eOff < base || eLen > MaxPeek {
				return 0, 0, false
			}
			return base + eOff, eLen, method == 1
		}
	}
	return 0, 0, false
}

// reader reads big-endian unsigned integers of 0, 2, 4 or 8 bytes; past the end it sets bad.
type reader struct {
	b   []byte
	bad bool
}

func (p *reader) uint(size int) uint64 {
	if p.bad || size == 0 {
		return 0
	}
	if (size != 2 && size != 4 && size != 8) || len(p.b) < size {
		p.bad = true
		return 0
	}
	var v uint64
	for _, c := range p.b[:size] {
		v = v<<8 | uint64(c)
	}
	p.b = p.b[size:]
	return v
}
