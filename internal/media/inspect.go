package media

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxPeek is the most Inspect reads before deciding. It holds a JPEG's SOF behind several 64 KiB
// APP segments (EXIF with its thumbnail, ICC profile, MPF) and an iPhone HEIC's meta box.
const MaxPeek = 256 << 10

// firstPeek is the first read; most headers are found in it, so Inspect stays cheap per upload.
const firstPeek = 8 << 10

// Inspector checks photos against limits. The zero value uses the defaults.
type Inspector struct {
	MaxBytes  int64 // bytes allowed through the returned reader; 0 means DefaultMaxBytes
	MaxPixels int64 // width × height allowed; 0 means DefaultMaxPixels
	// MaxDecodeBytes is the memory decoding may take (Info.DecodeBytes); 0 means DefaultMaxDecodeBytes.
	MaxDecodeBytes int64
	Zone           *time.Location // zone of EXIF times that carry no offset; nil means UTC+7 (Vietnam)
}

// Inspect is Inspector{}.Inspect.
func Inspect(r io.Reader) (Info, io.Reader, error) { return Inspector{}.Inspect(r) }

// Inspect reads at most MaxPeek bytes of r and decides from them what the photo is, without
// decoding pixels. On success it returns the photo's Info and a reader that yields the whole photo
// (the peeked bytes, then the rest of r) and fails with ErrTooLarge once more than MaxBytes have
// flowed through it; the caller streams that reader to storage.
//
// It fails with ErrUnsupportedType when the bytes are not JPEG, PNG, WebP or HEIC, ErrTooManyPixels
// when the header declares more than MaxPixels, ErrTooMuchMemory when decoding them would take more than
// MaxDecodeBytes, ErrCorrupt when the header is truncated or unreadable
// (or not within MaxPeek bytes), ErrTooLarge when r is longer than MaxBytes and that shows within
// the peek, or with r's own read error. EXIF is best effort: malformed EXIF is ignored, not an error.
func (in Inspector) Inspect(r io.Reader) (Info, io.Reader, error) {
	maxBytes, maxPixels := in.MaxBytes, in.MaxPixels
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	lr := &capReader{r: r, left: maxBytes, max: maxBytes}

	var (
		buf []byte
		h   header
		err error
	)
	for size := firstPeek; ; size *= 2 {
		size = min(size, MaxPeek)
		var final bool
		buf, final, err = fill(lr, buf, size)
		if err != nil {
			return Info{}, nil, err
		}
		final = final || size == MaxPeek
		h, err = parseHeader(buf, final)
		if !errors.Is(err, errShort) {
			break
		}
		if final {
			return Info{}, nil, fmt.Errorf("%w: header not within the first %d bytes", ErrCorrupt, len(buf))
		}
	}
	if err != nil {
		return Info{}, nil, err
	}
	if h.width <= 0 || h.height <= 0 {
		return Info{}, nil, fmt.Errorf("%w: %s declares %d×%d pixels", ErrCorrupt, h.typ, h.width, h.height)
	}
	if px := max(int64(h.width)*int64(h.height), h.maxItemPixels); px > maxPixels {
		return Info{}, nil, fmt.Errorf("%w: %s of %d×%d declares an image of %d pixels, more than %d", ErrTooManyPixels, h.typ, h.width, h.height, px, maxPixels)
	}
	maxDecode := in.MaxDecodeBytes
	if maxDecode <= 0 {
		maxDecode = DefaultMaxDecodeBytes
	}
	decode := h.decodeBytes(max(int64(h.width)*int64(h.height), h.maxItemPixels))
	if decode > maxDecode {
		return Info{}, nil, fmt.Errorf("%w: %s of %d×%d needs %d MB decoded, more than %d MB", ErrTooMuchMemory, h.typ, h.width, h.height, decode>>20, maxDecode>>20)
	}
	info := Info{Type: h.typ, ContentType: h.typ.ContentType(), Width: h.width, Height: h.height, Orientation: 1, DecodeBytes: decode}
	zone := in.Zone
	if zone == nil {
		zone = vietnam
	}
	if h.exif != nil {
		x := parseEXIF(h.exif, zone)
		info.GPS, info.TakenAt = x.gps, x.takenAt
		if x.orientation >= 1 && x.orientation <= 8 {
			info.Orientation = x.orientation
		}
	}
	if h.typ == HEIC {
		info.Orientation = h.orientation
	}
	return info, io.MultiReader(bytes.NewReader(buf), lr), nil
}

