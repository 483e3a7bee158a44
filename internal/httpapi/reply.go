package httpapi

import (
	"context"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/reply"
)

// ReplyTemplates are the agencies' reply templates.
type ReplyTemplates interface {
	List(ctx context.Context, p auth.Principal, agencyID, category string) ([]reply.Template, error)
	Get(ctx context.Context, p auth.Principal, id string) (reply.Template, error)
	Create(ctx context.Context, p auth.Principal, in reply.Input) (reply.Template, error)
	Update(ctx context.Context, p auth.Principal, id string, version int64, in reply.Input) (reply.Template, error)
	Delete(ctx context.Context, p auth.Principal, id string) error
}

var _ ReplyTemplates = (*reply.Service)(nil)

// ListReplyTemplates lists an agency's reply templates.
func (s *Server) ListReplyTemplates(ctx context.Context, req api.ListReplyTemplatesRequestObject) (api.ListReplyTemplatesResponseObject, error) {
	var agencyID, category string
	if req.Params.AgencyId != nil {
		agencyID = *req.Params.AgencyId
	}
	if req.Params.Category != nil {
		category = *req.Params.Category
	}
	ts, err := s.deps.Replies.List(ctx, principal(ctx), agencyID, category)
	if err != nil {
		return nil, err
	}
	out := api.ReplyTemplateList{Items: make([]api.ReplyTemplate, len(ts))}
	for i, t := range ts {
		out.Items[i] = toAPIReplyTemplate(t)
	}
	return api.ListReplyTemplates200JSONResponse(out), nil
}

// CreateReplyTemplate adds a reply template.
func (s *Server) CreateReplyTemplate(ctx context.Context, req api.CreateReplyTemplateRequestObject) (api.CreateReplyTemplateResponseObject, error) {
	t, err := s.deps.Replies.Create(ctx, principal(ctx), fromAPIReplyInput(*req.Body))
	if err != nil {
		return nil, err
	}
	return api.CreateReplyTemplate201JSONResponse{Body: toAPIReplyTemplate(t), Headers: api.CreateReplyTemplate201ResponseHeaders{ETag: etag(t.Version)}}, nil
}

// GetReplyTemplate returns one reply template.
func (s *Server) GetReplyTemplate(ctx context.Context, req api.GetReplyTemplateRequestObject) (api.GetReplyTemplateResponseObject, error) {
	t, err := s.deps.Replies.Get(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetReplyTemplate200JSONResponse{Body: toAPIReplyTemplate(t), Headers: api.GetReplyTemplate200ResponseHeaders{ETag: etag(t.Version)}}, nil
}

// UpdateReplyTemplate replaces a reply template's texts.
func (s *Server) UpdateReplyTemplate(ctx context.Context, req api.UpdateReplyTemplateRequestObject) (api.UpdateReplyTemplateResponseObject, error) {
	v, err := parseIfMatch(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	t, err := s.deps.Replies.Update(ctx, principal(ctx), req.Id, v, fromAPIReplyInput(*req.Body))
	if err != nil {
		return nil, err
	}
	return api.UpdateReplyTemplate200JSONResponse{Body: toAPIReplyTemplate(t), Headers: api.UpdateReplyTemplate200ResponseHeaders{ETag: etag(t.Version)}}, nil
}

// DeleteReplyTemplate removes a reply template.
func (s *Server) DeleteReplyTemplate(ctx context.Context, req api.DeleteReplyTemplateRequestObject) (api.DeleteReplyTemplateResponseObject, error) {
	if err := s.deps.Replies.Delete(ctx, principal(ctx), req.Id); err != nil {
		return nil, err
	}
	return api.DeleteReplyTemplate204Response{}, nil
}

func fromAPIReplyInput(b api.ReplyTemplateInput) reply.Input {
	in := reply.Input{TitleVi: b.TitleVi, TitleEn: b.TitleEn, BodyVi: b.BodyVi, BodyEn: b.BodyEn}
	if b.AgencyId != nil {
		in.AgencyID = *b.AgencyId
	}
	if b.Category != nil {
		in.Category = *b.Category
	}
	return in
}

func toAPIReplyTemplate(t reply.Template) api.ReplyTemplate {
	out := api.ReplyTemplate{Id: t.ID, AgencyId: t.AgencyID, TitleVi: t.TitleVi, TitleEn: t.TitleEn, BodyVi: t.BodyVi,
		BodyEn: t.BodyEn, Version: int(t.Version), UpdatedAt: t.UpdatedAt}
	if t.Category != "" {
		out.Category = ptr(t.Category)
	}
	return out
}
