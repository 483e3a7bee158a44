package e2e

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// chromium returns Debian's chromium, installing it through tools/install.sh when missing.
func chromium(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command(filepath.Join(filepath.Dir(file), "..", "tools", "install.sh"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install chromium: %v\n%s", err, out)
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is still missing after tools/install.sh")
	}
	return p
}

// TestMapPageInChromium opens the public map in headless Chromium, waits for the demo reports, clicks a
// cluster until reports show, opens one report's popup and saves a screenshot in .test-output/.
func TestMapPageInChromium(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	attr := func(sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(css(sel), name))
		if err != nil {
			t.Fatalf("%s[%s]: %v", sel, name, err)
		}
		return v.Value
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.WaitVisible(css(`body[data-map-ready="true"]`)),
		chromedp.WaitVisible(css(`[data-testid=cluster-marker]`)),
	); err != nil {
		t.Fatalf("page did not get ready: %v", err)
	}
	// The page runs under its Content-Security-Policy: what it does from here on (markers, the popup with
	// photos from S3) must break none of it. (Had the policy blocked its script, it would not be ready.)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { window.cspViolations = [];
			document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
			return 0; })()`)); err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(attr("body", "data-map-features")); n == 0 || n > 500 {
		t.Errorf("data-map-features = %d", n)
	}
	if b := attr("body", "data-boundaries-ready"); b != "true" {
		t.Errorf("data-boundaries-ready = %q", b)
	}

	// Click the biggest cluster until report markers show (each click zooms in by two).
	reports := 0
	for range 6 {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=report-marker]').length`))
		if err != nil {
			t.Fatal(err)
		}
		if reports = n; reports > 0 {
			break
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => {
				const cs = [...document.querySelectorAll('[data-testid=cluster-marker]')];
				cs.sort((a, b) => b.dataset.count - a.dataset.count);
				document.body.dataset.mapLoading = 'pending';
				cs[0].closest('.leaflet-marker-icon').click();
				return cs.length; })()`)); err != nil {
			t.Fatalf("clicking a cluster: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(css(`body[data-map-loading="false"]`))); err != nil {
			t.Fatalf("waiting for the zoomed map: %v", err)
		}
	}
	if reports == 0 {
		t.Fatal("no report marker after zooming into clusters")
	}
	code := attr(`[data-testid=report-marker]`, "data-code")
	if err := chromedp.Do(ctx,
		chromedp.Click(css(`[data-testid=report-marker]`)),
		chromedp.WaitVisible(css(`[data-testid=report-popup][data-state=loaded]`)),
	); err != nil {
		t.Fatalf("opening a report: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(css(`[data-testid=report-popup]`)))
	if err != nil || !strings.Contains(text, code) || attr(`[data-testid=report-popup]`, "data-code") != code {
		t.Errorf("popup of %s: %v %q", code, err, text)
	}
	// Photos come from S3 (presigned URLs); images from elsewhere are blocked.
	photo, elsewhere := "http://"+a.Env["S3_ENDPOINT"]+"/bucket/derived/p1-thumb.jpg", "http://198.51.100.7/x.png"
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { for (const u of ['`+photo+`', '`+elsewhere+`']) {
			const i = new Image(); i.src = u; document.body.appendChild(i); } return 0; })()`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cspViolations`)); err != nil || len(v) != 1 || !strings.Contains(v[0], elsewhere) {
		t.Errorf("Content-Security-Policy violations %v %q, want only img-src %s", err, v, elsewhere)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", ".test-output")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "public-map.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 600 {
		t.Errorf("screenshot is %v", b)
	}
	// The screenshot is not blank: it has many colours (boundaries, markers, the popup).
	colours := map[uint32]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 7 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[r>>11<<10|g>>11<<5|b>>11] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("screenshot has only %d colours", len(colours))
	}
}
