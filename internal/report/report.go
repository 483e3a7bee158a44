// Package report is the heart of the service: a resident's report of a problem, with its photos, location,
// routing decision and timeline, and the intake that receives it safely over bad mobile networks.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/photohash"
)

// Status is where a report stands in its life.
type Status string

// The statuses.
const (
	Received      Status = "received"
	Accepted      Status = "accepted"
	InProgress    Status = "in_progress"
	InfoRequested Status = "info_requested"
	Resolved      Status = "resolved"
	Closed        Status = "closed"
	Rejected      Status = "rejected"
	Reopened      Status = "reopened"
)

// Open reports whether the report still awaits handling (so a resident should follow it, not duplicate it).
func (s Status) Open() bool {
	switch s {
	case Received, Accepted, InProgress, InfoRequested, Reopened:
		return true
	}
	return false
}

// LocationSource says where a report's position came from.
type LocationSource string

// The sources.
const (
	FromDevice   LocationSource = "device"
	FromPhotoGPS LocationSource = "photo_exif"
)

// Location is a WGS84 position.
type Location struct {
	Lat, Lng  float64
	AccuracyM float64 // the phone's estimate; 0 when unknown
	Source    LocationSource
}

// PhotoState says whether a photo's public derivatives exist yet.
type PhotoState string

// The photo states.
const (
	PhotoProcessing PhotoState = "processing"
	PhotoReady      PhotoState = "ready"
	PhotoFailed     PhotoState = "failed"
)

// Photo is one image of a report. The original is private; the public image and thumbnail are derivatives
// with every piece of metadata stripped.
type Photo struct {
	ID          string
	OriginalKey string
	ContentType string
	Size        int64
	Digest      string // identifies the original's bytes (Spooled.Digest), or its upload slot
	Width       int
	Height      int
	PublicKey   string
	ThumbKey    string
	State       PhotoState
	After       bool // taken by an officer to show the resolution
	// Look is the perceptual fingerprint of the upright derivative (zero until the worker made it), which
	// finds other reports showing the same scene.
	Look photohash.Fingerprint
}

// Event is one entry of a report's timeline, which is only ever appended to.
type Event struct {
	At        time.Time
	Action    string
	ActorRole string
	ActorID   string
	AgencyID  string
	From, To  Status
	Note      string
	Assignee  string // assign: the staff member the ticket was given to
}

