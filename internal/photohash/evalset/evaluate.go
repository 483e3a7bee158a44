package evalset

import (
	"fmt"

	"github.com/quangninh/feedback/internal/photohash"
)

// Sample is one photo of the set and its fingerprint: a scene as it is, or one of its variants.
type Sample struct {
	Scene       string
	Change      *Change // nil: the scene itself
	Fingerprint photohash.Fingerprint
}

// Samples fingerprints each scene and `variants` variants of it, drawn from seeds derived from seed.
func Samples(scenes []Scene, variants int, seed uint64) ([]Sample, error) {
	var out []Sample
	for si, s := range scenes {
		out = append(out, Sample{Scene: s.Name, Fingerprint: photohash.Of(s.Image)})
		for v := range variants {
			c := RandomChange(seed + uint64(si)*1000 + uint64(v))
			img, err := c.Apply(s.Image)
			if err != nil {
				return nil, fmt.Errorf("variant %d of %s: %w", v, s.Name, err)
			}
			out = append(out, Sample{Scene: s.Name, Change: &c, Fingerprint: photohash.Of(img)})
		}
	}
	return out, nil
}

// Pair is two samples and their distance.
type Pair struct {
	A, B     *Sample
	Distance int
}

// Pairs returns every pair of samples, split into the same scene's (positives) and different scenes' (negatives).
func Pairs(samples []Sample) (positives, negatives []Pair) {
	for i := range samples {
		for j := i + 1; j < len(samples); j++ {
			p := Pair{A: &samples[i], B: &samples[j], Distance: photohash.Distance(samples[i].Fingerprint, samples[j].Fingerprint)}
			if p.A.Scene == p.B.Scene {
				positives = append(positives, p)
			} else {
				negatives = append(negatives, p)
			}
		}
	}
	return positives, negatives
}

// Score is how a threshold sorts the pairs: those at or under it are taken for the same scene.
type Score struct {
	Threshold                                 int
	Positives, Negatives                      int
	TruePositives, FalsePositives             int
	Precision, Recall                         float64
	LargestPositiveDistance, SmallestNegative int
}

// Evaluate scores the threshold on the pairs.
func Evaluate(positives, negatives []Pair, threshold int) Score {
	s := Score{Threshold: threshold, Positives: len(positives), Negatives: len(negatives), SmallestNegative: photohash.MaxDistance}
	for _, p := range positives {
		if p.Distance <= threshold {
			s.TruePositives++
		}
		s.LargestPositiveDistance = max(s.LargestPositiveDistance, p.Distance)
	}
	for _, p := range negatives {
		if p.Distance <= threshold {
			s.FalsePositives++
		}
		s.SmallestNegative = min(s.SmallestNegative, p.Distance)
	}
	if n := s.TruePositives + s.FalsePositives; n > 0 {
		s.Precision = float64(s.TruePositives) / float64(n)
	}
	if s.Positives > 0 {
		s.Recall = float64(s.TruePositives) / float64(s.Positives)
	}
	return s
}
