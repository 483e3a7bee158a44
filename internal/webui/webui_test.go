package webui

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// allowedURLs are the absolute URLs the bundle may contain: neither is ever requested.
var allowedURLs = map[string]string{
	"http://www.w3.org/2000/svg":         "SVG namespace name in Leaflet",
	"https://leafletjs.com":              "link in Leaflet's default attribution prefix, which main.js replaces",
	"http://www.w3.org/1998/Math/MathML": "MathML namespace name in Preact",
	"http://www.w3.org/1999/xhtml":       "XHTML namespace name in Preact",
}

var (
	metaConfig = regexp.MustCompile(`<meta name="qn-config" content="([^"]*)">`)
	refAttr    = regexp.MustCompile(`\s(?:src|href)="([^"]*)"`)
	absURL     = regexp.MustCompile(`(?i)https?://[^\s"'<>()\\,;]+`)
	cssURL     = regexp.MustCompile(`url\(\s*["']?([^"')]+)["']?\s*\)`)
	hashedName = regexp.MustCompile(`^[a-z0-9-]+-[A-Z0-9]{8}\.[a-z0-9]+$`)
)

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rawIndex(t *testing.T) string {
	t.Helper()
	b, err := fs.ReadFile(dist, "dist/index.html")
	if err != nil {
		t.Fatalf("dist/index.html is missing: run web/build.sh (%v)", err)
	}
	return string(b)
}

// pageConfigOf returns the configuration the browser would read from the served page.
func pageConfigOf(t *testing.T, page string) pageConfig {
	t.Helper()
	m := metaConfig.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no qn-config meta tag in the page")
	}
	var pc pageConfig
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &pc); err != nil {
		t.Fatalf("qn-config content %q is not JSON: %v", m[1], err)
	}
	return pc
}

func TestDistIsBuilt(t *testing.T) {
	page := rawIndex(t)
	if strings.Count(page, ConfigPlaceholder) != 1 {
		t.Fatalf("index.html must hold %s once", ConfigPlaceholder)
	}
	if !strings.Contains(page, `<meta name="qn-config" content="`+ConfigPlaceholder+`">`) {
		t.Fatalf("the placeholder is not the content of the qn-config meta tag")
	}
	h, err := newHandler(dist, "dist", "", Config{})
	if err != nil {
		t.Fatal(err)
	}
	var js, css bool
	for _, m := range refAttr.FindAllStringSubmatch(page, -1) {
		ref := m[1]
		switch {
		case ref == "data:," || strings.HasPrefix(ref, "#"):
		case strings.HasPrefix(ref, "/v1/"): // the CSV link to this server's API
		case strings.HasPrefix(ref, AssetPrefix):
			name := strings.TrimPrefix(ref, AssetPrefix)
			if _, ok := h.assets[name]; !ok {
				t.Errorf("index.html refers to %s, which the bundle lacks", ref)
			}
			js = js || strings.HasSuffix(name, ".js")
			css = css || strings.HasSuffix(name, ".css")
		default:
			t.Errorf("index.html refers to %q: only %s files and /v1/ are allowed", ref, AssetPrefix)
		}
	}
	if !js || !css {
		t.Errorf("index.html should load a script and a stylesheet from %s (js=%v css=%v)", AssetPrefix, js, css)
	}
}

func TestAssetNamesAreHashed(t *testing.T) {
	h, err := newHandler(dist, "dist", "", Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.assets) == 0 {
		t.Fatal("no assets in the bundle")
	}
	for name := range h.assets {
		if !hashedName.MatchString(name) {
			t.Errorf("asset %q has no content hash in its name, so it must not be cached as immutable", name)
		}
	}
}

