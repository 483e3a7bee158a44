package webui

import (
	"io/fs"
	"net/http"
	"strings"
	"testing"
)

// TestConsoleServed: the console's page is served at /console (with and without the slash) with the
// configuration put in, it loads only its own hashed assets from /console/assets/, and those hold no
// external URL but the ones allowed.
func TestConsoleServed(t *testing.T) {
	raw, err := fs.ReadFile(console, "console/index.html")
	if err != nil {
		t.Fatalf("console/index.html is missing: run web/console/build.sh (%v)", err)
	}
	h, err := newHandler(console, "console", ConsolePath, Config{TileURL: "https://tiles.example.org/{z}/{x}/{y}.png"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/console", "/console/", "/console/index.html"} {
		res := get(t, h, http.MethodGet, p, nil)
		body := string(readAll(t, res.Body))
		if res.StatusCode != http.StatusOK || pageConfigOf(t, body).TileURL != "https://tiles.example.org/{z}/{x}/{y}.png" {
			t.Errorf("GET %s: %d, config %+v", p, res.StatusCode, pageConfigOf(t, body))
		}
	}
	if res := get(t, h, http.MethodGet, "/", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("the console's handler answers / with %d", res.StatusCode)
	}
	var js, css bool
	for _, m := range refAttr.FindAllStringSubmatch(string(raw), -1) {
		ref := m[1]
		if ref == "data:," {
			continue
		}
		name, ok := strings.CutPrefix(ref, ConsolePath+AssetPrefix)
		if _, have := h.assets[name]; !ok || !have {
			t.Errorf("console/index.html refers to %q, not a file of its bundle", ref)
		}
		js = js || strings.HasSuffix(name, ".js")
		css = css || strings.HasSuffix(name, ".css")
		if res := get(t, h, http.MethodGet, ref, map[string]string{"Accept-Encoding": "gzip"}); res.StatusCode != http.StatusOK ||
			!strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d %q", ref, res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
	if !js || !css {
		t.Errorf("console/index.html should load a script and a stylesheet (js=%v css=%v)", js, css)
	}
	for name, a := range h.assets {
		if !hashedName.MatchString(name) {
			t.Errorf("asset %q has no content hash in its name", name)
		}
		if !compressible(a.contentType) {
			continue
		}
		for _, u := range absURL.FindAllString(string(a.body), -1) {
			if _, ok := allowedURLs[u]; !ok {
				t.Errorf("%s holds the external URL %q", name, u)
			}
		}
	}
}
