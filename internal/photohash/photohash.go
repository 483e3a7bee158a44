// Package photohash computes perceptual fingerprints of photos, so that two photos of the same scene (taken
// again, re-encoded by a messaging app, resized, cropped, brightened or tilted a little) can be told from
// photos of different scenes without comparing pixels.
//
// A fingerprint is a set of 64-bit DCT hashes (pHash): one of the whole frame and one of each of nine
// windows covering WindowScale of each side (at the corners, the edge middles and the centre). A DCT hash
// keeps the signs of the lowest spatial frequencies of the luminance against their median, so it survives
// JPEG, scaling, brightness and contrast changes and a few degrees of rotation, but not a shift of more than
// a few percent. The windows bring that to crops: a photo cropped by up to about 15% resembles one of the
// other's windows, and two photos cropped on opposite sides resemble each other's opposite windows.
package photohash

import (
	"encoding/hex"
	"errors"
	"image"
	"math"
	"math/bits"
	"slices"
)

// WindowScale is the share of each side the nine windows cover.
const WindowScale = 0.82

// windows is the number of hashes in a fingerprint: the whole frame, then the 3 × 3 windows row by row.
const windows = 10

// Fingerprint is a photo's perceptual fingerprint. The zero value is no fingerprint.
type Fingerprint [windows]uint64

// IsZero reports whether f is no fingerprint.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// String encodes f in hex (160 characters), the form it is stored in.
func (f Fingerprint) String() string {
	b := make([]byte, 0, 8*windows)
	for _, h := range f {
		for s := 56; s >= 0; s -= 8 {
			b = append(b, byte(h>>s))
		}
	}
	return hex.EncodeToString(b)
}

// ErrBadFingerprint: a string that String did not make.
var ErrBadFingerprint = errors.New("photohash: not a fingerprint")

// Parse decodes a String.
func Parse(s string) (Fingerprint, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 8*windows {
		return Fingerprint{}, ErrBadFingerprint
	}
	var f Fingerprint
	for i := range f {
		for _, c := range b[8*i : 8*i+8] {
			f[i] = f[i]<<8 | uint64(c)
		}
	}
	return f, nil
}

// MaxDistance is the largest Distance (the bits of one hash).
const MaxDistance = 64

// Distance is how different two fingerprints are, in bits, 0 (the same) to MaxDistance: the fewest
// differing bits between the whole frames, between a whole frame and a window of the other, or between
// opposite windows (left of one, right of the other). Each hash has 31 of its 63 bits set, so distances
// are even.
func Distance(a, b Fingerprint) int {
	d := bits.OnesCount64(a[0] ^ b[0])
	for i := 1; i < windows; i++ {
		d = min(d, bits.OnesCount64(a[0]^b[i]), bits.OnesCount64(a[i]^b[0]))
		// The window on the other side: row and column mirrored through the centre.
		d = min(d, bits.OnesCount64(a[i]^b[windows-i]))
	}
	return d
}

// Threshold is the largest Distance at which two photos are taken to show the same scene, and Unrelated
// the distance from which they are taken to be unrelated. Both were chosen on the evaluation set (package
// evalset; the figures are in docs/benchmarks.md): no pair of different scenes was within Threshold.
const (
	Threshold = 14
	Unrelated = 20
)

// Similarity maps a distance to 1 (the same photo) down to 0.5 at Threshold and 0 at Unrelated or beyond,
// so that it can be weighed against other evidence.
func Similarity(distance int) float64 {
	if distance <= Threshold {
		return 1 - 0.5*float64(distance)/Threshold
	}
	return max(0, 0.5*float64(Unrelated-distance)/(Unrelated-Threshold))
}

// Of computes the fingerprint of an image, which should be upright. Images of any size work; the work
// is done on a copy of at most workSide pixels a side, so a 400-pixel thumbnail is plenty.
func Of(img image.Image) Fingerprint {
	g := grey(img)
	var f Fingerprint
	if g.w == 0 || g.h == 0 {
		return f
	}
	full := rect{0, 0, float64(g.w), float64(g.h)}
	f[0] = dctHash(g, full)
	ww, wh := WindowScale*float64(g.w), WindowScale*float64(g.h)
	for i := range 9 {
		x := float64(i%3) * (float64(g.w) - ww) / 2
		y := float64(i/3) * (float64(g.h) - wh) / 2
		f[1+i] = dctHash(g, rect{x, y, x + ww, y + wh})
	}
	return f
}

