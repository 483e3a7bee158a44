// Package publicmap is what the public may see of resolved reports: which reports are publishable, their
// public view, the precomputed map tiles that serve the map, and the daily statistics.
//
// Every hot public read is a read of precomputed documents by _id (FerretDB decodes whole collections for
// any other filter), so this package keeps these documents up to date when a report changes:
//
//   - a publication record per report code (collection public_reports): the public view, plus what the
//     report contributed to tiles and statistics, so a later change can take it back;
//   - map tiles, "z/x/y" in Web-Mercator (collection map_tiles), and the breakdowns of cluster tiles by
//     category, agency, commune and month (collection map_breakdowns), both by DocID (see tiles.go);
//   - statistics day documents (collection stats), "YYYY-MM-DD|dimension" (see stats.go).
//
// The documents are opaque bytes to the store (this package encodes them), so the adapter needs only
// get-by-_id, put and an arbitrated read-modify-write.
package publicmap

import (
	"slices"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// Photo is a public derivative of a report's photo: the S3 keys of the stripped image and its thumbnail.
type Photo struct {
	Kind      string `json:"kind"` // "before" or "after"
	PublicKey string `json:"public_key"`
	ThumbKey  string `json:"thumb_key"`
}

// PublicReport is the public view of a report. It holds nothing about the reporter and no internal comment.
type PublicReport struct {
	Code        string  `json:"code"`
	Category    string  `json:"category"`
	Commune     string  `json:"commune"`
	Agency      string  `json:"agency"`
	Description string  `json:"description"`
	Reply       string  `json:"reply,omitempty"` // the note of the last resolve event
	Lat         float64 `json:"lat"`             // at the category's public precision (Service.Sync sets them)
	Lng         float64 `json:"lng"`
	// LocationPrecisionM is the public precision Lat, Lng were rounded to when the report was first
	// published (catalogue.Category.PublicPrecisionM); 0 for the exact point.
	LocationPrecisionM int       `json:"precision_m"`
	Photos             []Photo   `json:"photos"`
	ReceivedAt         time.Time `json:"received_at"`
	ResolvedAt         time.Time `json:"resolved_at"`
	Deadline           time.Time `json:"deadline,omitzero"` // when it was due to be resolved; zero when unknown
	OnTime             bool      `json:"on_time"`
	Rating             int       `json:"rating,omitempty"`
}

// Publishable reports whether the report may be shown publicly: resolved or closed (with a resolution), of
// a category that is not sensitive, with the reporter's consent, and not hidden by an officer. cat must be
// the report's category; an unknown category (cat.Code != r.Category) is never publishable.
func Publishable(r report.Report, t report.Ticket, cat catalogue.Category) bool {
	return (r.Status == report.Resolved || r.Status == report.Closed) && !t.ResolvedAt.IsZero() &&
		cat.Code == r.Category && !cat.Sensitive && r.PublishConsent && !t.Hidden
}

// OnTime reports whether the report was resolved by its deadline. A ticket without a known deadline counts
// as on time.
func OnTime(t report.Ticket) bool {
	return t.ResolveBy.IsZero() || !t.ResolvedAt.After(t.ResolveBy)
}

// Reply is the agency's public reply: the note of the last resolve event.
func Reply(r report.Report) string {
	for i := len(r.Timeline) - 1; i >= 0; i-- {
		if r.Timeline[i].Action == string(report.ActionResolve) {
			return r.Timeline[i].Note
		}
	}
	return ""
}

// View returns the public view of r, at r's exact location: Service.Sync puts the public one in its
// place. It does not check Publishable.
func View(r report.Report, t report.Ticket) PublicReport {
	v := PublicReport{
		Code: r.Code, Category: r.Category, Commune: r.Routing.CommuneCode, Agency: r.Routing.AgencyID,
		Description: r.Description, Reply: Reply(r), Lat: r.Location.Lat, Lng: r.Location.Lng,
		ReceivedAt: r.CreatedAt.UTC(), ResolvedAt: t.ResolvedAt.UTC(), Deadline: t.ResolveBy.UTC(), OnTime: OnTime(t), Rating: t.Rating,
		Photos: []Photo{},
	}
	for _, p := range r.Photos {
		if p.State != report.PhotoReady || p.PublicKey == "" {
			continue
		}
		kind := "before"
		if slices.Contains(t.AfterPhotos, p.ID) {
			kind = "after"
		}
		v.Photos = append(v.Photos, Photo{Kind: kind, PublicKey: p.PublicKey, ThumbKey: p.ThumbKey})
	}
	return v
}

// Summary is a report as a map tile holds it. V is the report's version, so that an older change arriving
// late never overwrites a newer one; Gone marks a report taken off the map (a tombstone).
type Summary struct {
	Code     string  `json:"c"`
	Lat      float64 `json:"y"`
	Lng      float64 `json:"x"`
	Category string  `json:"k,omitempty"`
	Agency   string  `json:"a,omitempty"`
	Commune  string  `json:"m,omitempty"`
	Received int     `json:"d,omitempty"` // YYYYMMDD, Vietnam time
	Resolved int64   `json:"r,omitempty"` // Unix seconds
	OnTime   bool    `json:"o,omitempty"`
	V        int64   `json:"v"`
	Gone     bool    `json:"g,omitempty"`
}

// summaryOf is the tile entry of a public view.
func summaryOf(v PublicReport, version int64) Summary {
	return Summary{Code: v.Code, Lat: v.Lat, Lng: v.Lng, Category: v.Category, Agency: v.Agency, Commune: v.Commune,
		Received: dayNumber(v.ReceivedAt), Resolved: v.ResolvedAt.Unix(), OnTime: v.OnTime, V: version}
}

// dayNumber is the Vietnam-time date of t as YYYYMMDD.
func dayNumber(t time.Time) int {
	y, m, d := t.In(workcal.Location()).Date()
	return y*10000 + int(m)*100 + d
}

// dayString is the Vietnam-time date of t as YYYY-MM-DD.
func dayString(t time.Time) string { return t.In(workcal.Location()).Format(time.DateOnly) }