// Stamp is the one form of every time a report keeps and the API shows: UTC, to the millisecond (what
// MongoDB stores), so that an answer made from memory and one read back are the same bytes.
func Stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// Report is a resident's report.
type Report struct {
	ID             string
	Code           string
	ReporterID     string // "" once the reporter deleted their account, or for a partner's report without contact
	Partner        string // the Open311 partner that filed it, if any
	Category       string
	Description    string
	Address        string
	Location       Location
	PublishConsent bool
	Photos         []Photo
	Status         Status
	Routing        catalogue.Decision
	Timeline       []Event
	Followers      []string
	// Attributes answer the category's questions (catalogue.Attribute), by attribute code.
	Attributes map[string][]string
	Ticket     Ticket // deadlines and workflow state, kept in the same document
	// Outbox lists the timeline positions of recent events that people must be told about (pushes). It is
	// written with the change itself, in the same document, so a notice cannot be lost between the change
	// and its delivery; entries older than OutboxHorizon are dropped by the next change.
	Outbox []int
	// Fingerprint is the submission's: a digest of the draft and its photos. The same Idempotency-Key with
	// another draft is refused by comparing it (the key makes the report's ID, see ReportIDFor).
	Fingerprint string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Limits of a report.
const (
	MinDescription = 10
	MaxDescription = 4000
	MaxAddress     = 300
	MinPhotos      = 1
	MaxPhotos      = 6
	MaxPhotoBytes  = 15 << 20
)

// Draft is a report as the resident sent it, before photos are stored.
type Draft struct {
	Category       string
	Description    string
	Address        string
	Location       *Location // nil: take it from the first photo's EXIF
	PublishConsent bool
	UploadIDs      []string            // presigned uploads (JSON submissions)
	Attributes     map[string][]string // answers to the category's attributes, checked by the caller
	// OnBehalfOf is the resident a call-taker (TakenBy, a user ID) files the report for (hotline intake):
	// the report is theirs, photos are optional and the location is required. Both "" otherwise.
	OnBehalfOf string
	TakenBy    string
}

var htmlTag = regexp.MustCompile(`<\s*[/!?]?\s*[a-zA-Z]`)

// Check validates the draft's text and location fields and returns *fault.Invalid listing every problem.
// field names the JSON path prefix ("body." or "report.").
func (d *Draft) Check(prefix string) error {
	inv := &fault.Invalid{}
	d.Description = strings.TrimSpace(d.Description)
	d.Address = strings.TrimSpace(d.Address)
	n := utf8.RuneCountInString(d.Description)
	switch {
	case !utf8.ValidString(d.Description):
		inv.Add(prefix+"description", "must be valid UTF-8 text")
	case n < MinDescription || n > MaxDescription:
		inv.Add(prefix+"description", fmt.Sprintf("must be %d to %d characters (it has %d)", MinDescription, MaxDescription, n))
	case htmlTag.MatchString(d.Description):
		inv.Add(prefix+"description", "must be plain text: HTML is not accepted")
	}
	if utf8.RuneCountInString(d.Address) > MaxAddress {
		inv.Add(prefix+"address", fmt.Sprintf("must be at most %d characters", MaxAddress))
	} else if htmlTag.MatchString(d.Address) {
		inv.Add(prefix+"address", "must be plain text: HTML is not accepted")
	}
	if l := d.Location; l != nil {
		if math.IsNaN(l.Lat) || l.Lat < -90 || l.Lat > 90 {
			inv.Add(prefix+"location.lat", "must be between -90 and 90")
		}
		if math.IsNaN(l.Lng) || l.Lng < -180 || l.Lng > 180 {
			inv.Add(prefix+"location.lng", "must be between -180 and 180")
		}
		if l.AccuracyM < 0 || math.IsNaN(l.AccuracyM) {
			inv.Add(prefix+"location.accuracy_m", "must not be negative")
		}
	}
	if len(d.UploadIDs) > MaxPhotos {
		inv.Add(prefix+"photos", fmt.Sprintf("at most %d photos", MaxPhotos))
	}
	return inv.Err()
}

// fingerprint identifies the submission's content, so a retry with the same Idempotency-Key can be told
// from a different report sent with a reused key. photoHashes are the photos' digests (or upload IDs).
func (d *Draft) fingerprint(photoHashes []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%t\x00", d.Category, d.Description, d.Address, d.PublishConsent)
	if d.OnBehalfOf != "" {
		fmt.Fprintf(h, "for %s\x00", d.OnBehalfOf)
	}
	if d.Location != nil {
		fmt.Fprintf(h, "%.7f,%.7f,%.1f\x00", d.Location.Lat, d.Location.Lng, d.Location.AccuracyM)
	}
	for _, p := range photoHashes {
		fmt.Fprintf(h, "%s\x00", p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// FormatCode renders the short human code of the n-th report of a month: QN-YYMM-NNNNN.
func FormatCode(month time.Time, n int64) string {
	return fmt.Sprintf("QN-%s-%05d", month.Format("0601"), n)
}

// DistanceM is the distance in metres between two nearby positions (equirectangular approximation, exact
// enough within a few kilometres).
func DistanceM(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	x := (lng2 - lng1) * rad * math.Cos((lat1+lat2)/2*rad)
	y := (lat2 - lat1) * rad
	return r * math.Hypot(x, y)
}

// VisibleTo reports whether a resident may see the report in full: its reporter, or one of its followers.
func (r *Report) VisibleTo(userID string) (visible, following bool) {
	if userID == "" {
		return false, false
	}
	if r.ReporterID == userID {
		return true, false
	}
	for _, f := range r.Followers {
		if f == userID {
			return true, true
		}
	}
	return false, false
}
