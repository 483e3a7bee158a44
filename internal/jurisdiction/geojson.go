package jurisdiction

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// feature is the part of a GeoJSON feature the index reads. It stays inside this file: the rest of
// the package works with Commune and polygon.
type feature struct {
	Properties struct {
		Code           string     `json:"code"`
		AltCodes       []string   `json:"alt_codes"`
		Name           string     `json:"name"`
		FullName       string     `json:"full_name"`
		NameEn         string     `json:"name_en"`
		FullNameEn     string     `json:"full_name_en"`
		UnitType       string     `json:"unit_type"`
		CentroidLonLat [2]float64 `json:"centroid_lonlat"`
	} `json:"properties"`
	Geometry struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

type featureCollection struct {
	Features []feature `json:"features"`
}

// decodeCommunes returns the communes sorted by code and their polygons, owned by position in that
// order.
func decodeCommunes(data []byte) ([]Commune, []polygon, error) {
	var fc featureCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, nil, err
	}
	if len(fc.Features) == 0 {
		return nil, nil, fmt.Errorf("no features")
	}
	slices.SortStableFunc(fc.Features, func(a, b feature) int { return cmp.Compare(a.Properties.Code, b.Properties.Code) })
	communes := make([]Commune, 0, len(fc.Features))
	var polys []polygon
	for i, f := range fc.Features {
		p := f.Properties
		if p.Code == "" {
			return nil, nil, fmt.Errorf("feature %q has no code", p.FullName)
		}
		communes = append(communes, Commune{
			Code:       p.Code,
			AltCodes:   slices.Clip(slices.Clone(p.AltCodes)),
			Name:       p.Name,
			FullName:   p.FullName,
			NameEn:     p.NameEn,
			FullNameEn: p.FullNameEn,
			UnitType:   UnitType(p.UnitType),
			Centroid:   Point{Lat: p.CentroidLonLat[1], Lng: p.CentroidLonLat[0]},
		})
		ps, err := decodeGeometry(f, int32(i))
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", p.Code, p.FullName, err)
		}
		polys = append(polys, ps...)
	}
	return communes, polys, nil
}

// decodeOutline returns the polygons of every feature, all owned by 0.
func decodeOutline(data []byte) ([]polygon, error) {
	var fc featureCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, err
	}
	var polys []polygon
	for _, f := range fc.Features {
		ps, err := decodeGeometry(f, 0)
		if err != nil {
			return nil, err
		}
		polys = append(polys, ps...)
	}
	if len(polys) == 0 {
		return nil, fmt.Errorf("no polygons")
	}
	return polys, nil
}

// geometryParts returns a feature's polygons (rings of lon/lat pairs), a Polygon being one part.
func geometryParts(f feature) ([][][][2]float64, error) {
	var parts [][][][2]float64
	switch f.Geometry.Type {
	case "MultiPolygon":
		if err := json.Unmarshal(f.Geometry.Coordinates, &parts); err != nil {
			return nil, err
		}
	case "Polygon":
		var rings [][][2]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil {
			return nil, err
		}
		parts = [][][][2]float64{rings}
	default:
		return nil, fmt.Errorf("geometry %q: want Polygon or MultiPolygon", f.Geometry.Type)
	}
	return parts, nil
}

func decodeGeometry(f feature, owner int32) ([]polygon, error) {
	parts, err := geometryParts(f)
	if err != nil {
		return nil, err
	}
	var polys []polygon
	for _, part := range parts {
		p := polygon{owner: owner}
		for _, r := range part {
			if ring := toRing(r); ring != nil {
				p.rings = append(p.rings, ring)
			}
		}
		if len(p.rings) > 0 {
			polys = append(polys, p)
		}
	}
	return polys, nil
}

// toRing snaps lon/lat pairs to fixed-point units, drops repeated vertices and closes the ring. It
// returns nil for a ring with no area (fewer than three distinct vertices).
func toRing(coords [][2]float64) []vertex {
	ring := make([]vertex, 0, len(coords)+1)
	for _, c := range coords {
		v := vertex{x: int32(math.Round(c[0] * unitsPerDegree)), y: int32(math.Round(c[1] * unitsPerDegree))}
		if len(ring) > 0 && ring[len(ring)-1] == v {
			continue
		}
		ring = append(ring, v)
	}
	if len(ring) > 1 && ring[0] == ring[len(ring)-1] {
		ring = ring[:len(ring)-1]
	}
	if len(ring) < 3 {
		return nil
	}
	return append(ring, ring[0])
}
