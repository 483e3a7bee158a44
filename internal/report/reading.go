package report

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/jurisdiction"
)

// Reader is what residents' reads need from the store.
type Reader interface {
	Report(ctx context.Context, id string) (Report, error)
	// ReportsByReporter returns up to limit reports of the reporter, newest first, strictly after the
	// cursor position when after is set, optionally with one status.
	ReportsByReporter(ctx context.Context, reporterID string, status Status, after *Cursor, limit int) ([]Report, error)
	// Reports returns the reports with these IDs that exist, by ID.
	Reports(ctx context.Context, ids []string) (map[string]Report, error)
	AddFollower(ctx context.Context, id, userID string, now time.Time) error
	RemoveFollower(ctx context.Context, id, userID string, now time.Time) error
}

// Cursor is a position in a newest-first list.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// String encodes the cursor for a client.
func (c Cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixNano(), 10) + ":" + c.ID))
}

// ParseCursor decodes a client's cursor; *fault.Invalid for anything else.
func ParseCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		ts, id, ok := strings.Cut(string(b), ":")
		if n, perr := strconv.ParseInt(ts, 10, 64); ok && perr == nil && id != "" {
			return &Cursor{CreatedAt: time.Unix(0, n).UTC(), ID: id}, nil
		}
	}
	return nil, invalid("query.cursor", "is not a cursor this API gave out")
}

// Residents serves residents' reads.
type Residents struct {
	Store     Reader
	Similar   *Similar
	Looks     *UploadLooks
	Sensitive func(category string) bool // sensitive categories never appear in nearby searches
	// PrecisionM is a category's public location precision in metres (catalogue.Category.PublicPrecisionM):
	// nearby searches measure from it, followers see it (never finer than FollowerPrecisionM). Nil: exact.
	PrecisionM func(category string) int
	Now        func() time.Time
}

