// Package media decides whether a resident's photo is one we accept, reads what we need from its
// header (size, EXIF orientation, GPS position, time taken) without decoding the pixels, and makes
// the metadata-free JPEG renditions that are shown to staff and to the public.
//
// Inspect works on a stream: it peeks at a bounded prefix and hands back a reader that replays that
// prefix and then the rest, so an upload goes to storage without ever being held whole in memory.
// Derive decodes the pixels and is meant to run off the request path.
//
// What the header reading does not reach: a WebP's EXIF chunk comes after its image data and a HEIC's
// Exif item usually lies in mdat, so their GPS position and time are found only when they sit within
// the first MaxPeek bytes; a HEIC whose meta box is not there (mdat first) is refused as corrupt.
//
// HEIC is decoded by libheif's heif-convert (Debian package libheif-examples), run as a separate
// program in a temporary directory; Go has no HEVC decoder. Renditions carry no colour profile, so a
// photo in Display P3 (as iPhones take them) shows a little duller than the original.
package media

import (
	"errors"
	"time"
)

// Type is an accepted image format, decided from the bytes, never from a file name or header.
type Type string

// The accepted formats.
const (
	JPEG Type = "jpeg"
	PNG  Type = "png"
	WebP Type = "webp"
	HEIC Type = "heic"
)

// ContentType returns the media type to store and serve the original with, or "" for an unknown Type.
func (t Type) ContentType() string {
	switch t {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	case WebP:
		return "image/webp"
	case HEIC:
		return "image/heic"
	}
	return ""
}

// Defaults for Inspector.
const (
	DefaultMaxBytes  = 15 << 20   // 15 MiB per photo
	DefaultMaxPixels = 50_000_000 // 50 megapixels; larger headers are treated as decompression bombs
	// DefaultMaxDecodeBytes bounds the memory decoding one photo takes (Info.DecodeBytes): a 50 MP
	// baseline JPEG (75 MB), a 12 MP progressive one (90 MB) or a 48 MP HEIC (218 MB) fit; a 7000 × 7000
	// 16-bit RGBA PNG (392 MB) does not.
	DefaultMaxDecodeBytes = 256 << 20
)

// Errors returned by Inspect and Derive, tested with errors.Is. The returned errors usually wrap
// these with detail that is for logs, not for residents.
var (
	// ErrUnsupportedType: the bytes are not a JPEG, PNG, WebP or HEIC image we can handle.
	ErrUnsupportedType = errors.New("media: unsupported image type")
	// ErrTooManyPixels: the header declares more pixels than allowed.
	ErrTooManyPixels = errors.New("media: image has too many pixels")
	// ErrTooMuchMemory: decoding the image would take more memory than allowed (its pixels times the
	// bytes each takes once decoded, read from the header).
	ErrTooMuchMemory = errors.New("media: image needs too much memory to decode")
	// ErrCorrupt: the header (or, in Derive, the image data) cannot be read.
	ErrCorrupt = errors.New("media: corrupt image")
	// ErrTooLarge: more bytes than allowed flowed through the stream.
	ErrTooLarge = errors.New("media: image too large")
	// ErrNoHEICDecoder: a HEIC rendition was asked for but no heif-convert program is configured or found.
	ErrNoHEICDecoder = errors.New("media: no HEIC decoder available")
)

// LatLng is a WGS 84 position in decimal degrees, north and east positive.
type LatLng struct {
	Lat, Lng float64
}

// Info is what Inspect learns from a photo's header.
type Info struct {
	Type        Type
	ContentType string
	// Width and Height are those of the stored pixels, before Orientation is applied.
	Width, Height int
	// GPS is the EXIF position, nil when absent, malformed or exactly 0,0.
	GPS *LatLng
	// Orientation is the EXIF orientation, 1 to 8; 1 (as stored) when absent or invalid.
	// For HEIC it comes from the irot property instead, as HEIF readers ignore the EXIF tag there;
	// imir (mirroring, which no phone writes) is not read.
	Orientation int
	// TakenAt is EXIF DateTimeOriginal, zero when absent or malformed.
	TakenAt time.Time
	// DecodeBytes is the memory that decoding the pixels takes, estimated from the header: the decoded
	// image (bytes per pixel by format, bit depth, colour type and chroma subsampling), plus a progressive
	// JPEG's coefficients, an interlaced PNG's passes, and for HEIC the decoder process's RGB copy.
	DecodeBytes int64
}

// DisplaySize returns the width and height as the photo is meant to be seen, after Orientation.
func (i Info) DisplaySize() (width, height int) {
	if i.Orientation >= 5 && i.Orientation <= 8 {
		return i.Height, i.Width
	}
	return i.Width, i.Height
}
