// Package reply keeps the reply templates of each agency: bilingual texts, per category or for every
// category, that agency admins write and officers insert into their replies (and edit before sending).
package reply

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
)

// Template is one reply template of an agency.
type Template struct {
	ID       string
	AgencyID string
	Category string // "" for every category
	TitleVi  string
	TitleEn  string
	BodyVi   string
	BodyEn   string
	// Version moves by one with every change; the ETag of If-Match.
	Version   int64
	UpdatedAt time.Time
	UpdatedBy string
}

// Input is a template as an agency admin writes it.
type Input struct {
	AgencyID string // admins name it; agency admins leave it empty (or name their own)
	Category string
	TitleVi  string
	TitleEn  string
	BodyVi   string
	BodyEn   string
}

// Limits of a template's texts, in characters.
const (
	MaxTitle = 120
	MaxBody  = 4000
)

// Store keeps templates. Methods return an error wrapping fault.ErrUnavailable when the database does not
// answer.
type Store interface {
	InsertTemplate(ctx context.Context, t Template) error
	// Template returns one template; fault.ErrNotFound when there is none.
	Template(ctx context.Context, id string) (Template, error)
	// ReplaceTemplate writes t over the template stored at version t.Version-1; false when it is no longer
	// at that version (or gone).
	ReplaceTemplate(ctx context.Context, t Template) (bool, error)
	// DeleteTemplate removes a template; fault.ErrNotFound when there is none.
	DeleteTemplate(ctx context.Context, id string) error
	// AgencyTemplates lists an agency's templates, in no order.
	AgencyTemplates(ctx context.Context, agencyID string) ([]Template, error)
}

