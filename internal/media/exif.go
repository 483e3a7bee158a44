package media

import (
	"encoding/binary"
	"math"
	"strings"
	"time"
)

// EXIF tags we read. The pointers lead from IFD0 to the Exif and GPS IFDs; no other IFD (nor the
// IFD chain) is followed, so hostile pointers cannot make a loop.
const (
	tagOrientation        = 0x0112
	tagExifIFD            = 0x8769
	tagGPSIFD             = 0x8825
	tagDateTimeOriginal   = 0x9003
	tagOffsetTimeOriginal = 0x9011
	tagGPSLatitudeRef     = 0x0001
	tagGPSLatitude        = 0x0002
	tagGPSLongitudeRef    = 0x0003
	tagGPSLongitude       = 0x0004
)

// TIFF field types we read, and the size of one value of each.
const (
	typeByte      = 1
	typeASCII     = 2
	typeShort     = 3
	typeLong      = 4
	typeRational  = 5
	typeUndefined = 7
	typeSRational = 10
)

var typeSize = map[uint16]uint64{typeByte: 1, typeASCII: 1, typeShort: 2, typeLong: 4, typeRational: 8, typeUndefined: 1, typeSRational: 8}

// maxIFDEntries caps how many entries of one IFD are read; real IFDs have a few dozen.
const maxIFDEntries = 256

// exifData is what parseEXIF finds; zero values mean absent.
type exifData struct {
	orientation int
	gps         *LatLng
	takenAt     time.Time
}

// tiff is a TIFF structure with its byte order. Every read is bounds-checked against b.
type tiff struct {
	b     []byte
	order binary.ByteOrder
}

// entry is one IFD entry; value holds its bytes (inline or at its offset), already bounds-checked.
type entry struct {
	typ   uint16
	count uint32
	value []byte
}

// parseEXIF reads orientation, GPS position and DateTimeOriginal from a TIFF structure. It never
// fails: anything malformed is skipped. zone is used when the time carries no OffsetTimeOriginal.
func parseEXIF(b []byte, zone *time.Location) exifData {
	var x exifData
	if len(b) < 8 {
		return x
	}
	t := tiff{b: b}
	switch string(b[:4]) {
	case "II*\x00":
		t.order = binary.LittleEndian
	case "MM\x00*":
		t.order = binary.BigEndian
	default:
		return x
	}
	ifd0 := t.ifd(t.order.Uint32(b[4:]))
	if e, ok := ifd0[tagOrientation]; ok {
		if v, ok := t.uint(e); ok && v >= 1 && v <= 8 {
			x.orientation = int(v)
		}
	}
	if e, ok := ifd0[tagExifIFD]; ok {
		if off, ok := t.uint(e); ok {
			exif := t.ifd(off)
			x.takenAt = t.dateTime(exif[tagDateTimeOriginal], exif[tagOffsetTimeOriginal], zone)
		}
	}
	if e, ok := ifd0[tagGPSIFD]; ok {
		if off, ok := t.uint(e); ok {
			x.gps = t.gps(t.ifd(off))
		}
	}
	return x
}

// ifd reads the IFD at off into a map by tag, keeping the first of duplicate tags. It returns what
// it could read; an IFD out of bounds is empty.
func (t tiff) ifd(off uint32) map[uint16]entry {
	out := map[uint16]entry{}
	o := uint64(off)
	if o < 8 || o+2 > uint64(len(t.b)) {
		return out
	}
	n := min(int(t.order.Uint16(t.b[o:])), maxIFDEntries)
	for k := range n {
		p := o + 2 + uint64(k)*12
		if p+12 > uint64(len(t.b)) {
			break
		}
		e := t.b[p : p+12]
		tag, typ, count := t.order.Uint16(e), t.order.Uint16(e[2:]), t.order.Uint32(e[4:])
		size, known := typeSize[typ]
		if !known {
			continue
		}
		if _, dup := out[tag]; dup {
			continue
		}
		total := size * uint64(count) // cannot overflow: at most 8 × (2³² − 1)
		var v []byte
		if total <= 4 {
			v = e[8 : 8+total]
		} else {
			at := uint64(t.order.Uint32(e[8:]))
			if at+total > uint64(len(t.b)) {
				continue
			}
			v = t.b[at : at+total]
		}
		out[tag] = entry{typ: typ, count: count, value: v}
	}
	return out
}

// uint reads the first value of a SHORT or LONG entry.
func (t tiff) uint(e entry) (uint32, bool) {
	switch {
	case e.typ == typeShort && len(e.value) >= 2:
		return uint32(t.order.Uint16(e.value)), true
	case e.typ == typeLong && len(e.value) >= 4:
		return t.order.Uint32(e.value), true
	}
	return 0, false
}

// ascii reads an ASCII entry without its NUL terminator and surrounding spaces.
func ascii(e entry) string {
	if e.typ != typeASCII && e.typ != typeUndefined {
		return ""
	}
	s := string(e.value)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// dateTime parses "2006:01:02 15:04:05", in the zone of an OffsetTimeOriginal "+07:00" if present.
func (t tiff) dateTime(e, offset entry, zone *time.Location) time.Time {
	s := ascii(e)
	if s == "" {
		return time.Time{}
	}
	if off := ascii(offset); off != "" {
		if z, err := time.Parse("-07:00", off); err == nil {
			zone = z.Location()
		}
	}
	tm, err := time.ParseInLocation("2006:01:02 15:04:05", s, zone)
	if err != nil {
		return time.Time{}
	}
	return tm
}

// gps reads latitude and longitude with their N/S and E/W references. A position without both
// references, out of range, or exactly 0,0 (what some phones write without a fix) is no position.
func (t tiff) gps(ifd map[uint16]entry) *LatLng {
	lat, ok1 := t.degrees(ifd[tagGPSLatitude])
	lng, ok2 := t.degrees(ifd[tagGPSLongitude])
	latRef, lngRef := ascii(ifd[tagGPSLatitudeRef]), ascii(ifd[tagGPSLongitudeRef])
	if !ok1 || !ok2 {
		return nil
	}
	switch latRef {
	case "N":
	case "S":
		lat = -lat
	default:
		return nil
	}
	switch lngRef {
	case "E":
	case "W":
		lng = -lng
	default:
		return nil
	}
	if lat < -90 || lat > 90 || lng < -180 || lng > 180 || (lat == 0 && lng == 0) {
		return nil
	}
	return &LatLng{Lat: lat, Lng: lng}
}

// degrees reads three RATIONALs, degrees, minutes and seconds, as decimal degrees.
func (t tiff) degrees(e entry) (float64, bool) {
	if (e.typ != typeRational && e.typ != typeSRational) || e.count < 3 || len(e.value) < 24 {
		return 0, false
	}
	var dms [3]float64
	for k := range dms {
		num, den := t.order.Uint32(e.value[8*k:]), t.order.Uint32(e.value[8*k+4:])
		if den == 0 {
			return 0, false
		}
		if e.typ == typeSRational {
			dms[k] = float64(int32(num)) / float64(int32(den))
		} else {
			dms[k] = float64(num) / float64(den)
		}
		if dms[k] < 0 || math.IsNaN(dms[k]) {
			return 0, false
		}
	}
	return dms[0] + dms[1]/60 + dms[2]/3600, true
}
