package httpapi

import (
	"context"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/hotline"
	"github.com/quangninh/feedback/internal/report"
)

// Hotline files reports that call-takers take by phone.
type Hotline interface {
	File(ctx context.Context, p auth.Principal, key string, c hotline.Call) (hotline.Receipt, bool, error)
}

var _ Hotline = (*hotline.Desk)(nil)

// CreateHotlineReport files a report for a resident who phoned.
func (s *Server) CreateHotlineReport(ctx context.Context, req api.CreateHotlineReportRequestObject) (api.CreateHotlineReportResponseObject, error) {
	b := req.Body
	c := hotline.Call{Phone: b.Phone, Draft: report.Draft{Category: b.Category, Description: b.Description,
		Location: &report.Location{Lat: b.Location.Lat, Lng: b.Location.Lng}}}
	if b.Location.AccuracyM != nil {
		c.Draft.Location.AccuracyM = *b.Location.AccuracyM
	}
	if b.Address != nil {
		c.Draft.Address = *b.Address
	}
	if b.PublishConsent != nil {
		c.Draft.PublishConsent = *b.PublishConsent
	}
	if b.Photos != nil {
		c.Draft.UploadIDs = *b.Photos
	}
	if b.Language != nil {
		c.Language = string(*b.Language)
	}
	rc, created, err := s.deps.Hotline.File(ctx, principal(ctx), req.Params.IdempotencyKey, c)
	if err != nil {
		return nil, err
	}
	r := rc.Report
	dec := s.toAPIDecision(r.Routing)
	out := api.HotlineReceipt{Id: r.ID, Code: r.Code, Phone: rc.Phone.Redacted(), Status: api.ReportStatus(r.Status),
		AgencyId: r.Routing.AgencyID, Routing: &dec, SmsSent: rc.SMSSent, CreatedAt: r.CreatedAt}
	if created {
		return api.CreateHotlineReport201JSONResponse(out), nil
	}
	return api.CreateHotlineReport200JSONResponse(out), nil
}
