package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/photohash"
)

// Possible duplicates are found in spatial buckets: one document per grid cell of bucketSize degrees
// (about 333 m of latitude, 311 m of longitude in Quảng Ninh), holding a short entry for every open or
// recently ended report in it, with the fingerprints of its photos. A search reads the cell of the position
// and its eight neighbours by _id, which covers every point within SimilarRadiusM, and ranks what it finds.

// SimilarRadiusM is how far a report may be and still be offered as the same problem (photos taken from
// across a square or a road junction); NearbyRadiusM, closer, is enough when only the category agrees.
const SimilarRadiusM = 300

// RecentlyEnded is how long a resolved or closed report stays a candidate: a resident photographing the
// same pothole a week after its repair should see that it was repaired (and may reopen it).
const RecentlyEnded = 30 * 24 * time.Hour

// bucketSize is the grid step of the buckets in degrees; a bucket and its neighbours cover SimilarRadiusM
// at the province's latitude (cos 21.5° × 0.003° × 111 km = 310 m).
const bucketSize = 0.003

// bucketReachM is how far from a position its bucket and the eight neighbours reach at least: a bucket's
// width, in longitude at the province's northern edge (cos 21.7° × 0.003° × 111.2 km).
const bucketReachM = 309

// maxEntryPhotos bounds the fingerprints an entry keeps (the first photos: what the reporter saw first).
const maxEntryPhotos = 3

// Bucket returns the bucket of a position.
func Bucket(lat, lng float64) string {
	return fmt.Sprintf("%d:%d", int64(math.Floor(lat/bucketSize)), int64(math.Floor(lng/bucketSize)))
}

// NeighbourBuckets returns the bucket of a position and its eight neighbours.
func NeighbourBuckets(lat, lng float64) []string {
	y, x := int64(math.Floor(lat/bucketSize)), int64(math.Floor(lng/bucketSize))
	out := make([]string, 0, 9)
	for dy := int64(-1); dy <= 1; dy++ {
		for dx := int64(-1); dx <= 1; dx++ {
			out = append(out, fmt.Sprintf("%d:%d", y+dy, x+dx))
		}
	}
	return out
}

// BucketEntry is a report as its bucket holds it.
type BucketEntry struct {
	ReportID  string
	Code      string
	Category  string
	Lat, Lng  float64
	Status    Status
	CreatedAt time.Time
	EndedAt   time.Time // when it was resolved or closed; zero while open
	Photos    []photohash.Fingerprint
	ThumbKey  string // the first ready photo's thumbnail; "" while none is ready
	Version   int64  // the report's: a bucket keeps the newest it was given
	Gone      bool   // the report left the buckets (rejected, or ended long ago): the entry is removed
}

// Live reports whether the entry is still a candidate at now.
func (e BucketEntry) Live(now time.Time) bool {
	return !e.Gone && (e.Status.Open() || !e.EndedAt.IsZero() && now.Sub(e.EndedAt) < RecentlyEnded)
}

// EntryOf returns the bucket entry of a report.
func EntryOf(r Report, now time.Time) BucketEntry {
	e := BucketEntry{ReportID: r.ID, Code: r.Code, Category: r.Category, Lat: r.Location.Lat, Lng: r.Location.Lng,
		Status: r.Status, CreatedAt: r.CreatedAt, Version: r.Version}
	switch r.Status {
	case Resolved, Closed:
		e.EndedAt = r.Ticket.ResolvedAt
		if e.EndedAt.IsZero() {
			e.EndedAt = r.UpdatedAt
		}
	}
	for _, ph := range r.Photos {
		if ph.After || ph.State != PhotoReady {
			continue
		}
		if e.ThumbKey == "" {
			e.ThumbKey = ph.ThumbKey
		}
		if !ph.Look.IsZero() && len(e.Photos) < maxEntryPhotos {
			e.Photos = append(e.Photos, ph.Look)
		}
	}
	e.Gone = !e.Live(now)
	return e
}

// BucketStore keeps the buckets.
type BucketStore interface {
	// PutBucketEntry writes e into bucket (or removes it when e.Gone) unless the bucket holds a newer
	// version of the report, and drops the bucket's entries no longer Live at now.
	PutBucketEntry(ctx context.Context, bucket string, e BucketEntry, now time.Time) error
	// BucketEntries returns the entries of the buckets, read by _id.
	BucketEntries(ctx context.Context, buckets []string) ([]BucketEntry, error)
}

// Similar finds the reports that may show the same problem as a photo at a place.
type Similar struct {
	Store BucketStore
	Now   func() time.Time
}

// SimilarQuery is what a search compares against.
type SimilarQuery struct {
	Lat, Lng float64
	Category string                  // "" when unknown
	Photos   []photohash.Fingerprint // none: by place and category only
	Exclude  string                  // a report ID left out (the report itself)
	Before   time.Time               // when set, only reports made before it (originals of a report)
	Open     bool                    // only open reports (residents follow open reports)
	// PrecisionM, when set, gives a category's public location precision: each report is then measured
	// from its public point (jurisdiction.Snap), so that distances and scores tell a resident no more
	// than the public map will.
	PrecisionM func(category string) int
}

// Candidate is a report a search found, with the evidence.
type Candidate struct {
	Entry         BucketEntry
	DistanceM     float64
	PhotoDistance int // the closest of the photos' distances; -1 when there was nothing to compare
	SameCategory  bool
	Score         float64 // 0 to 1; see score
}

