// Package routing keeps the live catalogue (agencies, categories, administrators' overrides) in memory,
// answers "who handles category C at this point?", and applies administrators' changes without a restart.
//
// Every replica holds a snapshot built from the database. A change made through one replica bumps a version
// number in the database and rebuilds that replica's snapshot at once; the others notice the new version on
// their next poll (a single _id read) and rebuild theirs.
package routing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/jurisdiction"
)

// Store keeps the catalogue.
type Store interface {
	Agencies(ctx context.Context) ([]catalogue.Agency, error)
	Categories(ctx context.Context) ([]catalogue.Category, error)
	Overrides(ctx context.Context) (map[catalogue.OverrideKey]string, error)
	CatalogueVersion(ctx context.Context) (int64, error)
	PutAgency(ctx context.Context, a catalogue.Agency) error
	PutCategory(ctx context.Context, c catalogue.Category) error
	PutOverride(ctx context.Context, k catalogue.OverrideKey, agencyID string) error
	DeleteOverride(ctx context.Context, k catalogue.OverrideKey) error
}

type snapshot struct {
	version   int64
	cat       *catalogue.Catalogue
	overrides map[catalogue.OverrideKey]string
}

// Service routes reports with the current catalogue. Safe for concurrent use.
type Service struct {
	store  Store
	places *jurisdiction.Index
	log    *slog.Logger
	cur    atomic.Pointer[snapshot]
}

