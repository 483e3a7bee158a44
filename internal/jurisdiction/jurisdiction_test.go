package jurisdiction

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLocateKnownPlaces(t *testing.T) {
	ix := Default()
	tests := []struct {
		place string
		p     Point
		want  string // full_name; the first five are the data README's "Checked points"
	}{
		{"Bãi Cháy", Point{20.955, 107.045}, "Phường Bãi Cháy"},
		{"Chợ Hạ Long 1, Hồng Gai", Point{20.953, 107.083}, "Phường Hồng Gai"},
		{"Yên Tử pagoda area", Point{21.15, 106.72}, "Phường Yên Tử"},
		{"Cái Rồng", Point{21.06, 107.42}, "Đặc khu Vân Đồn"},
		// 20.97,107.76 is a few hundred metres offshore in this data; the town is just north-east.
		{"Cô Tô town", Point{20.975, 107.770}, "Đặc khu Cô Tô"},
		{"Móng Cái border gate, Ka Long bridge", Point{21.53, 107.97}, "Phường Móng Cái 1"},
		{"Uông Bí centre", Point{21.036, 106.77}, "Phường Uông Bí"},
		{"Tiên Yên town", Point{21.33, 107.40}, "Xã Tiên Yên"},
	}
	for _, tt := range tests {
		t.Run(tt.place, func(t *testing.T) {
			c, ok := ix.Locate(tt.p)
			if !ok {
				t.Fatalf("Locate(%v): in no commune, want %s", tt.p, tt.want)
			}
			if c.FullName != tt.want {
				t.Errorf("Locate(%v) = %s, want %s", tt.p, c.FullName, tt.want)
			}
			if n, d := ix.Nearest(tt.p); n.Code != c.Code || d != 0 {
				t.Errorf("Nearest(%v) = %s, %v m; want the containing commune at 0 m", tt.p, n.FullName, d)
			}
			if !ix.InProvince(tt.p) {
				t.Errorf("InProvince(%v) = false", tt.p)
			}
		})
	}
}

func TestSeaPoints(t *testing.T) {
	ix := Default()
	tests := []struct {
		name    string
		p       Point
		nearest string
		minM    float64
		maxM    float64
	}{
		{"off Hồng Gai, near the coast", Point{20.88, 107.12}, "Phường Hồng Gai", 100, 1000},
		{"south of Bãi Cháy", Point{20.90, 107.05}, "Phường Bãi Cháy", 1500, 3000},
		{"open water between Vân Đồn and Cô Tô", Point{20.94, 107.68}, "Đặc khu Cô Tô", 5000, 7000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, ok := ix.Locate(tt.p); ok {
				t.Fatalf("Locate(%v) = %s, want no commune (sea)", tt.p, c.FullName)
			}
			c, d := ix.Nearest(tt.p)
			if c.FullName != tt.nearest || d < tt.minM || d > tt.maxM {
				t.Errorf("Nearest(%v) = %s at %.0f m, want %s within [%v, %v] m", tt.p, c.FullName, d, tt.nearest, tt.minM, tt.maxM)
			}
			if !ix.InProvince(tt.p) {
				t.Errorf("InProvince(%v) = false, want true (coastal buffer)", tt.p)
			}
		})
	}
}

func TestInProvinceOutside(t *testing.T) {
	ix := Default()
	for name, p := range map[string]Point{
		"Hà Nội":                           {21.028, 105.854},
		"Hải Phòng city centre":            {20.86, 106.68},
		"Lạng Sơn":                         {21.85, 106.76},
		"China, Guangxi coast":             {21.6, 108.2},
		"China, north of Dongxing (~9 km)": {21.60, 108.10},
		"open Gulf of Tonkin":              {20.5, 108.0},
	} {
		if ix.InProvince(p) {
			_, d := ix.Nearest(p)
			t.Errorf("%s %v: InProvince = true, want false (nearest commune %.0f m)", name, p, d)
		}
		if c, ok := ix.Locate(p); ok {
			t.Errorf("%s %v: Locate = %s, want none", name, p, c.FullName)
		}
	}
}

// A vertex shared by Hà Lầm, Hồng Gai and Hạ Long: the tie rule (the unit just north-east of the
// point wins) must give the same unit every time, including from a freshly built index.
func TestSharedVertexIsDeterministic(t *testing.T) {
	p := Point{20.95810, 107.09192}
	fresh, err := Load(communesGeoJSON, provinceGeoJSON)
	if err != nil {
		t.Fatal(err)
	}
	for _, ix := range []*Index{Default(), fresh, Default()} {
		c, ok := ix.Locate(p)
		if !ok || c.FullName != "Phường Hà Lầm" {
			t.Fatalf("Locate(%v) = %q, %v; want Phường Hà Lầm", p, c.FullName, ok)
		}
	}
}

