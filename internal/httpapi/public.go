package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/workcal"
)

// PublicMap serves the public reads of resolved reports.
type PublicMap interface {
	Map(ctx context.Context, b publicmap.BBox, zoom int, f publicmap.Filter, etag string) (publicmap.MapResult, bool, error)
	Report(ctx context.Context, code string) (publicmap.PublicReport, error)
	Stats(ctx context.Context, from, to time.Time, d publicmap.Dimension) ([]publicmap.StatsRow, error)
	Name(d publicmap.Dimension, key string) (vi, en string)
}

const (
	mapCacheControl        = "public, max-age=60"
	boundariesCacheControl = "public, max-age=86400"
	// boundaryTolerance is the Douglas-Peucker tolerance of the public boundaries, in degrees (about 50 m).
	boundaryTolerance = 0.0005
)

// GetPublicMap answers a map query with clusters or reports.
func (s *Server) GetPublicMap(ctx context.Context, req api.GetPublicMapRequestObject) (api.GetPublicMapResponseObject, error) {
	q := req.Params
	b, err := publicmap.ParseBBox(q.Bbox)
	if err != nil {
		return nil, err
	}
	f := publicmap.Filter{Category: deref(q.Category), Agency: deref(q.Agency), Commune: deref(q.Commune)}
	if q.Since != nil {
		f.Since = dayIn(q.Since.Time)
	}
	if q.Until != nil {
		f.Until = dayIn(q.Until.Time)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return nil, invalidField("query.until", "must not be before since")
	}
	res, notModified, err := s.deps.Public.Map(ctx, b, q.Zoom, f, deref(q.IfNoneMatch))
	if err != nil {
		return nil, err
	}
	if notModified {
		return api.GetPublicMap304Response{Headers: api.GetPublicMap304ResponseHeaders{ETag: res.ETag, CacheControl: mapCacheControl}}, nil
	}
	fc := api.PublicFeatureCollection{Type: api.PublicFeatureCollectionTypeFeatureCollection, Features: make([]api.PublicFeature, 0, len(res.Features))}
	if res.Truncated {
		fc.Truncated = &res.Truncated
	}
	for _, ft := range res.Features {
		pf := api.PublicFeature{Type: api.PublicFeatureTypeFeature,
			Geometry: api.PointGeometry{Type: api.Point, Coordinates: []float64{ft.Lng, ft.Lat}}}
		if ft.Point == nil {
			n := ft.Count
			pf.Properties = api.PublicFeatureProperties{Cluster: true, Count: &n}
		} else {
			p := ft.Point
			vi, en := s.deps.Public.Name(publicmap.ByCategory, p.Category)
			commune, _ := s.deps.Public.Name(publicmap.ByCommune, p.Commune)
			resolved := time.Unix(p.Resolved, 0).UTC()
			onTime := p.OnTime
			pf.Properties = api.PublicFeatureProperties{Code: ptr(p.Code), Category: ptr(p.Category), CategoryNameVi: ptr(vi),
				CategoryNameEn: ptr(en), Agency: ptr(p.Agency), Commune: ptr(p.Commune), CommuneName: ptr(commune),
				OnTime: &onTime, ResolvedAt: &resolved}
		}
		fc.Features = append(fc.Features, pf)
	}
	return api.GetPublicMap200ApplicationGeoPlusJSONResponse{Body: fc,
		Headers: api.GetPublicMap200ResponseHeaders{ETag: res.ETag, CacheControl: mapCacheControl}}, nil
}

// GetPublicReport returns one public report.
func (s *Server) GetPublicReport(ctx context.Context, req api.GetPublicReportRequestObject) (api.GetPublicReportResponseObject, error) {
	v, err := s.deps.Public.Report(ctx, req.Code)
	if err != nil {
		return nil, err
	}
	catVi, catEn := s.deps.Public.Name(publicmap.ByCategory, v.Category)
	agVi, agEn := s.deps.Public.Name(publicmap.ByAgency, v.Agency)
	commune, _ := s.deps.Public.Name(publicmap.ByCommune, v.Commune)
	out := api.PublicReport{Code: v.Code, Category: v.Category, CategoryNameVi: ptr(catVi), CategoryNameEn: ptr(catEn),
		Commune: v.Commune, CommuneName: ptr(commune), Agency: v.Agency, AgencyNameVi: ptr(agVi), AgencyNameEn: ptr(agEn),
		Description: v.Description, ReceivedAt: v.ReceivedAt, ResolvedAt: v.ResolvedAt, OnTime: v.OnTime,
		Location: &api.PointGeometry{Type: api.Point, Coordinates: []float64{v.Lng, v.Lat}}, LocationPrecisionM: &v.LocationPrecisionM,
		Photos: []api.PublicPhoto{}}
	if v.Reply != "" {
		out.Reply = &v.Reply
	}
	if v.Rating > 0 {
		out.Rating = &v.Rating
	}
	for _, ph := range v.Photos {
		full, err := s.deps.Presigner.PresignGet(ctx, ph.PublicKey, photoURLTTL)
		if err != nil {
			return nil, err
		}
		thumb, err := s.deps.Presigner.PresignGet(ctx, ph.ThumbKey, photoURLTTL)
		if err != nil {
			return nil, err
		}
		out.Photos = append(out.Photos, api.PublicPhoto{Kind: api.PublicPhotoKind(ph.Kind), Url: full, ThumbnailUrl: thumb})
	}
	return api.GetPublicReport200JSONResponse{Body: out, Headers: api.GetPublicReport200ResponseHeaders{CacheControl: mapCacheControl}}, nil
}

