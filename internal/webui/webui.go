// Package webui serves the two browser front ends, embedded into the binary: the public map page at /
// (the bundle web/build.sh writes into dist/) and the staff console at /console (the bundle
// web/console/build.sh writes into console/). Each is index.html plus content-hashed files under assets/.
//
// The page reads its run-time settings from one tag in index.html,
//
//	<meta name="qn-config" content="__QN_CONFIG__">
//
// where Handler puts the JSON object {"tileUrl":"...","attribution":"..."}, HTML-escaped for the
// attribute. Everything else the page loads comes from this server: the page makes no request to
// another host except for base-map tiles at Config.TileURL, and none at all when it is empty.
package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed dist
var dist embed.FS

//go:embed console
var console embed.FS

// ConfigPlaceholder is the text in dist/index.html that Handler replaces with the HTML-escaped JSON
// of the page's configuration; it stands as the content of <meta name="qn-config">.
const ConfigPlaceholder = "__QN_CONFIG__"

// AssetPrefix is the URL path under which the public page's files are served.
const AssetPrefix = "/assets/"

// ConsolePath is where the console is served; its files are under ConsolePath + AssetPrefix.
const ConsolePath = "/console"

// Config is what the page needs to know at run time.
type Config struct {
	// TileURL is a Leaflet tile URL template such as "https://tiles.example.org/{z}/{x}/{y}.png".
	// Empty means no base map: the page shows only the boundaries and the reports.
	TileURL string
	// TileAttribution is shown in the map's corner while tiles are on. It is HTML (so it may hold a
	// link to the tiles' licence) and must come from the operator, never from users.
	TileAttribution string
	// PhotoOrigin is the scheme and host of the photo URLs the page shows (presigned S3 URLs), such as
	// "https://s3.example.vn"; the page's Content-Security-Policy lets images come from there.
	PhotoOrigin string
}

// pageConfig is the JSON the page reads; the names are part of the contract with web/src/main.js.
type pageConfig struct {
	TileURL     string `json:"tileUrl"`
	Attribution string `json:"attribution"`
}

type asset struct {
	body        []byte
	gzipped     []byte // nil when compressing does not pay
	contentType string
}

type handler struct {
	indexPaths  []string
	assetPrefix string
	index       []byte
	indexETag   string
	csp         string
	assets      map[string]asset // by name under assets/
}

// Handler serves GET and HEAD for "/" (and "/index.html") with cfg put into the page, and for
// "/assets/NAME" with the embedded files; any other path is 404. It fails when the embedded bundle is
// broken (no index.html or no placeholder in it), which the package's tests rule out.
func Handler(cfg Config) (http.Handler, error) {
	h, err := newHandler(dist, "dist", "", cfg)
	if err != nil {
		return nil, fmt.Errorf("public page: %w", err)
	}
	return h, nil
}

// Console serves GET and HEAD for "/console" (and "/console/", "/console/index.html") with cfg put into
// the page, and "/console/assets/NAME"; it fails as Handler does.
func Console(cfg Config) (http.Handler, error) {
	h, err := newHandler(console, "console", ConsolePath, cfg)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return h, nil
}

// newHandler serves the bundle in folder dir of fsys under the URL path base ("" for the root).
func newHandler(fsys fs.FS, dir, base string, cfg Config) (*handler, error) {
	raw, err := fs.ReadFile(fsys, dir+"/index.html")
	if err != nil {
		return nil, fmt.Errorf("the bundle has no index.html (run web/build.sh): %w", err)
	}
	index, err := renderIndex(raw, cfg)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(index)
	indexPaths := []string{base + "/", base + "/index.html"}
	if base != "" {
		indexPaths = append(indexPaths, base)
	}
	h := &handler{
		indexPaths:  indexPaths,
		assetPrefix: base + AssetPrefix,
		index:       index,
		indexETag:   `"` + hex.EncodeToString(sum[:8]) + `"`,
		csp:         contentSecurityPolicy(cfg),
		assets:      map[string]asset{},
	}
	files, err := fs.Sub(fsys, dir+"/assets")
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		a := asset{body: body, contentType: contentType(name)}
		if compressible(a.contentType) && len(body) > 1024 {
			if gz := gzipBytes(body); len(gz) < len(body)*9/10 {
				a.gzipped = gz
			}
		}
		h.assets[name] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the bundle's assets: %w", err)
	}
	return h, nil
}

// contentSecurityPolicy lets the page load its own files and talk to its own server and the photo storage
// only, show images from the tile server and the photo storage besides, and be framed by nobody. Styles may be inline:
// Leaflet positions the map's panes and markers with style attributes.
func contentSecurityPolicy(cfg Config) string {
	img := []string{"'self'", "data:"}
	if o := tileOrigin(cfg.TileURL); o != "" {
		img = append(img, o)
	}
	if cfg.PhotoOrigin != "" {
		img = append(img, cfg.PhotoOrigin)
	}
	connect := "'self'"
	if cfg.PhotoOrigin != "" {
		connect += " " + cfg.PhotoOrigin // the staff console PUTs after photos to presigned URLs
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src " + strings.Join(img, " ") +
		"; connect-src " + connect + "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// tileOrigin is the scheme and host of a tile URL template, with a {s} subdomain as a wildcard; "" for none.
func tileOrigin(template string) string {
	scheme, rest, ok := strings.Cut(template, "://")
	if !ok || scheme == "" {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	return scheme + "://" + strings.ReplaceAll(host, "{s}", "*")
}

// renderIndex puts cfg into the page. The JSON is HTML-escaped, so no value can end the attribute
// or the tag; encoding/json already writes <, > and & as \u escapes.
func renderIndex(raw []byte, cfg Config) ([]byte, error) {
	if bytes.Count(raw, []byte(ConfigPlaceholder)) != 1 {
		return nil, fmt.Errorf("index.html must hold %s exactly once", ConfigPlaceholder)
	}
	js, err := json.Marshal(pageConfig{TileURL: cfg.TileURL, Attribution: cfg.TileAttribution})
	if err != nil {
		return nil, err
	}
	return bytes.Replace(raw, []byte(ConfigPlaceholder), []byte(html.EscapeString(string(js))), 1), nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case slices.Contains(h.indexPaths, p):
		h.serveIndex(w, r)
	case strings.HasPrefix(p, h.assetPrefix):
		h.serveAsset(w, r, strings.TrimPrefix(p, h.assetPrefix))
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", h.indexETag)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Frame-Options", "DENY") // frame-ancestors for browsers that predate it
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, h.indexETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(h.index)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(h.index)
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := h.assets[name]
	if !ok || name == "" || !fs.ValidPath(name) {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("X-Content-Type-Options", "nosniff")
	body := a.body
	if a.gzipped != nil {
		hd.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			hd.Set("Content-Encoding", "gzip")
			body = a.gzipped
		}
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func etagMatches(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reads Accept-Encoding well enough: gzip listed without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		params = strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if q, ok := strings.CutPrefix(params, "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false
			}
		}
		return true
	}
	return false
}

var contentTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".png":   "image/png",
	".svg":   "image/svg+xml",
	".webp":  "image/webp",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

// contentType does not depend on the machine's MIME tables for the types the bundle has.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if ct, ok := contentTypes[ext]; ok {
		return ct
	}
	if ct := mime.TypeByExtension(ext); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "image/svg")
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}
