package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Defaults for DeriveOptions.
const (
	DefaultPublicSide = 2048 // long side of the rendition shown in the apps and on the web
	DefaultThumbSide  = 400  // long side of the list thumbnail
	DefaultQuality    = 82   // JPEG quality of both renditions
)

// DeriveOptions says how to make renditions. The zero value uses the defaults and cannot render HEIC.
type DeriveOptions struct {
	// Inspector checks the original again before its pixels are decoded, so a stored object that
	// is not what was inspected at upload cannot get past the pixel limit.
	Inspector
	PublicSide int // 0 means DefaultPublicSide
	ThumbSide  int // 0 means DefaultThumbSide
	Quality    int // 0 means DefaultQuality
	// Scaler resamples; nil means draw.CatmullRom (see BenchmarkDerive2MB for the cost).
	Scaler draw.Scaler
	// HeifConvert is the path (or a name looked up in PATH) of libheif's heif-convert, used to
	// decode HEIC; "" means HEIC cannot be rendered and Derive fails with ErrNoHEICDecoder.
	HeifConvert string
	// TempDir holds the HEIC and its decoded copy during conversion; "" means os.TempDir().
	TempDir string
}

// Rendition is a JPEG made from a photo's decoded pixels: it carries no EXIF, XMP or ICC metadata,
// hence no GPS position, device or owner, and needs no orientation tag.
type Rendition struct {
	JPEG          []byte
	Width, Height int
}

// Derive is DeriveOptions{}.Derive.
func Derive(ctx context.Context, r io.Reader) (public, thumb Rendition, err error) {
	return DeriveOptions{}.Derive(ctx, r)
}

// Derive inspects and decodes the photo read from r, turns it upright per its orientation, and
// encodes a public rendition (long side at most PublicSide) and a thumbnail (long side at most
// ThumbSide) as JPEG. Photos smaller than a side are not enlarged; transparency becomes white.
//
// It fails with the errors of Inspect, with ErrCorrupt when the pixel data cannot be decoded,
// ErrUnsupportedType for a coding the decoder lacks, ErrNoHEICDecoder for HEIC without a usable
// HeifConvert, or ctx's error when heif-convert is cancelled.
func (o DeriveOptions) Derive(ctx context.Context, r io.Reader) (public, thumb Rendition, err error) {
	info, rr, err := o.Inspect(r)
	if err != nil {
		return public, thumb, err
	}
	src, orientation, err := o.decode(ctx, info, rr)
	if err != nil {
		return public, thumb, err
	}
	side, thumbSide, quality := o.PublicSide, o.ThumbSide, o.Quality
	if side <= 0 {
		side = DefaultPublicSide
	}
	if thumbSide <= 0 {
		thumbSide = DefaultThumbSide
	}
	if quality <= 0 || quality > 100 {
		quality = DefaultQuality
	}
	scaler := o.Scaler
	if scaler == nil {
		scaler = draw.CatmullRom
	}

	up := orient(resize(src, side, scaler), orientation)
	small := resize(up, thumbSide, scaler)
	if public, err = encode(up, quality); err != nil {
		return Rendition{}, Rendition{}, err
	}
	if thumb, err = encode(small, quality); err != nil {
		return Rendition{}, Rendition{}, err
	}
	return public, thumb, nil
}

// decode returns the photo's pixels and the orientation still to apply to them.
func (o DeriveOptions) decode(ctx context.Context, info Info, r io.Reader) (image.Image, int, error) {
	var (
		img image.Image
		err error
	)
	switch info.Type {
	case JPEG:
		img, err = jpeg.Decode(r)
	case PNG:
		img, err = png.Decode(r)
	case WebP:
		img, err = webp.Decode(r)
	case HEIC:
		// libheif applies irot and imir while decoding: what comes back is upright.
		img, err = o.decodeHEIC(ctx, r, info)
		if err != nil {
			return nil, 0, err
		}
		return img, 1, nil
	default:
		return nil, 0, fmt.Errorf("%w: %q", ErrUnsupportedType, info.Type)
	}
	if err != nil {
		return nil, 0, decodeError(info.Type, err)
	}
	if b := img.Bounds(); b.Dx() != info.Width || b.Dy() != info.Height {
		return nil, 0, fmt.Errorf("%w: %s decoded as %d×%d, header says %d×%d", ErrCorrupt, info.Type, b.Dx(), b.Dy(), info.Width, info.Height)
	}
	return img, info.Orientation, nil
}

// decodeError maps a decoder's error to ours, keeping ErrTooLarge and read errors as they are.
func decodeError(t Type, err error) error {
	var unsupported jpeg.UnsupportedError
	var pngUnsupported png.UnsupportedError
	switch {
	case errors.Is(err, ErrTooLarge):
		return err
	case errors.As(err, &unsupported), errors.As(err, &pngUnsupported):
		return fmt.Errorf("%w: %s: %v", ErrUnsupportedType, t, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrCorrupt, t, err)
}

// resize returns src as RGBA, scaled down so that its long side is at most side. Pixels that are
// not opaque are composed over white, since JPEG has no transparency.
func resize(src image.Image, side int, scaler draw.Scaler) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > side {
		w = max(1, (w*side+long/2)/long)
		h = max(1, (h*side+long/2)/long)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	op := draw.Src
	if !opaque(src) {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		op = draw.Over
	}
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, op)
	} else {
		scaler.Scale(dst, dst.Bounds(), src, b, op, nil)
	}
	return dst
}

func opaque(img image.Image) bool {
	o, ok := img.(interface{ Opaque() bool })
	return ok && o.Opaque()
}

// orient turns src upright for an EXIF orientation: 2 mirrors left-right, 3 turns half way, 4 mirrors
// top-bottom, 5 transposes, 6 turns a quarter clockwise, 7 transverses, 8 turns a quarter anticlockwise.
func orient(src *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		row := src.Pix[y*src.Stride : y*src.Stride+4*w]
		for x := range w {
			var dx, dy int
			switch orientation {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+4*dx:dy*dst.Stride+4*dx+4], row[4*x:4*x+4])
		}
	}
	return dst
}

func encode(img *image.RGBA, quality int) (Rendition, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return Rendition{}, fmt.Errorf("media: encode jpeg: %w", err)
	}
	return Rendition{JPEG: buf.Bytes(), Width: img.Rect.Dx(), Height: img.Rect.Dy()}, nil
}