// GetPublicStats returns the statistics as JSON or CSV.
func (s *Server) GetPublicStats(ctx context.Context, req api.GetPublicStatsRequestObject) (api.GetPublicStatsResponseObject, error) {
	q := req.Params
	from, to := dayIn(q.From.Time), dayIn(q.To.Time)
	rows, err := s.deps.Public.Stats(ctx, from, to, publicmap.Dimension(q.By))
	if err != nil {
		return nil, err
	}
	headers := api.GetPublicStats200ResponseHeaders{CacheControl: mapCacheControl}
	if q.Format != nil && *q.Format == api.Csv {
		b := publicmap.CSV(rows)
		return api.GetPublicStats200TextcsvResponse{Body: bytes.NewReader(b), ContentLength: int64(len(b)), Headers: headers}, nil
	}
	out := api.PublicStatsList{From: q.From, To: q.To, By: string(q.By), Items: make([]api.PublicStatsRow, len(rows))}
	for i, r := range rows {
		out.Items[i] = api.PublicStatsRow{Key: r.Key, NameVi: ptr(r.NameVi), NameEn: ptr(r.NameEn), Received: r.Received,
			Resolved: r.Resolved, OnTimeShare: r.OnTimeShare, MedianHours: r.MedianHours, AvgRating: r.AvgRating}
	}
	return api.GetPublicStats200JSONResponse{Body: out, Headers: headers}, nil
}

var publicBoundaries = sync.OnceValues(func() (api.BoundaryCollection, error) {
	bs, err := jurisdiction.Boundaries(boundaryTolerance)
	if err != nil {
		return api.BoundaryCollection{}, err
	}
	fc := api.BoundaryCollection{Type: api.BoundaryCollectionTypeFeatureCollection, Features: make([]api.BoundaryFeature, 0, len(bs))}
	for _, b := range bs {
		var f api.BoundaryFeature
		f.Type = api.BoundaryFeatureTypeFeature
		f.Geometry.Type = api.MultiPolygon
		f.Properties.Kind = api.BoundaryFeaturePropertiesKind(b.Kind)
		if b.Code != "" {
			f.Properties.Code, f.Properties.Name, f.Properties.NameEn = ptr(b.Code), ptr(b.Name), ptr(b.NameEn)
		}
		for _, poly := range b.Polygons {
			var rings [][][]float64
			for _, ring := range poly {
				pts := make([][]float64, len(ring))
				for i, p := range ring {
					pts[i] = []float64{p[0], p[1]}
				}
				rings = append(rings, pts)
			}
			f.Geometry.Coordinates = append(f.Geometry.Coordinates, rings)
		}
		fc.Features = append(fc.Features, f)
	}
	return fc, nil
})

var boundariesETag = sync.OnceValue(func() string {
	fc, _ := publicBoundaries()
	b, _ := json.Marshal(fc)
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
})

// GetPublicBoundaries returns the simplified communes and province outline.
func (s *Server) GetPublicBoundaries(ctx context.Context, _ api.GetPublicBoundariesRequestObject) (api.GetPublicBoundariesResponseObject, error) {
	fc, err := publicBoundaries()
	if err != nil {
		return nil, err
	}
	return api.GetPublicBoundaries200ApplicationGeoPlusJSONResponse{Body: fc,
		Headers: api.GetPublicBoundaries200ResponseHeaders{ETag: boundariesETag(), CacheControl: boundariesCacheControl}}, nil
}

// dayIn is the start of the calendar day d in Vietnam time.
func dayIn(d time.Time) time.Time {
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, workcal.Location())
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