// Service manages reply templates.
type Service struct {
	Store     Store
	Catalogue func() *catalogue.Catalogue // the agencies and categories in force
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// readsEvery: dispatchers and admins read every agency's templates; officers and agency admins their own.
func readsEvery(p auth.Principal) bool {
	return p.Role == auth.RoleDispatcher || p.Role == auth.RoleAdmin
}

// List returns the templates of an agency (the caller's own unless they read every agency's), of category
// and the general ones when category is set, ordered by category (general first), then Vietnamese title.
// *fault.Invalid when a dispatcher or admin names no agency or an unknown one.
func (s *Service) List(ctx context.Context, p auth.Principal, agencyID, category string) ([]Template, error) {
	switch {
	case !readsEvery(p):
		agencyID = p.AgencyID
	case agencyID == "":
		return nil, invalid("query.agency_id", "name the agency whose templates to list")
	default:
		if _, ok := s.Catalogue().Agency(agencyID); !ok {
			return nil, invalid("query.agency_id", "no such agency")
		}
	}
	all, err := s.Store.AgencyTemplates(ctx, agencyID)
	if err != nil {
		return nil, fmt.Errorf("list templates of %s: %w", agencyID, err)
	}
	out := all[:0]
	for _, t := range all {
		if category == "" || t.Category == "" || t.Category == category {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b Template) int {
		if c := strings.Compare(a.Category, b.Category); c != 0 {
			return c
		}
		if c := strings.Compare(a.TitleVi, b.TitleVi); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Get returns one template the caller may read; fault.ErrNotFound otherwise.
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (Template, error) {
	t, err := s.Store.Template(ctx, id)
	if err != nil {
		return Template{}, fmt.Errorf("load template %s: %w", id, err)
	}
	if !readsEvery(p) && t.AgencyID != p.AgencyID {
		return Template{}, fault.New(fault.ErrNotFound, "no such template")
	}
	return t, nil
}

// Create adds a template to the caller's agency (agency admins) or to in.AgencyID (admins). It returns
// *fault.Invalid listing every bad field.
func (s *Service) Create(ctx context.Context, p auth.Principal, in Input) (Template, error) {
	agencyID, err := s.ownAgency(p, in.AgencyID)
	if err != nil {
		return Template{}, err
	}
	if err := s.check(&in); err != nil {
		return Template{}, err
	}
	t := Template{ID: newID(), AgencyID: agencyID, Category: in.Category, TitleVi: in.TitleVi, TitleEn: in.TitleEn,
		BodyVi: in.BodyVi, BodyEn: in.BodyEn, Version: 1, UpdatedAt: s.now().UTC(), UpdatedBy: p.UserID}
	if err := s.Store.InsertTemplate(ctx, t); err != nil {
		return Template{}, fmt.Errorf("insert template %s: %w", t.ID, err)
	}
	return t, nil
}

// Update replaces a template's category and texts (its agency stays) if it is still at version. It returns
// fault.ErrNotFound for a template the caller may not manage, fault.ErrPrecondition when it changed since
// version, and *fault.Invalid for bad fields.
func (s *Service) Update(ctx context.Context, p auth.Principal, id string, version int64, in Input) (Template, error) {
	t, err := s.managed(ctx, p, id)
	if err != nil {
		return Template{}, err
	}
	if in.AgencyID != "" && in.AgencyID != t.AgencyID {
		return Template{}, invalid("body.agency_id", "a template stays with its agency ("+t.AgencyID+")")
	}
	if err := s.check(&in); err != nil {
		return Template{}, err
	}
	if t.Version != version {
		return Template{}, stale(t)
	}
	t.Category, t.TitleVi, t.TitleEn, t.BodyVi, t.BodyEn = in.Category, in.TitleVi, in.TitleEn, in.BodyVi, in.BodyEn
	t.Version, t.UpdatedAt, t.UpdatedBy = version+1, s.now().UTC(), p.UserID
	ok, err := s.Store.ReplaceTemplate(ctx, t)
	if err != nil {
		return Template{}, fmt.Errorf("save template %s: %w", id, err)
	}
	if !ok {
		return Template{}, fault.New(fault.ErrPrecondition, "someone changed the template since you read it; reload it and try again")
	}
	return t, nil
}

// Delete removes a template the caller manages; fault.ErrNotFound otherwise.
func (s *Service) Delete(ctx context.Context, p auth.Principal, id string) error {
	if _, err := s.managed(ctx, p, id); err != nil {
		return err
	}
	if err := s.Store.DeleteTemplate(ctx, id); err != nil {
		return fmt.Errorf("delete template %s: %w", id, err)
	}
	return nil
}

// managed returns a template the caller may change: any for admins, their agency's for agency admins.
func (s *Service) managed(ctx context.Context, p auth.Principal, id string) (Template, error) {
	t, err := s.Store.Template(ctx, id)
	if err != nil {
		return Template{}, fmt.Errorf("load template %s: %w", id, err)
	}
	if p.Role != auth.RoleAdmin && (p.Role != auth.RoleAgencyAdmin || t.AgencyID != p.AgencyID) {
		return Template{}, fault.New(fault.ErrNotFound, "no such template")
	}
	return t, nil
}

// ownAgency is the agency a new template of the caller's belongs to.
func (s *Service) ownAgency(p auth.Principal, named string) (string, error) {
	switch p.Role {
	case auth.RoleAgencyAdmin:
		if named != "" && named != p.AgencyID {
			return "", fault.New(fault.ErrForbidden, "agency admins manage their own agency's templates only")
		}
		return p.AgencyID, nil
	case auth.RoleAdmin:
		if named == "" {
			return "", invalid("body.agency_id", "name the agency the template belongs to")
		}
		if _, ok := s.Catalogue().Agency(named); !ok {
			return "", invalid("body.agency_id", "no such agency")
		}
		return named, nil
	}
	return "", fault.New(fault.ErrForbidden, "only agency admins and admins manage reply templates")
}

// check trims in's texts and returns *fault.Invalid listing every bad field.
func (s *Service) check(in *Input) error {
	for _, v := range []*string{&in.TitleVi, &in.TitleEn, &in.BodyVi, &in.BodyEn} {
		*v = strings.TrimSpace(*v)
	}
	inv := &fault.Invalid{}
	if in.Category != "" {
		if _, ok := s.Catalogue().Category(in.Category); !ok {
			inv.Add("body.category", "unknown category; see GET /v1/categories")
		}
	}
	text := func(field, v string, limit int) {
		switch n := utf8.RuneCountInString(v); {
		case !utf8.ValidString(v):
			inv.Add(field, "must be valid UTF-8 text")
		case n == 0:
			inv.Add(field, "must not be empty")
		case n > limit:
			inv.Add(field, fmt.Sprintf("must be at most %d characters (it has %d)", limit, n))
		}
	}
	text("body.title_vi", in.TitleVi, MaxTitle)
	text("body.title_en", in.TitleEn, MaxTitle)
	text("body.body_vi", in.BodyVi, MaxBody)
	text("body.body_en", in.BodyEn, MaxBody)
	return inv.Err()
}

func stale(t Template) error {
	return fault.New(fault.ErrPrecondition, fmt.Sprintf("someone changed the template since you read it (it is now at \"v%d\"); reload it and try again", t.Version))
}

func invalid(field, msg string) error {
	inv := &fault.Invalid{}
	inv.Add(field, msg)
	return inv
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
