package httpapi

import (
	"context"
	"sort"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/routing"
)

// Router is the live catalogue and routing service.
type Router interface {
	Catalogue() *catalogue.Catalogue
	Overrides() map[catalogue.OverrideKey]string
	Route(category string, p jurisdiction.Point) (catalogue.Decision, error)
	Commune(code string) (jurisdiction.Commune, bool)
	PutAgency(ctx context.Context, a catalogue.Agency) error
	PutCategory(ctx context.Context, c catalogue.Category) error
	PutOverride(ctx context.Context, k catalogue.OverrideKey, agencyID string) error
	DeleteOverride(ctx context.Context, k catalogue.OverrideKey) error
}

var _ Router = (*routing.Service)(nil)

// ListAgencies returns the live agencies.
func (s *Server) ListAgencies(context.Context, api.ListAgenciesRequestObject) (api.ListAgenciesResponseObject, error) {
	agencies := s.deps.Router.Catalogue().Agencies()
	items := make([]api.Agency, len(agencies))
	for i, a := range agencies {
		items[i] = toAPIAgency(a)
	}
	return api.ListAgencies200JSONResponse{Items: items}, nil
}

// PreviewRouting answers who would handle a report, creating nothing.
func (s *Server) PreviewRouting(_ context.Context, req api.PreviewRoutingRequestObject) (api.PreviewRoutingResponseObject, error) {
	p, err := jurisdiction.ParsePoint(req.Params.Lat, req.Params.Lng)
	if err != nil {
		return nil, invalidField("query.lat", err.Error())
	}
	if _, ok := s.deps.Router.Catalogue().Category(req.Params.Category); !ok {
		return nil, invalidField("query.category", "unknown category; see GET /v1/categories")
	}
	d, err := s.deps.Router.Route(req.Params.Category, p)
	if err != nil {
		return nil, err
	}
	return api.PreviewRouting200JSONResponse(s.toAPIDecision(d)), nil
}

func (s *Server) toAPIDecision(d catalogue.Decision) api.RoutingDecision {
	a, _ := s.deps.Router.Catalogue().Agency(d.AgencyID)
	out := api.RoutingDecision{Agency: toAPIAgency(a), Rule: api.RoutingDecisionRule(d.Rule), Reason: d.Reason, ReasonVi: d.ReasonVi}
	if c, ok := s.deps.Router.Commune(d.CommuneCode); ok {
		out.Commune = &api.CommuneRef{Code: c.Code, Name: c.FullName, NameEn: c.FullNameEn}
	}
	return out
}

// PutAgency creates or replaces an agency.
func (s *Server) PutAgency(ctx context.Context, req api.PutAgencyRequestObject) (api.PutAgencyResponseObject, error) {
	a := catalogue.Agency{ID: req.Id, NameVi: req.Body.NameVi, NameEn: req.Body.NameEn, Kind: catalogue.AgencyKind(req.Body.Kind)}
	if req.Body.CommuneCode != nil {
		a.CommuneCode = *req.Body.CommuneCode
	}
	if err := s.deps.Router.PutAgency(ctx, a); err != nil {
		return nil, err
	}
	return api.PutAgency200JSONResponse(toAPIAgency(a)), nil
}

// PutCategory creates or replaces a category.
func (s *Server) PutCategory(ctx context.Context, req api.PutCategoryRequestObject) (api.PutCategoryResponseObject, error) {
	b := req.Body
	c := catalogue.Category{Code: req.Code, NameVi: b.NameVi, NameEn: b.NameEn, Group: b.Group, Handler: b.HandledBy,
		Deadline: catalogue.DeadlineClass(b.DeadlineClass), Sensitive: b.Sensitive, Physical: b.Physical != nil && *b.Physical,
		PublicPrecisionM: catalogue.DefaultPublicPrecisionM}
	if b.PublicLocationPrecisionM != nil {
		c.PublicPrecisionM = *b.PublicLocationPrecisionM
	}
	if err := s.deps.Router.PutCategory(ctx, c); err != nil {
		return nil, err
	}
	return api.PutCategory200JSONResponse(toAPICategory(c)), nil
}

// ListRoutingOverrides returns every override, ordered by category then commune.
func (s *Server) ListRoutingOverrides(context.Context, api.ListRoutingOverridesRequestObject) (api.ListRoutingOverridesResponseObject, error) {
	items := []api.RoutingOverride{}
	for k, agency := range s.deps.Router.Overrides() {
		items = append(items, api.RoutingOverride{Category: k.Category, CommuneCode: k.CommuneCode, AgencyId: agency})
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].Category != items[j].Category {
			return items[i].Category < items[j].Category
		}
		return items[i].CommuneCode < items[j].CommuneCode
	})
	return api.ListRoutingOverrides200JSONResponse{Items: items}, nil
}

// PutRoutingOverride sets an override.
func (s *Server) PutRoutingOverride(ctx context.Context, req api.PutRoutingOverrideRequestObject) (api.PutRoutingOverrideResponseObject, error) {
	k := catalogue.OverrideKey{Category: req.Category, CommuneCode: req.Commune}
	if err := s.deps.Router.PutOverride(ctx, k, req.Body.AgencyId); err != nil {
		return nil, err
	}
	if c, ok := s.deps.Router.Commune(req.Commune); ok {
		k.CommuneCode = c.Code
	}
	return api.PutRoutingOverride200JSONResponse{Category: k.Category, CommuneCode: k.CommuneCode, AgencyId: req.Body.AgencyId}, nil
}

// DeleteRoutingOverride removes an override.
func (s *Server) DeleteRoutingOverride(ctx context.Context, req api.DeleteRoutingOverrideRequestObject) (api.DeleteRoutingOverrideResponseObject, error) {
	if err := s.deps.Router.DeleteOverride(ctx, catalogue.OverrideKey{Category: req.Category, CommuneCode: req.Commune}); err != nil {
		return nil, err
	}
	return api.DeleteRoutingOverride204Response{}, nil
}

func toAPIAgency(a catalogue.Agency) api.Agency {
	out := api.Agency{Id: a.ID, NameVi: a.NameVi, NameEn: a.NameEn, Kind: api.AgencyKind(a.Kind)}
	if a.CommuneCode != "" {
		out.CommuneCode = &a.CommuneCode
	}
	return out
}
