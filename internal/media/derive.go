package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
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
	// Scaler bridges the last reduction, a ratio under 2; nil means draw.ApproxBiLinear.
	// draw.CatmullRom is sharper but about three times slower, with a scratch buffer of around 200 MB
	// for a 12 MP photo (see BenchmarkDerive2MB).
	Scaler draw.Scaler
	// HeifConvert is the path (or a name looked up in PATH) of libheif's heif-convert, used to
	// decode HEIC; "" means HEIC cannot be rendered and Derive fails with ErrNoHEICDecoder.
	HeifConvert string
	// TempDir holds the HEIC and its decoded copy during conversion; "" means os.TempDir().
	TempDir string
	// Budget, when set, is shared by the renders of a process: each waits for the memory it needs.
	Budget *RenderBudget
}

// Rendition is a JPEG made from a photo's decoded pixels: it carries no EXIF, XMP or ICC metadata,
// hence no GPS position, device or owner, and needs no orientation tag.
type Rendition struct {
	JPEG          []byte
	Width, Height int
	// Pixels are the thumbnail's decoded pixels (upright), for fingerprinting it without decoding the JPEG
	// again; nil for the public rendition.
	Pixels *image.RGBA
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
// HeifConvert, or ctx's error when heif-convert is cancelled or ctx ends while waiting for the Budget.
func (o DeriveOptions) Derive(ctx context.Context, r io.Reader) (public, thumb Rendition, err error) {
	info, rr, err := o.Inspect(r)
	if err != nil {
		return public, thumb, err
	}
	side, thumbSide, quality := o.PublicSide, o.ThumbSide, o.Quality
	if side <= 0 {
		side = DefaultPublicSide
	}
	if o.Budget != nil {
		// The renditions: the public one at most side², turned upright in a copy, in RGBA.
		px := min(int64(info.Width)*int64(info.Height), int64(side)*int64(side))
		release, err := o.Budget.Acquire(ctx, info.DecodeBytes+2*4*px)
		if err != nil {
			return public, thumb, err
		}
		defer release()
	}
	src, orientation, err := o.decode(ctx, info, rr)
	if err != nil {
		return public, thumb, err
	}
	if thumbSide <= 0 {
		thumbSide = DefaultThumbSide
	}
	if quality <= 0 || quality > 100 {
		quality = DefaultQuality
	}
	scaler := o.Scaler
	if scaler == nil {
		scaler = draw.ApproxBiLinear
	}

	up := orient(resize(src, side, scaler), orientation)
	small := resize(up, thumbSide, scaler)
	if public, err = encode(up, quality); err != nil {
		return Rendition{}, Rendition{}, err
	}
	if thumb, err = encode(small, quality); err != nil {
		return Rendition{}, Rendition{}, err
	}
	thumb.Pixels = small
	return public, thumb, nil
}

// Upright inspects and decodes the photo read from r and returns its pixels upright, the long side at most
// side, as Derive's thumbnail would have them. It fails as Derive does.
func (o DeriveOptions) Upright(ctx context.Context, r io.Reader, side int) (*image.RGBA, error) {
	info, rr, err := o.Inspect(r)
	if err != nil {
		return nil, err
	}
	src, orientation, err := o.decode(ctx, info, rr)
	if err != nil {
		return nil, err
	}
	scaler := o.Scaler
	if scaler == nil {
		scaler = draw.ApproxBiLinear
	}
	return orient(resize(src, side, scaler), orientation), nil
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

// resize returns src as RGBA, scaled down so that its long side is at most side; transparency is
// composed over white, since JPEG has none.
//
// A reduction by 2 or more first averages k×k blocks, a band of k rows at a time, so that scaler
// only ever bridges a ratio under 2 (where bilinear sampling misses no pixel) and never needs a
// full-size RGBA copy of the source: a 12 MP JPEG stays in its decoded YCbCr form. This matters for
// draw.CatmullRom, whose scratch space is 32 bytes × destination width × source height.
func resize(src image.Image, side int, scaler draw.Scaler) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	long := max(w, h)
	flatten := !opaque(src)
	if long > side {
		w = max(1, (w*side+long/2)/long)
		h = max(1, (h*side+long/2)/long)
	}
	if k := long / side; k >= 2 {
		src = boxReduce(src, k)
		b = src.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
	} else {
		scaler.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	}
	if flatten {
		onWhite(dst)
	}
	return dst
}

// boxReduce averages each k×k block of src (partial blocks at the edges too) into one pixel.
func boxReduce(src image.Image, k int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := (w+k-1)/k, (h+k-1)/k
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	band := image.NewRGBA(image.Rect(0, 0, w, k))
	sums := make([]uint32, 4*ow)
	for oy := range oh {
		y0 := b.Min.Y + oy*k
		rows := min(k, b.Max.Y-y0)
		draw.Draw(band, image.Rect(0, 0, w, rows), src, image.Pt(b.Min.X, y0), draw.Src)
		clear(sums)
		for r := range rows {
			row := band.Pix[r*band.Stride : r*band.Stride+4*w]
			for ox := range ow {
				s := sums[4*ox : 4*ox+4 : 4*ox+4]
				px := row[4*ox*k : 4*min(w, (ox+1)*k)]
				for i := 0; i+4 <= len(px); i += 4 {
					s[0] += uint32(px[i])
					s[1] += uint32(px[i+1])
					s[2] += uint32(px[i+2])
					s[3] += uint32(px[i+3])
				}
			}
		}
		out := dst.Pix[oy*dst.Stride : oy*dst.Stride+4*ow]
		for ox := range ow {
			n := uint32(rows * (min(w, (ox+1)*k) - ox*k))
			for c := range 4 {
				out[4*ox+c] = uint8((sums[4*ox+c] + n/2) / n)
			}
		}
	}
	return dst
}

// onWhite composes premultiplied RGBA pixels over an opaque white background.
func onWhite(img *image.RGBA) {
	for i := 0; i+4 <= len(img.Pix); i += 4 {
		p := img.Pix[i : i+4 : i+4]
		t := 255 - p[3]
		p[0], p[1], p[2], p[3] = p[0]+t, p[1]+t, p[2]+t, 255
	}
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