// New loads the catalogue from the store. It fails when the store does not answer or holds an invalid
// catalogue.
func New(ctx context.Context, store Store, places *jurisdiction.Index, log *slog.Logger) (*Service, error) {
	s := &Service{store: store, places: places, log: log}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload rebuilds the snapshot from the store.
func (s *Service) Reload(ctx context.Context) error {
	v, err := s.store.CatalogueVersion(ctx)
	if err != nil {
		return err
	}
	snap, err := s.load(ctx, v)
	if err != nil {
		return err
	}
	s.cur.Store(snap)
	return nil
}

func (s *Service) load(ctx context.Context, version int64) (*snapshot, error) {
	agencies, err := s.store.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	cats, err := s.store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	ov, err := s.store.Overrides(ctx)
	if err != nil {
		return nil, err
	}
	c, err := catalogue.New(agencies, cats)
	if err != nil {
		return nil, fmt.Errorf("stored catalogue: %w", err)
	}
	return &snapshot{version: version, cat: c, overrides: ov}, nil
}

// Refresh reads the version and reloads when another replica changed something (the service runs it every
// few seconds). A failed read keeps the catalogue in force.
func (s *Service) Refresh(ctx context.Context) {
	v, err := s.store.CatalogueVersion(ctx)
	if err != nil || v == s.cur.Load().version {
		return
	}
	if err := s.Reload(ctx); err != nil {
		s.log.WarnContext(ctx, "catalogue reload failed", "error", err.Error())
	}
}

// Catalogue returns the current catalogue.
func (s *Service) Catalogue() *catalogue.Catalogue { return s.cur.Load().cat }

// Overrides returns a copy of the current overrides.
func (s *Service) Overrides() map[catalogue.OverrideKey]string {
	out := make(map[catalogue.OverrideKey]string, len(s.cur.Load().overrides))
	for k, v := range s.cur.Load().overrides {
		out[k] = v
	}
	return out
}

// ErrOutsideProvince: the point is neither inside Quảng Ninh nor in its coastal waters.
var ErrOutsideProvince = fault.New(fault.ErrUnprocessable,
	"The location is outside Quảng Ninh province (and its coastal waters); reports can only be sent for places in the province.")

// Route decides who handles category at p. It returns *fault.Invalid for an unknown category and
// ErrOutsideProvince for a point outside the province.
func (s *Service) Route(category string, p jurisdiction.Point) (catalogue.Decision, error) {
	snap := s.cur.Load()
	if _, ok := snap.cat.Category(category); !ok {
		inv := &fault.Invalid{}
		inv.Add("category", fmt.Sprintf("unknown category %q; see GET /v1/categories", category))
		return catalogue.Decision{}, inv
	}
	if !s.places.InProvince(p) {
		return catalogue.Decision{}, ErrOutsideProvince
	}
	return snap.cat.Route(catalogue.RouteInput{Category: category, Point: p, Places: s.places, Overrides: snap.overrides})
}

// Commune returns the commune with that code (or alternate code).
func (s *Service) Commune(code string) (jurisdiction.Commune, bool) { return s.places.ByCode(code) }

// PutAgency creates or replaces an agency. The result must still be a valid catalogue (*fault.Invalid
// naming the problem otherwise).
func (s *Service) PutAgency(ctx context.Context, a catalogue.Agency) error {
	snap := s.cur.Load()
	agencies := replaceAgency(snap.cat.Agencies(), a)
	if _, err := catalogue.New(agencies, snap.cat.Categories()); err != nil {
		return invalid("body", err)
	}
	if err := s.store.PutAgency(ctx, a); err != nil {
		return err
	}
	return s.Reload(ctx)
}

// PutCategory creates or replaces a category, checked like PutAgency.
// A category replaced keeps its keywords and attributes, which this API does not edit.
func (s *Service) PutCategory(ctx context.Context, c catalogue.Category) error {
	snap := s.cur.Load()
	if old, ok := snap.cat.Category(c.Code); ok && c.Keywords == nil && c.Attributes == nil {
		c.Keywords, c.Attributes = old.Keywords, old.Attributes
	}
	cats := replaceCategory(snap.cat.Categories(), c)
	if _, err := catalogue.New(snap.cat.Agencies(), cats); err != nil {
		return invalid("body", err)
	}
	if err := s.store.PutCategory(ctx, c); err != nil {
		return err
	}
	return s.Reload(ctx)
}

// PutOverride sends category reports located in the commune to the agency, whatever the other rules say.
func (s *Service) PutOverride(ctx context.Context, k catalogue.OverrideKey, agencyID string) error {
	snap := s.cur.Load()
	inv := &fault.Invalid{}
	if _, ok := snap.cat.Category(k.Category); !ok {
		inv.Add("path.category", "unknown category")
	}
	commune, ok := s.places.ByCode(k.CommuneCode)
	if !ok {
		inv.Add("path.commune", "unknown commune code")
	}
	if _, ok := snap.cat.Agency(agencyID); !ok {
		inv.Add("body.agency_id", "unknown agency")
	}
	if err := inv.Err(); err != nil {
		return err
	}
	k.CommuneCode = commune.Code
	if err := s.store.PutOverride(ctx, k, agencyID); err != nil {
		return err
	}
	return s.Reload(ctx)
}

// DeleteOverride removes an override; fault.ErrNotFound when there is none.
func (s *Service) DeleteOverride(ctx context.Context, k catalogue.OverrideKey) error {
	if c, ok := s.places.ByCode(k.CommuneCode); ok {
		k.CommuneCode = c.Code
	}
	if err := s.store.DeleteOverride(ctx, k); err != nil {
		return err
	}
	return s.Reload(ctx)
}

func invalid(field string, err error) error {
	inv := &fault.Invalid{}
	msg := err.Error()
	if errors.Is(err, catalogue.ErrInvalid) {
		msg = "the catalogue would become inconsistent: " + msg
	}
	inv.Add(field, msg)
	return inv
}

func replaceAgency(list []catalogue.Agency, a catalogue.Agency) []catalogue.Agency {
	for i := range list {
		if list[i].ID == a.ID {
			list[i] = a
			return list
		}
	}
	return append(list, a)
}

func replaceCategory(list []catalogue.Category, c catalogue.Category) []catalogue.Category {
	for i := range list {
		if list[i].Code == c.Code {
			list[i] = c
			return list
		}
	}
	return append(list, c)
}