// PhotoMatch reports whether the photos are taken to show the same scene.
func (c Candidate) PhotoMatch() bool {
	return c.PhotoDistance >= 0 && c.PhotoDistance <= photohash.Threshold
}

// Score weights and the score from which a new report is linked to its likely original.
const (
	weightPhoto    = 0.5
	weightDistance = 0.25
	weightCategory = 0.15
	weightAge      = 0.10
	// ageHorizon is the age at which a report no longer gains from being recent.
	ageHorizon = 90 * 24 * time.Hour
	// AutoLinkScore: a report whose best candidate scores this much, with matching photos, is linked to it
	// for an officer to confirm. The photos decide (see photohash.Threshold); the score only leaves out
	// the far and the old: a photo just within the threshold, of another category, made today, must be
	// within 60 m; a near copy (4 bits) anywhere within SimilarRadiusM.
	AutoLinkScore = 0.55
	// maxCandidates bounds a search's answer.
	maxCandidates = 10
)

// score ranks a candidate: photo similarity first, then closeness, category and age.
func score(c Candidate, age time.Duration) float64 {
	s := weightDistance * max(0, 1-c.DistanceM/SimilarRadiusM)
	if c.PhotoDistance >= 0 {
		s += weightPhoto * photohash.Similarity(c.PhotoDistance)
	}
	if c.SameCategory {
		s += weightCategory
	}
	s += weightAge * max(0, 1-float64(age)/float64(ageHorizon))
	return math.Round(s*1000) / 1000
}

// Find returns up to ten candidates, best first: reports within SimilarRadiusM whose photos resemble the
// query's, and reports of the same category within NearbyRadiusM. It returns storage errors.
func (s *Similar) Find(ctx context.Context, q SimilarQuery) ([]Candidate, error) {
	entries, err := s.Store.BucketEntries(ctx, NeighbourBuckets(q.Lat, q.Lng))
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []Candidate{}
	for _, e := range entries {
		if e.ReportID == q.Exclude || !e.Live(now) || q.Open && !e.Status.Open() || !q.Before.IsZero() && !e.CreatedAt.Before(q.Before) {
			continue
		}
		at, radius := jurisdiction.Point{Lat: e.Lat, Lng: e.Lng}, float64(SimilarRadiusM)
		if q.PrecisionM != nil {
			p := float64(q.PrecisionM(e.Category))
			at = jurisdiction.Snap(at, p)
			// The entry is found only if its exact point is in the buckets read: within bucketReachM of
			// the query for sure only when its public point is within bucketReachM - p/√2. Farther, whether
			// it is found would tell about the exact point.
			radius = min(radius, bucketReachM-p/math.Sqrt2)
		}
		c := Candidate{Entry: e, DistanceM: DistanceM(q.Lat, q.Lng, at.Lat, at.Lng), PhotoDistance: -1,
			SameCategory: q.Category != "" && q.Category == e.Category}
		if c.DistanceM > radius {
			continue
		}
		for _, a := range q.Photos {
			for _, b := range e.Photos {
				if d := photohash.Distance(a, b); c.PhotoDistance < 0 || d < c.PhotoDistance {
					c.PhotoDistance = d
				}
			}
		}
		resembles := c.PhotoDistance >= 0 && c.PhotoDistance < photohash.Unrelated
		if !resembles && !(c.SameCategory && c.DistanceM <= NearbyRadiusM) {
			continue
		}
		c.Score = score(c, now.Sub(e.CreatedAt))
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		if a.Score != b.Score {
			return -cmpFloat(a.Score, b.Score)
		}
		return cmpFloat(a.DistanceM, b.DistanceM)
	})
	return out[:min(len(out), maxCandidates)], nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// OfReport returns the candidates for an existing report: open or recently ended reports other than
// itself, compared with its photos.
func (s *Similar) OfReport(ctx context.Context, r Report) ([]Candidate, error) {
	e := EntryOf(r, s.now())
	return s.Find(ctx, SimilarQuery{Lat: r.Location.Lat, Lng: r.Location.Lng, Category: r.Category, Photos: e.Photos, Exclude: r.ID})
}

// Sync puts the report's entry into its bucket (or takes it out). It returns storage errors.
func (s *Similar) Sync(ctx context.Context, r Report) error {
	now := s.now()
	if err := s.Store.PutBucketEntry(ctx, Bucket(r.Location.Lat, r.Location.Lng), EntryOf(r, now), now); err != nil {
		return fmt.Errorf("bucket entry of report %s: %w", r.ID, err)
	}
	return nil
}

// LikelyOriginal returns the candidate a new report is most likely a duplicate of: the best one made
// before it, when its photos match and it scores AutoLinkScore or more; ok is false when there is none.
func (s *Similar) LikelyOriginal(ctx context.Context, r Report) (c Candidate, ok bool, err error) {
	e := EntryOf(r, s.now())
	if len(e.Photos) == 0 {
		return c, false, nil
	}
	list, err := s.Find(ctx, SimilarQuery{Lat: r.Location.Lat, Lng: r.Location.Lng, Category: r.Category, Photos: e.Photos,
		Exclude: r.ID, Before: r.CreatedAt})
	if err != nil {
		return c, false, err
	}
	for _, c := range list {
		if c.PhotoMatch() && c.Score >= AutoLinkScore && c.Entry.Status != Rejected {
			return c, true, nil
		}
	}
	return c, false, nil
}

func (s *Similar) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
