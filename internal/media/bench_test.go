package media_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/quangninh/feedback/internal/media"
)

// photo12MP is a 4000×3000 JPEG of about 2 MB, like a mid-range phone's, with the Hạ Long EXIF.
// Gradients, waves and grain give it a phone photo's entropy; it is made once per test binary.
var photo12MP = sync.OnceValues(func() ([]byte, error) {
	const w, h = 4000, 3000
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			v := 128 + 60*math.Sin(float64(x)/97)*math.Cos(float64(y)/53) + float64(x*40/w) + rng.NormFloat64()*6
			img.Y[y*img.YStride+x] = uint8(max(0, min(255, v)))
		}
	}
	for y := range h / 2 {
		for x := range w / 2 {
			img.Cb[y*img.CStride+x] = uint8(128 + 30*math.Sin(float64(x+y)/200))
			img.Cr[y*img.CStride+x] = uint8(128 + 30*math.Cos(float64(x-y)/150))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	tiff := append([]byte("Exif\x00\x00"), haLong.buildTIFF()...)
	seg := append([]byte{0xff, 0xe1, byte((len(tiff) + 2) >> 8), byte(len(tiff) + 2)}, tiff...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...), nil
})

func MustPhoto12MP(tb testing.TB) []byte {
	tb.Helper()
	b, err := photo12MP()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkInspect measures what Inspect adds to an upload: the peek and the header parse, not the
// streaming of the rest.
func BenchmarkInspect(b *testing.B) {
	photo := MustPhoto12MP(b)
	b.ReportMetric(float64(len(photo))/(1<<20), "MiB/photo")
	r := bytes.NewReader(photo)
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(photo)
		info, _, err := media.Inspect(r)
		if err != nil || info.GPS == nil {
			b.Fatal(info, err)
		}
	}
}

func BenchmarkDerive2MB(b *testing.B) {
	photo := MustPhoto12MP(b)
	for _, s := range []struct {
		name   string
		scaler draw.Scaler
	}{{"CatmullRom", draw.CatmullRom}, {"ApproxBiLinear", draw.ApproxBiLinear}} {
		b.Run(s.name, func(b *testing.B) {
			opts := media.DeriveOptions{Scaler: s.scaler}
			r := bytes.NewReader(photo)
			b.ReportAllocs()
			peak := watchHeap()
			for b.Loop() {
				r.Reset(photo)
				public, thumb, err := opts.Derive(context.Background(), r)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(public.JPEG)+len(thumb.JPEG))/1024, "KiB-out")
			}
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
		})
	}
}

// watchHeap samples the live heap every millisecond; the returned func stops it and reports the
// highest sample above the heap at the start (after a GC). Sampling can miss a short peak, so this
// is a floor, and B/op (everything allocated per Derive) a ceiling.
func watchHeap() (peak func() uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base, high := read(), uint64(0)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				high = max(high, read())
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		return max(high, base) - base
	}
}
