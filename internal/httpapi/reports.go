package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
)

// Reports is the intake and residents' reads.
type Reports interface {
	Spool(r io.Reader) (*report.Spooled, error)
	Submit(ctx context.Context, p auth.Principal, key string, d report.Draft, photos []*report.Spooled) (report.Report, bool, error)
	NewUploadSlot(ctx context.Context, p auth.Principal, contentType string, size int64) (report.UploadSlot, string, error)
}

// ResidentReads serves residents' reads of reports.
type ResidentReads interface {
	Mine(ctx context.Context, p auth.Principal, status report.Status, cursor string, limit int) ([]report.Report, string, error)
	Get(ctx context.Context, p auth.Principal, id string) (report.Report, bool, error)
	Nearby(ctx context.Context, p auth.Principal, q report.NearbyQuery) ([]report.NearbyHit, error)
	Follow(ctx context.Context, p auth.Principal, id string) error
	Unfollow(ctx context.Context, p auth.Principal, id string) error
}

// Presigner makes short-lived URLs for photo derivatives.
type Presigner interface {
	PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error)
}

// photoURLTTL is how long a photo URL in a response works.
const photoURLTTL = 15 * time.Minute

// CreateUpload grants a presigned upload slot.
func (s *Server) CreateUpload(ctx context.Context, req api.CreateUploadRequestObject) (api.CreateUploadResponseObject, error) {
	slot, url, err := s.deps.Reports.NewUploadSlot(ctx, principal(ctx), string(req.Body.ContentType), int64(req.Body.SizeBytes))
	if err != nil {
		return nil, err
	}
	return api.CreateUpload201JSONResponse{UploadId: slot.ID, Url: url, Method: api.PUT, ExpiresAt: slot.ExpiresAt,
		Headers: map[string]string{"Content-Type": slot.ContentType, "Content-Length": strconv.FormatInt(slot.Size, 10)}}, nil
}

// CreateReport receives a report, with photos in a multipart body or as presigned uploads.
func (s *Server) CreateReport(ctx context.Context, req api.CreateReportRequestObject) (api.CreateReportResponseObject, error) {
	p := principal(ctx)
	var (
		d      report.Draft
		photos []*report.Spooled
		err    error
	)
	switch {
	case req.JSONBody != nil:
		d = draftFrom(*req.JSONBody)
	case req.MultipartBody != nil:
		d, photos, err = s.readMultipart(req.MultipartBody)
		defer func() {
			for _, ph := range photos {
				_ = ph.Close()
			}
		}()
		if err != nil {
			return nil, err
		}
		if photos == nil {
			photos = []*report.Spooled{}
		}
	default:
		return nil, invalidField("body", "is required")
	}
	r, created, err := s.deps.Reports.Submit(ctx, p, req.Params.IdempotencyKey, d, photos)
	if err != nil {
		return nil, err
	}
	out := s.toAPIReport(ctx, r, false)
	if created {
		return api.CreateReport201JSONResponse(out), nil
	}
	return api.CreateReport200JSONResponse(out), nil
}

// readMultipart reads the `report` part (which must come first) and spools each `photo` part to disk as
// it arrives, checking its type and size from its bytes.
func (s *Server) readMultipart(mr *multipart.Reader) (report.Draft, []*report.Spooled, error) {
	var photos []*report.Spooled
	part, err := mr.NextPart()
	if err != nil {
		return report.Draft{}, nil, multipartErr("the body", err)
	}
	if part.FormName() != "report" {
		return report.Draft{}, nil, invalidField("report", "the first part must be `report` (JSON), before the photos")
	}
	raw, err := io.ReadAll(io.LimitReader(part, 64<<10+1))
	if err != nil {
		return report.Draft{}, nil, multipartErr("report", err)
	}
	if len(raw) > 64<<10 {
		return report.Draft{}, nil, fault.New(fault.ErrTooLarge, "the report part must not exceed 64 KiB")
	}
	in, err := s.parseReportPart(raw)
	if err != nil {
		return report.Draft{}, nil, err
	}
	d := draftFrom(in)
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return d, photos, multipartErr("photo", err)
		}
		if part.FormName() != "photo" {
			return d, photos, invalidField(part.FormName(), "unexpected part; send `report` then one to six `photo` parts")
		}
		if i >= report.MaxPhotos {
			return d, photos, invalidField("photo", fmt.Sprintf("at most %d photos", report.MaxPhotos))
		}
		sp, err := s.deps.Reports.Spool(part)
		if err != nil {
			return d, photos, photoErr(i, err)
		}
		photos = append(photos, sp)
	}
	return d, photos, nil
}

