// Package catalogue holds the agencies that handle citizen reports, the report categories, and the
// rules that route a report to one agency.
//
// A Catalogue is a plain value built from slices, so the seed data here can later be replaced by
// whatever administrators edit at runtime: build a new Catalogue from the edited slices and swap it in.
package catalogue

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/quangninh/feedback/internal/jurisdiction"
)

// AgencyKind says what sort of body an agency is.
type AgencyKind string

// The kinds of agency.
const (
	KindCommune          AgencyKind = "commune"           // a commune-level People's Committee (UBND)
	KindProvincial       AgencyKind = "provincial"        // a provincial department or board
	KindUtility          AgencyKind = "utility"           // a power or water company
	KindOperationsCentre AgencyKind = "operations_centre" // the dispatchers of last resort
)

// ParseAgencyKind returns the kind named s, or an error for an unknown kind.
func ParseAgencyKind(s string) (AgencyKind, error) {
	switch k := AgencyKind(s); k {
	case KindCommune, KindProvincial, KindUtility, KindOperationsCentre:
		return k, nil
	}
	return "", fmt.Errorf("unknown agency kind %q", s)
}

// Agency is a body that receives and resolves reports.
type Agency struct {
	ID          string // stable: "ubnd-06673", "so-xay-dung"
	NameVi      string
	NameEn      string
	Kind        AgencyKind
	CommuneCode string // for KindCommune, the commune it governs; empty otherwise
}

// DeadlineClass says how quickly a category must be handled; the deadline rules live elsewhere.
type DeadlineClass string

// The deadline classes.
const (
	Urgent DeadlineClass = "urgent"
	Normal DeadlineClass = "normal"
)

// ParseDeadlineClass returns the class named s, or an error for an unknown class.
func ParseDeadlineClass(s string) (DeadlineClass, error) {
	switch d := DeadlineClass(s); d {
	case Urgent, Normal:
		return d, nil
	}
	return "", fmt.Errorf("unknown deadline class %q", s)
}

// HandlerCommune as a Category.Handler means "the People's Committee of the commune where the problem
// is". Any other handler is an agency ID.
const HandlerCommune = "commune"

// Category is a kind of problem a citizen can report.
type Category struct {
	Code      string // stable: "road_damage"
	NameVi    string
	NameEn    string
	Group     string // for grouping in the app: "urban", "safety", "environment", ...
	Handler   string // HandlerCommune or an agency ID
	Deadline  DeadlineClass
	Sensitive bool // the report's details are not shown publicly (e.g. public order)
	Physical  bool // resolving it changes something visible, so an "after" photo is required
	// PublicPrecisionM is how precisely a report's location is published (public map, public report,
	// Open311, followers): snapped to the centre of a grid cell this many metres wide, 0 for the exact
	// point. Exact suits what stands in the street (a street light, a pothole); about 100 m what may
	// point at someone's home (noise, a neighbour's building work). See PublicPoint.
	PublicPrecisionM int
	// Keywords are words (both languages) a partner's app may search; Attributes the questions every
	// report of the category answers (Open311 service definitions).
	Keywords   []string
	Attributes []Attribute
}

// DefaultPublicPrecisionM is the public location precision of a category that does not set one: about a
// street block, enough not to point at a home. MaxPublicPrecisionM is the coarsest allowed.
const (
	DefaultPublicPrecisionM = 100
	MaxPublicPrecisionM     = 5000
)

// PublicPoint is p as the category publishes it: the centre of the PublicPrecisionM grid cell holding p
// (jurisdiction.Snap), or p itself for an exact category.
func (c Category) PublicPoint(p jurisdiction.Point) jurisdiction.Point {
	return jurisdiction.Snap(p, float64(c.PublicPrecisionM))
}

// Catalogue is a validated, immutable set of agencies and categories. Safe for concurrent use.
type Catalogue struct {
	agencies   []Agency
	categories []Category
	agencyByID map[string]int
	categoryBy map[string]int
	byCommune  map[string]int // commune code → index of its People's Committee
	opsCentre  int            // index of the operations centre
}

// ErrInvalid is wrapped by New's errors.
var ErrInvalid = errors.New("invalid catalogue")

