package httpapi

import (
	"context"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/open311"
)

// Open311Contacts shows and erases the reporter contacts partners sent with their requests.
type Open311Contacts interface {
	Of(ctx context.Context, reportID string) (open311.Contact, bool, error)
	ByEmail(ctx context.Context, email string) ([]open311.Contact, error)
	EraseEmail(ctx context.Context, email string) (int, error)
}

// ListOpen311Contacts lists the contacts partners sent with an email.
func (s *Server) ListOpen311Contacts(ctx context.Context, req api.ListOpen311ContactsRequestObject) (api.ListOpen311ContactsResponseObject, error) {
	cs, err := s.deps.Open311Contacts.ByEmail(ctx, req.Params.Email)
	if err != nil {
		return nil, err
	}
	out := make(api.ListOpen311Contacts200JSONResponse, len(cs))
	for i, c := range cs {
		out[i] = toAPIContact(c)
	}
	return out, nil
}

// EraseOpen311Contacts erases the contacts partners sent with an email.
func (s *Server) EraseOpen311Contacts(ctx context.Context, req api.EraseOpen311ContactsRequestObject) (api.EraseOpen311ContactsResponseObject, error) {
	n, err := s.deps.Open311Contacts.EraseEmail(ctx, req.Params.Email)
	if err != nil {
		return nil, err
	}
	return api.EraseOpen311Contacts200JSONResponse{Erased: n}, nil
}

func toAPIContact(c open311.Contact) api.Open311Contact {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return api.Open311Contact{ServiceRequestId: c.Code, PartnerId: c.PartnerID, ResidentId: opt(c.ReporterID), Phone: opt(c.Phone),
		Email: opt(c.Email), FirstName: opt(c.FirstName), LastName: opt(c.LastName), CreatedAt: c.CreatedAt}
}