var vietnam = time.FixedZone("ICT", 7*60*60)

// errShort means a parser ran off the end of the prefix and wants more bytes.
var errShort = errors.New("media: header continues past the prefix")

// header is what a format parser finds. exif is the TIFF structure ("II*\0" or "MM\0*" onward)
// when it lies within the prefix; for HEIC, orientation replaces the EXIF one.
type header struct {
	typ           Type
	width, height int
	exif          []byte
	orientation   int
	maxItemPixels int64 // the largest of all images in a HEIF file, which a decoder may decode too
	// bytesPerPixel8 is what decoding takes per pixel, in eighths of a byte (4:2:0 JPEG: 12); 0 means
	// the format's default (defaultBytesPerPixel8).
	bytesPerPixel8 int64
}

// defaultBytesPerPixel8 is decoding's cost per pixel (in eighths of a byte) when the parser found no
// better figure: a WebP other than plain lossy is decoded as lossless (8 bytes while it is converted); a
// HEIC is decoded by heif-convert (4:2:0 planes, then RGB: 4.5 bytes), whose 4:2:0 JPEG Go decodes after
// it exits (1.5).
var defaultBytesPerPixel8 = map[Type]int64{JPEG: 24, PNG: 32, WebP: 64, HEIC: 36}

// decodeBytes is the memory decoding px pixels takes.
func (h header) decodeBytes(px int64) int64 {
	b := h.bytesPerPixel8
	if b == 0 {
		b = defaultBytesPerPixel8[h.typ]
	}
	return px * b / 8
}

// fill grows buf to size bytes from r. final reports that r ended before that.
func fill(r io.Reader, buf []byte, size int) (_ []byte, final bool, _ error) {
	if cap(buf) < size {
		nb := make([]byte, len(buf), size)
		copy(nb, buf)
		buf = nb
	}
	n, err := io.ReadFull(r, buf[len(buf):size])
	buf = buf[:len(buf)+n]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return buf, true, nil
	case err != nil:
		return nil, false, err
	}
	return buf, false, nil
}

// parseHeader sniffs the format from its signature and hands the prefix to that format's parser.
// final means no more bytes will come.
func parseHeader(b []byte, final bool) (header, error) {
	sigs := []struct {
		sig   string
		at    int
		parse func([]byte, bool) (header, error)
	}{
		{"\xff\xd8\xff", 0, parseJPEG},
		{"\x89PNG\r\n\x1a\n", 0, parsePNG},
		{"RIFF", 0, parseRIFF},
		{"ftyp", 4, parseHEIF},
	}
	for _, s := range sigs {
		end := s.at + len(s.sig)
		if len(b) >= end && string(b[s.at:end]) == s.sig {
			return s.parse(b, final)
		}
	}
	if !final && len(b) < 12 {
		return header{}, errShort
	}
	if len(b) > 0 && len(b) < 8 && (bytes.HasPrefix([]byte("\xff\xd8\xff"), b) || bytes.HasPrefix([]byte("\x89PNG\r\n\x1a\n"), b)) {
		return header{}, fmt.Errorf("%w: only %d bytes", ErrCorrupt, len(b))
	}
	return header{}, ErrUnsupportedType
}

// capReader passes r through and fails with ErrTooLarge once more than max bytes flow.
type capReader struct {
	r         io.Reader
	left, max int64
	err       error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte more than allowed: getting it is how the overflow shows.
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	if int64(n) > c.left {
		n = int(c.left)
		c.left = 0
		c.err = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.max)
		return n, c.err
	}
	c.left -= int64(n)
	return n, err
}
