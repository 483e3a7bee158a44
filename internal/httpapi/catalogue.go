package httpapi

import (
	"context"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/catalogue"
)

// CatalogueReader reads the categories.
type CatalogueReader interface {
	Categories(ctx context.Context) ([]catalogue.Category, error)
	Category(ctx context.Context, code string) (catalogue.Category, error)
}

// ListCategories returns the live catalogue (kept in memory and reloaded on change; no database read).
func (s *Server) ListCategories(ctx context.Context, _ api.ListCategoriesRequestObject) (api.ListCategoriesResponseObject, error) {
	cats := s.deps.Router.Catalogue().Categories()
	items := make([]api.Category, len(cats))
	for i, c := range cats {
		items[i] = toAPICategory(c)
	}
	return api.ListCategories200JSONResponse{Items: items}, nil
}

// GetCategory returns one category.
func (s *Server) GetCategory(ctx context.Context, req api.GetCategoryRequestObject) (api.GetCategoryResponseObject, error) {
	c, err := s.deps.Catalogue.Category(ctx, req.Code)
	if err != nil {
		return nil, err
	}
	return api.GetCategory200JSONResponse(toAPICategory(c)), nil
}

func toAPICategory(c catalogue.Category) api.Category {
	return api.Category{Code: c.Code, NameVi: c.NameVi, NameEn: c.NameEn, Group: c.Group, HandledBy: c.Handler,
		DeadlineClass: api.CategoryDeadlineClass(c.Deadline), Sensitive: c.Sensitive, Physical: &c.Physical,
		PublicLocationPrecisionM: c.PublicPrecisionM}
}
