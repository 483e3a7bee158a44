// Package evalset is the labelled evaluation set of package photohash: real photographs (scenes/, with their
// sources and licences in scenes/README.md), each turned into same-scene variants the way phones and
// messaging apps change photos (a crop of up to 15% of each side, a few degrees of rotation, brightness and
// contrast, a smaller size, JPEG re-encoding, all combined), generated deterministically from a seed.
// Every pair of photos of the same scene should match; every pair of different scenes should not.
package evalset

import (
	"bytes"
	"embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"io/fs"
	"math"
	"math/rand/v2"
	"path"
	"strings"

	xdraw "golang.org/x/image/draw"
)

//go:embed scenes/*.jpg
var scenes embed.FS

// Scene is one photograph of the set.
type Scene struct {
	Name  string
	Image *image.RGBA
}

// Scenes decodes the set's photographs, in name order.
func Scenes() ([]Scene, error) {
	names, err := fs.Glob(scenes, "scenes/*.jpg")
	if err != nil {
		return nil, err
	}
	out := make([]Scene, 0, len(names))
	for _, n := range names {
		b, err := scenes.ReadFile(n)
		if err != nil {
			return nil, err
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", n, err)
		}
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
		out = append(out, Scene{Name: strings.TrimSuffix(path.Base(n), ".jpg"), Image: rgba})
	}
	return out, nil
}

// Smaller returns the scene with its long side at most side pixels (as the worker's thumbnails are), for
// quicker runs.
func (s Scene) Smaller(side int) Scene {
	b := s.Image.Bounds()
	long := max(b.Dx(), b.Dy())
	if long <= side {
		return s
	}
	dst := image.NewRGBA(image.Rect(0, 0, max(1, b.Dx()*side/long), max(1, b.Dy()*side/long)))
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), s.Image, b, xdraw.Src, nil)
	return Scene{Name: s.Name, Image: dst}
}

// Change is what a variant does to its scene, in this order.
type Change struct {
	CropLeft, CropRight, CropTop, CropBottom float64 // shares of the side cut off
	RotateDeg                                float64 // clockwise, about the centre of what is kept
	Brightness                               float64 // added to every channel, in 0-255 units
	Contrast                                 float64 // factor about mid-grey
	Scale                                    float64 // output size relative to what is kept
	Quality                                  int     // JPEG quality of the re-encoding
}

// Limits of the changes a variant draws.
const (
	MaxCrop      = 0.15 // of each side, split between its two edges
	MaxRotateDeg = 4
)

// RandomChange draws a change from seed: every change at once, each up to its limit.
func RandomChange(seed uint64) Change {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	cx, cy := r.Float64()*MaxCrop, r.Float64()*MaxCrop
	sx, sy := r.Float64(), r.Float64()
	return Change{
		CropLeft: cx * sx, CropRight: cx * (1 - sx), CropTop: cy * sy, CropBottom: cy * (1 - sy),
		RotateDeg:  (2*r.Float64() - 1) * MaxRotateDeg,
		Brightness: (2*r.Float64() - 1) * 40,
		Contrast:   0.7 + 0.6*r.Float64(),
		Scale:      0.4 + 0.6*r.Float64(),
		Quality:    40 + r.IntN(51),
	}
}

func (c Change) String() string {
	return fmt.Sprintf("crop l%.0f%% r%.0f%% t%.0f%% b%.0f%%, rotate %.1f°, brightness %+.0f, contrast ×%.2f, scale ×%.2f, JPEG q%d",
		100*c.CropLeft, 100*c.CropRight, 100*c.CropTop, 100*c.CropBottom, c.RotateDeg, c.Brightness, c.Contrast, c.Scale, c.Quality)
}

// Apply makes the variant of src and returns it decoded from its JPEG re-encoding.
func (c Change) Apply(src *image.RGBA) (image.Image, error) {
	b := src.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	x0, x1 := c.CropLeft*w, w-c.CropRight*w
	y0, y1 := c.CropTop*h, h-c.CropBottom*h
	ow := max(1, int(math.Round((x1-x0)*c.Scale)))
	oh := max(1, int(math.Round((y1-y0)*c.Scale)))
	cx, cy := (x0+x1)/2, (y0+y1)/2
	sin, cos := math.Sincos(c.RotateDeg * math.Pi / 180)
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	step := (x1 - x0) / float64(ow)
	// Each output pixel averages a small grid of samples of the source (no aliasing when shrinking).
	taps := max(1, int(math.Ceil(step)))
	for oy := range oh {
		for ox := range ow {
			var acc [3]float64
			for ty := range taps {
				for tx := range taps {
					px := x0 + (float64(ox)+(float64(tx)+0.5)/float64(taps))*step - cx
					py := y0 + (float64(oy)+(float64(ty)+0.5)/float64(taps))*step - cy
					sx, sy := cx+cos*px-sin*py, cy+sin*px+cos*py
					p := bilinear(src, sx, sy)
					for i := range 3 {
						acc[i] += p[i]
					}
				}
			}
			n := float64(taps * taps)
			var out [3]uint8
			for i := range 3 {
				v := (acc[i]/n-128)*c.Contrast + 128 + c.Brightness
				out[i] = uint8(math.Round(min(255, max(0, v))))
			}
			dst.SetRGBA(ox, oy, color.RGBA{out[0], out[1], out[2], 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: c.Quality}); err != nil {
		return nil, err
	}
	return jpeg.Decode(&buf)
}

// bilinear samples src at (x, y) in pixel-centre coordinates, clamping at the edges (a tilted camera sees
// a little more of the scene there; repeating the edge stands in for it).
func bilinear(src *image.RGBA, x, y float64) [3]float64 {
	b := src.Bounds()
	x, y = x-0.5, y-0.5
	fx, fy := math.Floor(x), math.Floor(y)
	ax, ay := x-fx, y-fy
	at := func(ix, iy int) []uint8 {
		ix = min(max(ix, 0), b.Dx()-1)
		iy = min(max(iy, 0), b.Dy()-1)
		i := src.PixOffset(b.Min.X+ix, b.Min.Y+iy)
		return src.Pix[i : i+3]
	}
	p00, p10 := at(int(fx), int(fy)), at(int(fx)+1, int(fy))
	p01, p11 := at(int(fx), int(fy)+1), at(int(fx)+1, int(fy)+1)
	var out [3]float64
	for i := range 3 {
		top := float64(p00[i])*(1-ax) + float64(p10[i])*ax
		bottom := float64(p01[i])*(1-ax) + float64(p11[i])*ax
		out[i] = top*(1-ay) + bottom*ay
	}
	return out
}
