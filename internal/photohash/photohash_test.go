package photohash_test

import (
	"image"
	"image/color"
	"testing"

	"github.com/quangninh/feedback/internal/photohash"
	"github.com/quangninh/feedback/internal/photohash/evalset"
)

func TestStringParse(t *testing.T) {
	sc, err := evalset.Scenes()
	if err != nil {
		t.Fatal(err)
	}
	f := photohash.Of(sc[0].Image)
	if f.IsZero() {
		t.Fatal("no fingerprint")
	}
	g, err := photohash.Parse(f.String())
	if err != nil || g != f {
		t.Fatalf("Parse(String()) = %v, %v; want %v", g, err, f)
	}
	for _, bad := range []string{"", "zz", f.String()[2:]} {
		if _, err := photohash.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestEmptyImageHasNoFingerprint(t *testing.T) {
	if f := photohash.Of(image.NewRGBA(image.Rect(0, 0, 0, 0))); !f.IsZero() {
		t.Errorf("fingerprint of an empty image: %v", f)
	}
	// A flat image still gets one (all its coefficients tie), and it matches itself.
	flat := image.NewUniform(color.Gray{128})
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.Set(x, y, flat.C)
		}
	}
	if d := photohash.Distance(photohash.Of(img), photohash.Of(img)); d != 0 {
		t.Errorf("distance to itself %d", d)
	}
}

func TestSimilarity(t *testing.T) {
	for _, c := range []struct {
		d    int
		want float64
	}{{0, 1}, {photohash.Threshold, 0.5}, {photohash.Unrelated, 0}, {photohash.MaxDistance, 0}} {
		if got := photohash.Similarity(c.d); got != c.want {
			t.Errorf("Similarity(%d) = %v, want %v", c.d, got, c.want)
		}
	}
}

// TestEvaluationSet holds the fingerprint to what it was chosen for: each scene of the set against three
// variants of itself (crop, rotation, brightness, contrast, size and JPEG quality changed at once), and
// every scene and variant against those of the other scenes.
func TestEvaluationSet(t *testing.T) {
	sc, err := evalset.Scenes()
	if err != nil {
		t.Fatal(err)
	}
	for i := range sc {
		sc[i] = sc[i].Smaller(400) // the size the worker fingerprints; quicker under -race
	}
	samples, err := evalset.Samples(sc, 3, 21)
	if err != nil {
		t.Fatal(err)
	}
	pos, neg := evalset.Pairs(samples)
	var ofScene []evalset.Pair
	for _, p := range pos {
		if p.A.Change == nil {
			ofScene = append(ofScene, p)
		}
	}
	s := evalset.Evaluate(ofScene, neg, photohash.Threshold)
	t.Logf("scene vs variant: %+v", s)
	if s.Precision < 0.95 || s.Recall < 0.75 {
		t.Errorf("scene vs its variants at threshold %d: precision %.3f, recall %.3f (want ≥ 0.95 and ≥ 0.75)", photohash.Threshold, s.Precision, s.Recall)
	}
	if all := evalset.Evaluate(pos, neg, photohash.Threshold); all.Recall < 0.65 {
		t.Errorf("any two photos of a scene: recall %.3f (want ≥ 0.65)", all.Recall)
	}
	for _, p := range pos {
		if p.A.Change == nil && p.Distance > photohash.Unrelated {
			t.Errorf("%s, %s: distance %d, beyond Unrelated", p.A.Scene, p.B.Change, p.Distance)
		}
	}
}