func TestNoExternalURLs(t *testing.T) {
	if m := absURL.FindAllString(rawIndex(t), -1); len(m) > 0 {
		t.Errorf("index.html holds absolute URLs %v", m)
	}
	h, err := newHandler(dist, "dist", "", Config{})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range h.assets {
		if !compressible(a.contentType) {
			continue
		}
		for _, u := range absURL.FindAllString(string(a.body), -1) {
			if _, ok := allowedURLs[u]; !ok {
				t.Errorf("%s holds the external URL %q", name, u)
			}
		}
		if strings.HasSuffix(name, ".css") {
			for _, m := range cssURL.FindAllStringSubmatch(string(a.body), -1) {
				ref := m[1]
				if strings.HasPrefix(ref, "data:") || strings.HasPrefix(ref, "#") {
					continue
				}
				if _, ok := h.assets[strings.TrimPrefix(ref, "./")]; !ok {
					t.Errorf("%s refers to %q, which is not a file of the bundle", name, ref)
				}
			}
		}
	}
}

func TestIndexServedWithConfig(t *testing.T) {
	cfg := Config{
		TileURL:         "https://tiles.example.org/{z}/{x}/{y}.png?key=a&b=\"c\"",
		TileAttribution: `&copy; <a href="https://example.org/copyright">Example</a> '"></meta><script>alert(1)</script>`,
	}
	h := mustHandler(t, cfg)
	for _, target := range []string{"/", "/index.html"} {
		res := get(t, h, http.MethodGet, target, nil)
		body := string(readAll(t, res.Body))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", target, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", target, ct)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", target, cc)
		}
		if strings.Contains(body, ConfigPlaceholder) {
			t.Errorf("GET %s: placeholder left in the page", target)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "</meta>") {
			t.Errorf("GET %s: the attribution escaped its attribute:\n%s", target, body)
		}
		got := pageConfigOf(t, body)
		if got.TileURL != cfg.TileURL || got.Attribution != cfg.TileAttribution {
			t.Errorf("GET %s: page config %+v, want %+v", target, got, cfg)
		}
	}
}

func TestIndexWithoutTiles(t *testing.T) {
	res := get(t, mustHandler(t, Config{}), http.MethodGet, "/", nil)
	body := string(readAll(t, res.Body))
	m := metaConfig.FindStringSubmatch(body)
	if m == nil || html.UnescapeString(m[1]) != `{"tileUrl":"","attribution":""}` {
		t.Fatalf("meta tag %q", m)
	}
}

func TestIndexConditionalAndHead(t *testing.T) {
	h := mustHandler(t, Config{TileURL: "https://t.example/{z}/{x}/{y}.png"})
	res := get(t, h, http.MethodGet, "/", nil)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on the page")
	}
	res = get(t, h, http.MethodGet, "/", map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", res.StatusCode)
	}
	if other := mustHandler(t, Config{}); get(t, other, http.MethodGet, "/", nil).Header.Get("ETag") == etag {
		t.Error("the ETag does not change with the configuration")
	}
	res = get(t, h, http.MethodHead, "/", nil)
	if res.StatusCode != http.StatusOK || len(readAll(t, res.Body)) != 0 || res.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD /: %d, Content-Length %q", res.StatusCode, res.Header.Get("Content-Length"))
	}
}

func TestAssetsServed(t *testing.T) {
	h := mustHandler(t, Config{})
	inner, _ := newHandler(dist, "dist", "", Config{})
	want := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}
	seen := map[string]bool{}
	for name, a := range inner.assets {
		res := get(t, h, http.MethodGet, AssetPrefix+name, nil)
		body := readAll(t, res.Body)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", name, res.StatusCode)
			continue
		}
		for ext, ct := range want {
			if strings.HasSuffix(name, ext) {
				seen[ext] = true
				if got := res.Header.Get("Content-Type"); got != ct {
					t.Errorf("%s: Content-Type %q, want %q", name, got, ct)
				}
			}
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", name, cc)
		}
		if res.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, a.body) {
			t.Errorf("%s: without Accept-Encoding the file should come as it is", name)
		}
	}
	for ext := range want {
		if !seen[ext] {
			t.Errorf("the bundle has no %s file", ext)
		}
	}
}