// workSide bounds the grey copy's long side.
const workSide = 256

type greyImage struct {
	w, h int
	pix  []float64
}

type rect struct{ x0, y0, x1, y1 float64 }

// grey returns the luminance of img, box-reduced so its long side is at most workSide.
func grey(img image.Image) greyImage {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	k := max(1, (max(w, h)+workSide-1)/workSide)
	gw, gh := w/k, h/k
	g := greyImage{w: gw, h: gh, pix: make([]float64, gw*gh)}
	if gw == 0 || gh == 0 {
		return greyImage{}
	}
	n := float64(k * k)
	for gy := range gh {
		for gx := range gw {
			var s float64
			for y := b.Min.Y + gy*k; y < b.Min.Y+(gy+1)*k; y++ {
				for x := b.Min.X + gx*k; x < b.Min.X+(gx+1)*k; x++ {
					s += luma(img, x, y)
				}
			}
			g.pix[gy*gw+gx] = s / n
		}
	}
	return g
}

// luma is the Rec. 601 luminance of a pixel, 0-65535; fast paths for the images media makes and decodes.
func luma(img image.Image, x, y int) float64 {
	switch m := img.(type) {
	case *image.RGBA:
		i := m.PixOffset(x, y)
		p := m.Pix[i : i+3 : i+3]
		return 257 * (0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2]))
	case *image.YCbCr:
		return 257 * float64(m.Y[m.YOffset(x, y)])
	case *image.Gray:
		return 257 * float64(m.Pix[m.PixOffset(x, y)])
	}
	r, g, b, _ := img.At(x, y).RGBA()
	return 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)
}

// hashSide is the side of the square a window is sampled to before its DCT; hashFreqs the frequencies
// kept in each direction.
const (
	hashSide  = 32
	hashFreqs = 8
)

// dctBasis[u][x] is cos((2x+1)uπ / 2N), the DCT-II basis.
var dctBasis = func() (b [hashFreqs][hashSide]float64) {
	for u := range hashFreqs {
		for x := range hashSide {
			b[u][x] = math.Cos(float64(2*x+1) * float64(u) * math.Pi / (2 * hashSide))
		}
	}
	return b
}()

// dctHash samples r of g to hashSide × hashSide by averaging, takes the lowest hashFreqs × hashFreqs
// DCT coefficients but the constant one, and sets a bit for each above their median.
func dctHash(g greyImage, r rect) uint64 {
	var s [hashSide][hashSide]float64
	cw, ch := (r.x1-r.x0)/hashSide, (r.y1-r.y0)/hashSide
	for j := range hashSide {
		y0 := int(r.y0 + float64(j)*ch)
		y1 := max(y0+1, int(r.y0+float64(j+1)*ch))
		for i := range hashSide {
			x0 := int(r.x0 + float64(i)*cw)
			x1 := max(x0+1, int(r.x0+float64(i+1)*cw))
			var sum float64
			for y := y0; y < min(y1, g.h); y++ {
				row := g.pix[y*g.w : (y+1)*g.w]
				for x := x0; x < min(x1, g.w); x++ {
					sum += row[x]
				}
			}
			s[j][i] = sum / float64((y1-y0)*(x1-x0))
		}
	}
	// Rows first (hashSide × hashFreqs), then columns: the separable 2D DCT, only the kept frequencies.
	var rows [hashSide][hashFreqs]float64
	for j := range hashSide {
		for u := range hashFreqs {
			var c float64
			for x := range hashSide {
				c += s[j][x] * dctBasis[u][x]
			}
			rows[j][u] = c
		}
	}
	coef := make([]float64, 0, hashFreqs*hashFreqs)
	for v := range hashFreqs {
		for u := range hashFreqs {
			if u == 0 && v == 0 {
				continue
			}
			var c float64
			for y := range hashSide {
				c += rows[y][u] * dctBasis[v][y]
			}
			coef = append(coef, c)
		}
	}
	sorted := slices.Clone(coef)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	var h uint64
	for i, c := range coef {
		if c > median {
			h |= 1 << i
		}
	}
	return h
}