func TestByCode(t *testing.T) {
	ix := Default()
	for _, code := range []string{"06978", "06970"} {
		c, ok := ix.ByCode(code)
		if !ok || c.FullName != "Xã Ba Chẽ" || c.Code != "06978" {
			t.Errorf("ByCode(%s) = %+v, %v; want Xã Ba Chẽ (06978)", code, c, ok)
		}
	}
	if c, ok := ix.ByCode("99999"); ok {
		t.Errorf("ByCode(99999) = %s, want not found", c.FullName)
	}
	c, _ := ix.ByCode("06673")
	want := Commune{
		Code: "06673", AltCodes: []string{}, Name: "Bãi Cháy", FullName: "Phường Bãi Cháy",
		NameEn: "Bai Chay", FullNameEn: "Bai Chay Ward", UnitType: UnitWard, Centroid: c.Centroid,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("ByCode(06673) mismatch (-want +got):\n%s", diff)
	}
}

func TestAll(t *testing.T) {
	all := Default().All()
	if len(all) != 54 {
		t.Fatalf("All() has %d communes, want 54", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b Commune) int { return cmpString(a.Code, b.Code) }) {
		t.Error("All() is not sorted by code")
	}
	count := map[UnitType]int{}
	for _, c := range all {
		count[c.UnitType]++
	}
	if diff := cmp.Diff(map[UnitType]int{UnitWard: 30, UnitCommune: 22, UnitSpecialZone: 2}, count); diff != "" {
		t.Errorf("unit types (-want +got):\n%s", diff)
	}
	// Callers get copies.
	all[0].AltCodes = append(all[0].AltCodes, "x")
	if again := Default().All(); len(again[0].AltCodes) != 0 {
		t.Error("All() shares AltCodes with the index")
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestParsePoint(t *testing.T) {
	if _, err := ParsePoint(20.95, 107.04); err != nil {
		t.Errorf("ParsePoint(valid) = %v", err)
	}
	for _, p := range [][2]float64{{91, 0}, {0, 181}, {math.NaN(), 0}, {0, math.Inf(1)}} {
		if _, err := ParsePoint(p[0], p[1]); !errors.Is(err, ErrInvalidPoint) {
			t.Errorf("ParsePoint(%v, %v) = %v, want ErrInvalidPoint", p[0], p[1], err)
		}
	}
	// Nonsense reaching the index is answered, not panicked on.
	ix := Default()
	if _, ok := ix.Locate(Point{math.NaN(), math.NaN()}); ok {
		t.Error("Locate(NaN) found a commune")
	}
	if ix.InProvince(Point{math.NaN(), 107}) {
		t.Error("InProvince(NaN) = true")
	}
}

func TestLoadErrors(t *testing.T) {
	dup := []byte(`{"features":[
	 {"properties":{"code":"1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
	 {"properties":{"code":"2","alt_codes":["1"]},"geometry":{"type":"Polygon","coordinates":[[[2,0],[3,0],[3,1],[2,0]]]}}]}`)
	point := []byte(`{"features":[{"properties":{"code":"1"},"geometry":{"type":"Point","coordinates":[0,0]}}]}`)
	for name, communes := range map[string][]byte{"bad json": []byte("{"), "duplicate code": dup, "not a polygon": point} {
		if _, err := Load(communes, provinceGeoJSON); err == nil {
			t.Errorf("%s: Load succeeded, want an error", name)
		}
	}
}

// Holes are cut out: a square with a square hole contains the ring but not the hole.
func TestHoles(t *testing.T) {
	communes := []byte(`{"features":[{"properties":{"code":"1"},"geometry":{"type":"Polygon","coordinates":[
	  [[107,21],[107.1,21],[107.1,21.1],[107,21.1],[107,21]],
	  [[107.03,21.03],[107.07,21.03],[107.07,21.07],[107.03,21.07],[107.03,21.03]]]}}]}`)
	ix, err := Load(communes, provinceGeoJSON)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.Locate(Point{21.01, 107.01}); !ok {
		t.Error("point in the ring: not found")
	}
	if _, ok := ix.Locate(Point{21.05, 107.05}); ok {
		t.Error("point in the hole: found")
	}
	if _, d := ix.Nearest(Point{21.05, 107.05}); math.Abs(d-0.02*metresPerDegree) > 0.02*metresPerDegree*0.1 {
		t.Errorf("distance from the hole's centre to its edge = %.0f m, want about %.0f m", d, 0.02*metresPerDegree)
	}
}