// Mine returns a page of the resident's own reports and the cursor of the next page ("" on the last).
func (rs *Residents) Mine(ctx context.Context, p auth.Principal, status Status, cursor string, limit int) ([]Report, string, error) {
	var after *Cursor
	if cursor != "" {
		var err error
		if after, err = ParseCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	list, err := rs.Store.ReportsByReporter(ctx, p.UserID, status, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[len(list)-1]
		next = Cursor{CreatedAt: last.CreatedAt, ID: last.ID}.String()
	}
	return list, next, nil
}

// Get returns a report as its reporter sees it, or a follower's view of it (FollowerView) with following
// set; fault.ErrNotFound for anyone else (never revealing that it exists).
func (rs *Residents) Get(ctx context.Context, p auth.Principal, id string) (Report, bool, error) {
	r, err := rs.Store.Report(ctx, id)
	if err != nil {
		return Report{}, false, err
	}
	ok, following := r.VisibleTo(p.UserID)
	if !ok {
		return Report{}, false, fault.New(fault.ErrNotFound, "no such report")
	}
	if following {
		return FollowerView(r, rs.precisionM(r.Category)), true, nil
	}
	return r, false, nil
}

func (rs *Residents) precisionM(category string) int {
	if rs.PrecisionM == nil {
		return 0
	}
	return rs.PrecisionM(category)
}

// FollowerPrecisionM is the finest a follower sees a report's location: enough to recognise the place
// the nearby search showed without pointing at a home, even for a category published exactly.
const FollowerPrecisionM = 100

// FollowerView is what a resident who follows someone else's report may read of it: its status and
// deadlines, the agency's public replies (public comments, the resolution's note and after photos), and
// what a nearby search shows anyway (category, description, code). The location is the centre of its
// grid cell at the category's public precision precisionM, or FollowerPrecisionM when that is finer (see
// jurisdiction.Snap). The reporter's address, photos, rating, exact location, and the notes of the
// exchanges between the reporter and the officers (requests for information, answers, disputes) are
// left out, as is who acted.
func FollowerView(r Report, precisionM int) Report {
	out := r
	out.Address = ""
	at := jurisdiction.Snap(jurisdiction.Point{Lat: r.Location.Lat, Lng: r.Location.Lng}, float64(max(precisionM, FollowerPrecisionM)))
	out.Location = Location{Lat: at.Lat, Lng: at.Lng, Source: r.Location.Source}
	out.Photos = nil
	for _, ph := range r.Photos {
		if ph.After {
			out.Photos = append(out.Photos, ph)
		}
	}
	out.Ticket.Rating, out.Ticket.RatingComment = 0, ""
	out.Timeline = nil
	for _, e := range r.Timeline {
		if e.Action == EventCommentInternal {
			continue
		}
		if e.Action != EventCommentPublic && e.Action != string(ActionResolve) {
			e.Note = ""
		}
		e.ActorID = ""
		out.Timeline = append(out.Timeline, e)
	}
	out.Followers = nil
	return out
}

// NearbyHit is an open report that may show the same problem, with the evidence.
type NearbyHit struct {
	Report Report
	Candidate
}

// NearbyQuery is a resident's search before filing.
type NearbyQuery struct {
	Category string
	Lat, Lng float64
	UploadID string // a photo uploaded to a presigned slot, not filed yet: "" for none
}

// NearbyRadiusM is how close a report of the same category must be to count as a possible duplicate when
// the photos do not tell (no photo yet, or photos of something else).
const NearbyRadiusM = 150

// Nearby returns the open reports that may be what the resident is about to report, best first (see
// Similar.Find): of the same category within NearbyRadiusM, or, with an uploaded photo, showing the same
// scene within SimilarRadiusM. Sensitive categories are never offered. It returns *fault.Invalid for an
// upload that is not the resident's or not a photo, and storage errors.
func (rs *Residents) Nearby(ctx context.Context, p auth.Principal, q NearbyQuery) ([]NearbyHit, error) {
	sensitive := func(c string) bool { return rs.Sensitive != nil && rs.Sensitive(c) }
	if sensitive(q.Category) {
		return []NearbyHit{}, nil
	}
	sq := SimilarQuery{Lat: q.Lat, Lng: q.Lng, Category: q.Category, Open: true, PrecisionM: rs.precisionM}
	if q.UploadID != "" {
		look, err := rs.Looks.Look(ctx, p, "query.upload_id", q.UploadID)
		if err != nil {
			return nil, err
		}
		sq.Photos = append(sq.Photos, look)
	}
	found, err := rs.Similar.Find(ctx, sq)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(found))
	for _, c := range found {
		ids = append(ids, c.Entry.ReportID)
	}
	reports, err := rs.Store.Reports(ctx, ids)
	if err != nil {
		return nil, err
	}
	hits := []NearbyHit{}
	for _, c := range found {
		// The bucket may lag the report by a moment: the report itself decides.
		if r, ok := reports[c.Entry.ReportID]; ok && r.Status.Open() && !sensitive(r.Category) {
			hits = append(hits, NearbyHit{Report: r, Candidate: c})
		}
	}
	return hits, nil
}

// Follow subscribes the resident to an open report's updates. Following one's own report is a no-op.
// fault.ErrNotFound for an unknown report or a sensitive one; fault.ErrConflict once it is closed.
func (rs *Residents) Follow(ctx context.Context, p auth.Principal, id string) error {
	r, err := rs.Store.Report(ctx, id)
	if err != nil {
		return err
	}
	if rs.Sensitive != nil && rs.Sensitive(r.Category) && r.ReporterID != p.UserID {
		return fault.New(fault.ErrNotFound, "no such report")
	}
	if r.ReporterID == p.UserID {
		return nil
	}
	if !r.Status.Open() {
		return fault.New(fault.ErrConflict, fmt.Sprintf("the report is %s; only open reports can be followed", r.Status))
	}
	return rs.Store.AddFollower(ctx, id, p.UserID, rs.now())
}

// Unfollow stops the updates; fault.ErrNotFound when the resident does not follow it.
func (rs *Residents) Unfollow(ctx context.Context, p auth.Principal, id string) error {
	r, err := rs.Store.Report(ctx, id)
	if err != nil {
		return err
	}
	if _, following := r.VisibleTo(p.UserID); !following {
		return fault.New(fault.ErrNotFound, "you do not follow this report")
	}
	err = rs.Store.RemoveFollower(ctx, id, p.UserID, rs.now())
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	}
	return err
}

func (rs *Residents) now() time.Time {
	if rs.Now != nil {
		return rs.Now()
	}
	return time.Now()
}
