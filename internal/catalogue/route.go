package catalogue

import (
	"errors"
	"fmt"
	"strings"

	"github.com/quangninh/feedback/internal/jurisdiction"
)

// Locator finds the commune of a point; *jurisdiction.Index is one.
type Locator interface {
	Locate(jurisdiction.Point) (jurisdiction.Commune, bool)
	Nearest(jurisdiction.Point) (jurisdiction.Commune, float64)
}

var _ Locator = (*jurisdiction.Index)(nil)

// OverrideKey selects the reports of one category in one commune.
type OverrideKey struct {
	Category    string
	CommuneCode string // the official code or one of its alternative codes
}

// RouteInput is what routing needs to know about a report.
type RouteInput struct {
	Category  string
	Point     jurisdiction.Point
	Places    Locator
	Overrides map[OverrideKey]string // agency ID chosen by an administrator; may be nil
}

// Rule names the routing rule that made a decision. The values are stable: they are stored with the
// report and shown to administrators.
type Rule string

// The routing rules, in the order they are tried.
const (
	RuleOverride         Rule = "override"          // an administrator's override for (category, commune)
	RuleProvincialBody   Rule = "provincial_body"   // the category has a provincial handler
	RuleCommunePolygon   Rule = "commune_polygon"   // the commune whose boundary contains the point
	RuleNearestCommune   Rule = "nearest_commune"   // no boundary contains it; the nearest within 3 km
	RuleOperationsCentre Rule = "operations_centre" // nobody else fits; the dispatchers reassign it
)

// NearestCommuneMetres is how far outside every boundary (at sea, or in a gap between polygons) a point
// may be and still go to the nearest commune. Further out, commune-level reports go to the operations
// centre.
const NearestCommuneMetres = 3000

// Decision is where a report goes and why.
type Decision struct {
	AgencyID    string
	CommuneCode string // the commune the point was placed in; empty when it is in none (far at sea)
	Rule        Rule
	Reason      string // one English line for people, e.g. for an audit log
	ReasonVi    string // the same in Vietnamese, for officials and citizens
}

// Routing errors.
var (
	ErrUnknownCategory = errors.New("unknown category")
	ErrUnknownAgency   = errors.New("unknown agency")
)