// New validates agencies and categories and returns the catalogue holding copies of them, sorted by ID
// and code.
//
// It fails, wrapping ErrInvalid with every problem found, when an ID or code is empty or repeated, a
// kind or deadline class is unknown, a commune agency has no commune code or two share one, a
// category's handler is neither HandlerCommune nor a known agency, its public location precision is
// outside 0 to MaxPublicPrecisionM, or there is not exactly one operations centre (the fallback for
// reports that no rule places).
func New(agencies []Agency, categories []Category) (*Catalogue, error) {
	c := &Catalogue{
		agencies:   slices.Clone(agencies),
		categories: slices.Clone(categories),
		agencyByID: make(map[string]int),
		categoryBy: make(map[string]int),
		byCommune:  make(map[string]int),
		opsCentre:  -1,
	}
	slices.SortFunc(c.agencies, func(a, b Agency) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(c.categories, func(a, b Category) int { return cmp.Compare(a.Code, b.Code) })

	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for i, a := range c.agencies {
		if a.ID == "" {
			bad("agency %q has no ID", a.NameEn)
			continue
		}
		if _, dup := c.agencyByID[a.ID]; dup {
			bad("agency ID %s is repeated", a.ID)
		}
		c.agencyByID[a.ID] = i
		if _, err := ParseAgencyKind(string(a.Kind)); err != nil {
			bad("agency %s: %v", a.ID, err)
		}
		if a.NameVi == "" || a.NameEn == "" {
			bad("agency %s: needs both a Vietnamese and an English name", a.ID)
		}
		switch a.Kind {
		case KindCommune:
			if a.CommuneCode == "" {
				bad("agency %s: a commune agency needs a commune code", a.ID)
			} else if j, dup := c.byCommune[a.CommuneCode]; dup {
				bad("agencies %s and %s both govern commune %s", c.agencies[j].ID, a.ID, a.CommuneCode)
			} else {
				c.byCommune[a.CommuneCode] = i
			}
		case KindOperationsCentre:
			if c.opsCentre >= 0 {
				bad("two operations centres: %s and %s", c.agencies[c.opsCentre].ID, a.ID)
			}
			c.opsCentre = i
		}
	}
	if c.opsCentre < 0 {
		bad("no operations centre")
	}
	for i, cat := range c.categories {
		if cat.Code == "" {
			bad("category %q has no code", cat.NameEn)
			continue
		}
		if _, dup := c.categoryBy[cat.Code]; dup {
			bad("category code %s is repeated", cat.Code)
		}
		c.categoryBy[cat.Code] = i
		if _, err := ParseDeadlineClass(string(cat.Deadline)); err != nil {
			bad("category %s: %v", cat.Code, err)
		}
		checkAttributes(cat, bad)
		if cat.PublicPrecisionM < 0 || cat.PublicPrecisionM > MaxPublicPrecisionM {
			bad("category %s: public location precision %d m is outside 0 to %d", cat.Code, cat.PublicPrecisionM, MaxPublicPrecisionM)
		}
		if cat.Handler != HandlerCommune {
			if _, ok := c.agencyByID[cat.Handler]; !ok {
				bad("category %s: handler %q is not an agency", cat.Code, cat.Handler)
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return c, nil
}

// Agencies returns a copy of every agency, sorted by ID.
func (c *Catalogue) Agencies() []Agency { return slices.Clone(c.agencies) }

// Categories returns a copy of every category, sorted by code.
func (c *Catalogue) Categories() []Category { return slices.Clone(c.categories) }

// Agency returns the agency with the ID, or false.
func (c *Catalogue) Agency(id string) (Agency, bool) {
	i, ok := c.agencyByID[id]
	if !ok {
		return Agency{}, false
	}
	return c.agencies[i], true
}

// Category returns the category with the code, or false.
func (c *Catalogue) Category(code string) (Category, bool) {
	i, ok := c.categoryBy[code]
	if !ok {
		return Category{}, false
	}
	return c.categories[i], true
}

// CommuneAgency returns the People's Committee of the commune with the code, or false.
func (c *Catalogue) CommuneAgency(communeCode string) (Agency, bool) {
	i, ok := c.byCommune[communeCode]
	if !ok {
		return Agency{}, false
	}
	return c.agencies[i], true
}

// OperationsCentre returns the agency that receives reports no other rule places.
func (c *Catalogue) OperationsCentre() Agency { return c.agencies[c.opsCentre] }
