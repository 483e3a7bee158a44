package jurisdiction

import (
	_ "embed"
	"sync"
)

var (
	//go:embed data/quang_ninh_communes_2025.geojson
	communesGeoJSON []byte
	//go:embed data/quang_ninh_province_2025.geojson
	provinceGeoJSON []byte
)

var defaultIndex = sync.OnceValues(func() (*Index, error) {
	return Load(communesGeoJSON, provinceGeoJSON)
})

// Default returns the index of the embedded 2025 Quảng Ninh data, built on first use (0.4 s to 1 s on a
// small server, mostly JSON decoding) and shared afterwards.
//
// It panics if the embedded data does not load, which is a build defect that the package tests catch.
func Default() *Index {
	ix, err := defaultIndex()
	if err != nil {
		panic("jurisdiction: embedded data: " + err.Error())
	}
	return ix
}
