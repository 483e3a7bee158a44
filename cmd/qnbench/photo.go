package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net/textproto"
)

// photo is a generated JPEG and how it was made.
type photo struct {
	bytes         []byte
	width, height int
	quality       int
}

func (p photo) String() string {
	return fmt.Sprintf("%d×%d JPEG q%d of %d bytes (%.2f MiB)", p.width, p.height, p.quality, len(p.bytes), mb(int64(len(p.bytes))))
}

// noisyJPEG makes a w×h 4:2:0 JPEG: soft waves plus Gaussian grain of sigma grey levels in every channel, so
// it compresses like a real, detailed phone photo (JPEG cannot squeeze noise) instead of to almost nothing.
// The seed is fixed, so the bytes (and their size) are the same on every run.
func noisyJPEG(w, h, quality int, sigma float64) (photo, error) {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(7, 11))
	clamp := func(v float64) uint8 { return uint8(max(0, min(255, v))) }
	for y := range h {
		for x := range w {
			img.Y[y*img.YStride+x] = clamp(128 + 50*math.Sin(float64(x)/97)*math.Cos(float64(y)/53) + rng.NormFloat64()*sigma)
		}
	}
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			img.Cb[y*img.CStride+x] = clamp(128 + 30*math.Sin(float64(x+y)/200) + rng.NormFloat64()*sigma/2)
			img.Cr[y*img.CStride+x] = clamp(128 + 30*math.Cos(float64(x-y)/150) + rng.NormFloat64()*sigma/2)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return photo{}, err
	}
	return photo{bytes: buf.Bytes(), width: w, height: h, quality: quality}, nil
}

// The photos the sections send: ~2 MB (a typical phone photo after the app's resize) and ~10 MB (a full
// 12 MP original).
func intakePhoto() (photo, error) { return noisyJPEG(2000, 1500, 92, 20) }
func bigPhoto() (photo, error)    { return noisyJPEG(4000, 3000, 95, 20) }

// reportJSON is the `report` part: a pothole in Phường Bãi Cháy with the device's position.
var reportJSON = func() []byte {
	b, _ := json.Marshal(map[string]any{
		"category":    "road_damage",
		"description": "Ổ gà lớn giữa đường, xe máy dễ ngã khi trời tối.",
		"location":    map[string]any{"lat": 20.955, "lng": 107.045, "accuracy_m": 8},
	})
	return b
}()

// reportBody is a multipart/form-data body as the app sends it: the `report` JSON part first, then one
// `photo` part per photo.
func reportBody(photos ...[]byte) (contentType string, body []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part := func(name, filename, ct string, b []byte) {
		h := textproto.MIMEHeader{}
		disp := fmt.Sprintf(`form-data; name="%s"`, name)
		if filename != "" {
			disp += fmt.Sprintf(`; filename="%s"`, filename)
		}
		h.Set("Content-Disposition", disp)
		h.Set("Content-Type", ct)
		pw, _ := w.CreatePart(h) // writes to a bytes.Buffer: cannot fail
		_, _ = pw.Write(b)
	}
	part("report", "", "application/json", reportJSON)
	for i, p := range photos {
		part("photo", fmt.Sprintf("IMG_%04d.jpg", i+1), "image/jpeg", p)
	}
	_ = w.Close()
	return w.FormDataContentType(), buf.Bytes()
}