// Route decides which agency handles a report. The rules, first match wins:
//
//  1. an override for (category, commune) wins;
//  2. a category with a provincial handler goes to that body (bay_pollution to the Hạ Long Bay board,
//     wherever the point is);
//  3. a commune-level category goes to the People's Committee of the commune containing the point;
//  4. a point in no commune goes to the nearest commune's People's Committee if it is within 3 km,
//     otherwise to the operations centre.
//
// The commune (recorded in every decision, and the one rule 1 looks up) is found as in rules 3 and 4.
// A commune-level report in a commune that has no People's Committee in the catalogue also goes to the
// operations centre.
//
// It fails with ErrUnknownCategory for a category not in the catalogue and with ErrUnknownAgency when
// the matching override names an agency the catalogue does not have.
func (c *Catalogue) Route(in RouteInput) (Decision, error) {
	cat, ok := c.Category(in.Category)
	if !ok {
		return Decision{}, fmt.Errorf("%w: %q", ErrUnknownCategory, in.Category)
	}
	pl := place(in.Places, in.Point)
	d := Decision{CommuneCode: pl.commune.Code}

	if pl.found() {
		for _, code := range append([]string{pl.commune.Code}, pl.commune.AltCodes...) {
			id, ok := in.Overrides[OverrideKey{cat.Code, code}]
			if !ok {
				continue
			}
			a, ok := c.Agency(id)
			if !ok {
				return Decision{}, fmt.Errorf("%w: override for %s in %s names %q", ErrUnknownAgency, cat.Code, code, id)
			}
			d.AgencyID, d.Rule = a.ID, RuleOverride
			d.Reason = fmt.Sprintf("an administrator assigned %s in %s to %s; the point %s", cat.Code, pl.commune.FullNameEn, a.NameEn, pl.en())
			d.ReasonVi = fmt.Sprintf("quản trị viên đã giao loại phản ánh %q tại %s cho %s; điểm %s", cat.NameVi, pl.commune.FullName, a.NameVi, pl.vi())
			return d, nil
		}
	}

	if cat.Handler != HandlerCommune {
		a, _ := c.Agency(cat.Handler) // New checked that it exists
		d.AgencyID, d.Rule = a.ID, RuleProvincialBody
		d.Reason = fmt.Sprintf("%s is handled by %s; the point %s", cat.Code, a.NameEn, pl.en())
		d.ReasonVi = fmt.Sprintf("loại phản ánh %q do %s xử lý; điểm %s", cat.NameVi, a.NameVi, pl.vi())
		return d, nil
	}

	ops := c.OperationsCentre()
	if !pl.found() {
		d.AgencyID, d.Rule = ops.ID, RuleOperationsCentre
		d.Reason = fmt.Sprintf("%s is handled by the commune, but the point %s; sent to the %s", cat.Code, pl.en(), ops.NameEn)
		d.ReasonVi = fmt.Sprintf("loại phản ánh %q do UBND cấp xã xử lý nhưng điểm %s; chuyển %s", cat.NameVi, pl.vi(), ops.NameVi)
		return d, nil
	}
	a, ok := c.CommuneAgency(pl.commune.Code)
	if !ok {
		d.AgencyID, d.Rule = ops.ID, RuleOperationsCentre
		d.Reason = fmt.Sprintf("%s is handled by the commune; the point %s, which has no People's Committee in the catalogue; sent to the %s", cat.Code, pl.en(), ops.NameEn)
		d.ReasonVi = fmt.Sprintf("loại phản ánh %q do UBND cấp xã xử lý; điểm %s nhưng danh mục chưa có UBND của đơn vị này; chuyển %s", cat.NameVi, pl.vi(), ops.NameVi)
		return d, nil
	}
	d.AgencyID, d.Rule = a.ID, RuleCommunePolygon
	if pl.metres > 0 {
		d.Rule = RuleNearestCommune
	}
	d.Reason = fmt.Sprintf("%s is handled by the commune; the point %s", cat.Code, pl.en())
	d.ReasonVi = fmt.Sprintf("loại phản ánh %q do UBND cấp xã xử lý; điểm %s", cat.NameVi, pl.vi())
	return d, nil
}

// placement is where a point was placed: inside a commune (metres 0), near one (metres > 0), or in
// none (commune zero, metres to the nearest).
type placement struct {
	commune jurisdiction.Commune
	metres  float64
	nearest jurisdiction.Commune // set when no commune was found, to explain why
}

func place(l Locator, p jurisdiction.Point) placement {
	if c, ok := l.Locate(p); ok {
		return placement{commune: c}
	}
	c, d := l.Nearest(p)
	if d <= NearestCommuneMetres {
		return placement{commune: c, metres: max(d, 1e-9)}
	}
	return placement{metres: d, nearest: c}
}

func (pl placement) found() bool { return pl.commune.Code != "" }

func (pl placement) en() string {
	switch {
	case pl.found() && pl.metres == 0:
		return "lies inside " + pl.commune.FullNameEn
	case pl.found():
		return fmt.Sprintf("lies in no commune but %s from %s", km(pl.metres), pl.commune.FullNameEn)
	case pl.nearest.Code != "":
		return fmt.Sprintf("lies in no commune and %s from the nearest, %s (more than 3 km)", km(pl.metres), pl.nearest.FullNameEn)
	}
	return "lies in no commune"
}

func (pl placement) vi() string {
	switch {
	case pl.found() && pl.metres == 0:
		return "nằm trong " + pl.commune.FullName
	case pl.found():
		return fmt.Sprintf("không nằm trong đơn vị hành chính nào, cách %s %s", pl.commune.FullName, viNumber(km(pl.metres)))
	case pl.nearest.Code != "":
		return fmt.Sprintf("không nằm trong đơn vị hành chính nào và cách đơn vị gần nhất (%s) %s, xa hơn 3 km", pl.nearest.FullName, viNumber(km(pl.metres)))
	}
	return "không nằm trong đơn vị hành chính nào"
}

func km(m float64) string { return fmt.Sprintf("%.1f km", m/1000) }

// viNumber writes the decimal point as Vietnamese does, with a comma.
func viNumber(s string) string { return strings.Replace(s, ".", ",", 1) }