// parseReportPart validates the JSON part against the spec's ReportInput schema, like the body of a JSON
// request, and lists every bad field under `report.`.
func (s *Server) parseReportPart(raw []byte) (api.ReportInput, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return api.ReportInput{}, invalidField("report", "is not valid JSON: "+err.Error())
	}
	if err := s.reportInputSchema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		inv := &fault.Invalid{}
		collect(inv, err, "report")
		return api.ReportInput{}, inv
	}
	var in api.ReportInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return api.ReportInput{}, invalidField("report", err.Error())
	}
	if in.Photos != nil {
		return api.ReportInput{}, invalidField("report.photos", "list upload IDs only in JSON submissions; here send the photos as `photo` parts")
	}
	return in, nil
}

func multipartErr(what string, err error) error {
	var mbe interface{ Error() string }
	if errors.As(err, &mbe) && mbe.Error() == "http: request body too large" {
		return fault.Wrap(fault.ErrTooLarge, "the request body is too large", err)
	}
	return invalidField(what, "the multipart body cannot be read: "+err.Error())
}

// photoErr names the photo and the reason it is refused: media's verdicts as for an upload
// (report.PhotoError), and what the multipart transport adds.
func photoErr(i int, err error) error {
	if err.Error() == "http: request body too large" {
		return fault.Wrap(fault.ErrTooLarge, "the request body is too large", err)
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return fault.Wrap(fault.ErrUnprocessable, fmt.Sprintf("photo %d did not arrive in time", i+1), err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return invalidField("photo", "the upload was cut off; retry with the same Idempotency-Key")
	}
	return report.PhotoError(i, err)
}

func draftFrom(in api.ReportInput) report.Draft {
	d := report.Draft{Category: in.Category, Description: in.Description, PublishConsent: true}
	if in.Address != nil {
		d.Address = *in.Address
	}
	if in.PublishConsent != nil {
		d.PublishConsent = *in.PublishConsent
	}
	if in.Location != nil {
		l := &report.Location{Lat: in.Location.Lat, Lng: in.Location.Lng}
		if in.Location.AccuracyM != nil {
			l.AccuracyM = *in.Location.AccuracyM
		}
		d.Location = l
	}
	if in.Photos != nil {
		d.UploadIDs = *in.Photos
	}
	return d
}

// ListMyReports pages through the resident's reports.
func (s *Server) ListMyReports(ctx context.Context, req api.ListMyReportsRequestObject) (api.ListMyReportsResponseObject, error) {
	limit := 20
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	var status report.Status
	if req.Params.Status != nil {
		status = report.Status(*req.Params.Status)
	}
	cursor := ""
	if req.Params.Cursor != nil {
		cursor = *req.Params.Cursor
	}
	list, next, err := s.deps.ResidentReads.Mine(ctx, principal(ctx), status, cursor, limit)
	if err != nil {
		return nil, err
	}
	page := api.ReportPage{Items: make([]api.Report, len(list))}
	for i, r := range list {
		page.Items[i] = s.toAPIReport(ctx, r, false)
	}
	if next != "" {
		page.NextCursor = &next
	}
	return api.ListMyReports200JSONResponse(page), nil
}

// GetMyReport returns one of the resident's (or followed) reports.
func (s *Server) GetMyReport(ctx context.Context, req api.GetMyReportRequestObject) (api.GetMyReportResponseObject, error) {
	r, following, err := s.deps.ResidentReads.Get(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetMyReport200JSONResponse{Body: s.toAPIReport(ctx, r, following), Headers: api.GetMyReport200ResponseHeaders{ETag: etag(report.WorkflowVersion(r))}}, nil
}

// ListNearbyReports finds the open reports a resident may follow instead of filing another.
func (s *Server) ListNearbyReports(ctx context.Context, req api.ListNearbyReportsRequestObject) (api.ListNearbyReportsResponseObject, error) {
	q := report.NearbyQuery{Category: req.Params.Category, Lat: req.Params.Lat, Lng: req.Params.Lng}
	if req.Params.UploadId != nil {
		q.UploadID = *req.Params.UploadId
	}
	hits, err := s.deps.ResidentReads.Nearby(ctx, principal(ctx), q)
	if err != nil {
		return nil, err
	}
	out := api.NearbyList{Items: make([]api.NearbyReport, len(hits))}
	for i, h := range hits {
		desc := h.Report.Description
		out.Items[i] = api.NearbyReport{Id: h.Report.ID, Code: h.Report.Code, Category: h.Report.Category,
			Status: api.ReportStatus(h.Report.Status), DistanceM: float32(h.DistanceM), Description: &desc,
			CreatedAt: h.Report.CreatedAt, Followers: len(h.Report.Followers), Score: float32(h.Score),
			PhotoDistance: photoDistance(h.Candidate), SameCategory: h.SameCategory, ThumbnailUrl: s.thumbnail(ctx, h.Entry.ThumbKey)}
	}
	return api.ListNearbyReports200JSONResponse(out), nil
}

// photoDistance is a candidate's photo distance for the wire; nil when no photos were compared.
func photoDistance(c report.Candidate) *int {
	if c.PhotoDistance < 0 {
		return nil
	}
	return ptr(c.PhotoDistance)
}

// thumbnail presigns a thumbnail; nil when there is none (or it cannot be signed right now).
func (s *Server) thumbnail(ctx context.Context, key string) *string {
	if key == "" {
		return nil
	}
	u, err := s.deps.Presigner.PresignGet(ctx, key, photoURLTTL)
	if err != nil {
		return nil
	}
	return &u
}

// FollowReport subscribes the resident to a report.
func (s *Server) FollowReport(ctx context.Context, req api.FollowReportRequestObject) (api.FollowReportResponseObject, error) {
	if err := s.deps.ResidentReads.Follow(ctx, principal(ctx), req.Id); err != nil {
		return nil, err
	}
	return api.FollowReport204Response{}, nil
}

// UnfollowReport unsubscribes.
func (s *Server) UnfollowReport(ctx context.Context, req api.UnfollowReportRequestObject) (api.UnfollowReportResponseObject, error) {
	if err := s.deps.ResidentReads.Unfollow(ctx, principal(ctx), req.Id); err != nil {
		return nil, err
	}
	return api.UnfollowReport204Response{}, nil
}

func (s *Server) toAPIReport(ctx context.Context, r report.Report, following bool) api.Report {
	out := api.Report{
		Id: r.ID, Code: r.Code, Category: r.Category, Description: r.Description,
		Location:       api.Location{Lat: r.Location.Lat, Lng: r.Location.Lng, Source: api.LocationSource(r.Location.Source)},
		PublishConsent: r.PublishConsent, Status: api.ReportStatus(r.Status), Routing: s.toAPIDecision(r.Routing),
		Following: following, CreatedAt: r.CreatedAt, Photos: []api.Photo{}, Timeline: []api.TimelineEntry{},
	}
	if r.Address != "" {
		out.Address = &r.Address
	}
	if r.Location.AccuracyM > 0 {
		out.Location.AccuracyM = &r.Location.AccuracyM
	}
	for _, ph := range r.Photos {
		p := api.Photo{Id: ph.ID, Status: api.PhotoStatus(ph.State), Kind: ptr(api.PhotoKindBefore)}
		if ph.After {
			p.Kind = ptr(api.PhotoKindAfter)
		}
		if ph.State == report.PhotoReady {
			if u, err := s.deps.Presigner.PresignGet(ctx, ph.PublicKey, photoURLTTL); err == nil {
				p.Url = &u
			}
			if u, err := s.deps.Presigner.PresignGet(ctx, ph.ThumbKey, photoURLTTL); err == nil {
				p.ThumbnailUrl = &u
			}
			w, h := ph.Width, ph.Height
			p.Width, p.Height = &w, &h
		}
		out.Photos = append(out.Photos, p)
	}
	for _, e := range r.Timeline {
		if e.Action == report.EventCommentInternal {
			continue // staff only
		}
		out.Timeline = append(out.Timeline, toAPIEvent(e))
	}
	if !r.Ticket.AcceptBy.IsZero() {
		out.AcceptBy = ptr(r.Ticket.AcceptBy)
	}
	if !r.Ticket.ResolveBy.IsZero() {
		out.ResolveBy = ptr(r.Ticket.ResolveBy)
	}
	if r.Ticket.Rating > 0 {
		out.Rating = ptr(r.Ticket.Rating)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