func TestAssetsGzip(t *testing.T) {
	h := mustHandler(t, Config{})
	inner, _ := newHandler(dist, "dist", "", Config{})
	var n int
	for name, a := range inner.assets {
		if !strings.HasSuffix(name, ".js") && !strings.HasSuffix(name, ".css") {
			continue
		}
		n++
		res := get(t, h, http.MethodGet, AssetPrefix+name, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
		if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: Content-Encoding %q Vary %q", name, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
			continue
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(readAll(t, zr), a.body) {
			t.Errorf("%s: the gzipped body differs", name)
		}
		res = get(t, h, http.MethodGet, AssetPrefix+name, map[string]string{"Accept-Encoding": "gzip;q=0"})
		if res.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzip sent although refused", name)
		}
	}
	if n == 0 {
		t.Fatal("no JS or CSS asset")
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := mustHandler(t, Config{})
	for _, target := range []string{"/assets/", "/assets/nope.js", "/assets/../index.html", "/assets/%2e%2e/index.html",
		"/dist/index.html", "/favicon.ico", "/v1/anything", "/assetsX"} {
		if res := get(t, h, http.MethodGet, target, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", target, res.StatusCode)
		}
	}
	res := get(t, h, http.MethodPost, "/", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestBrokenBundle(t *testing.T) {
	cases := map[string]fstest.MapFS{
		"no index":       {"dist/assets/a-AAAAAAAA.js": {Data: []byte("x")}},
		"no placeholder": {"dist/index.html": {Data: []byte("<html></html>")}},
		"two placeholders": {"dist/index.html": {Data: []byte(ConfigPlaceholder + ConfigPlaceholder)},
			"dist/assets/a-AAAAAAAA.js": {Data: []byte("x")}},
	}
	for name, fsys := range cases {
		if _, err := newHandler(fsys, "dist", "", Config{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "deflate, gzip": true, "gzip;q=0": false, "gzip; q=0.5": true,
		"br": false, "x-gzip": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v", header, got)
		}
	}
}

func TestIndexContentSecurityPolicy(t *testing.T) {
	cases := []struct {
		cfg  Config
		imgs []string // what img-src must hold besides 'self'
	}{
		{Config{}, nil},
		{Config{TileURL: "https://{s}.tile.example.org/{z}/{x}/{y}.png?key=a", PhotoOrigin: "https://s3.example.vn"},
			[]string{"https://*.tile.example.org", "https://s3.example.vn"}},
		{Config{TileURL: "http://127.0.0.1:8000/{z}/{x}/{y}.png", PhotoOrigin: "http://127.0.0.1:7070"},
			[]string{"http://127.0.0.1:8000", "http://127.0.0.1:7070"}},
	}
	for _, c := range cases {
		res := get(t, mustHandler(t, c.cfg), http.MethodGet, "/", nil)
		csp := res.Header.Get("Content-Security-Policy")
		directives := map[string][]string{}
		for _, d := range strings.Split(csp, ";") {
			if f := strings.Fields(d); len(f) > 0 {
				directives[f[0]] = f[1:]
			}
		}
		if got := directives["frame-ancestors"]; len(got) != 1 || got[0] != "'none'" {
			t.Errorf("%+v: frame-ancestors %q in %q", c.cfg, got, csp)
		}
		if got, want := strings.Join(directives["connect-src"], " "), strings.TrimSpace("'self' "+c.cfg.PhotoOrigin); got != want {
			t.Errorf("%+v: connect-src %q, want %q", c.cfg, got, want)
		}
		for _, d := range []string{"default-src", "script-src"} {
			if got := directives[d]; len(got) != 1 || got[0] != "'self'" {
				t.Errorf("%+v: %s %q, want only 'self'", c.cfg, d, got)
			}
		}
		want := append([]string{"'self'", "data:"}, c.imgs...)
		if got := directives["img-src"]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%+v: img-src %q, want %q", c.cfg, got, want)
		}
		if xfo := res.Header.Get("X-Frame-Options"); xfo != "DENY" {
			t.Errorf("X-Frame-Options %q", xfo)
		}
	}
}

// mustHandler is Handler, failing the test when the embedded bundle is broken.
func mustHandler(t *testing.T, cfg Config) http.Handler {
	t.Helper()
	h, err := Handler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
