package e2e

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/app"
	"github.com/quangninh/feedback/internal/fcmstandin"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// scrape reads a /metrics page.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// value sums the series of a family whose labels include want: counter and gauge values, histogram
// sample counts. A family that is missing gives -1, so "absent" and "zero" differ.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	sum := 0.0
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// actOnTicket acts as officer, re-reading the ETag when the photo worker moved the version meanwhile.
func actOnTicket(t *testing.T, c *api.ClientWithResponses, officer api.RequestEditorFn, id string, body api.TicketAction) {
	t.Helper()
	ctx := context.Background()
	for range 10 {
		g, err := c.GetTicketWithResponse(ctx, id, officer)
		if err != nil || g.JSON200 == nil {
			t.Fatalf("get ticket: %v", err)
		}
		r, err := c.ActOnTicketWithResponse(ctx, id, &api.ActOnTicketParams{IfMatch: g.HTTPResponse.Header.Get("ETag")}, body, officer)
		if err != nil {
			t.Fatal(err)
		}
		if r.StatusCode() == http.StatusPreconditionFailed {
			continue
		}
		if r.JSON200 == nil {
			t.Fatalf("%s: %d %s", body.Action, r.StatusCode(), r.Body)
		}
		return
	}
	t.Fatalf("%s: the ticket kept changing", body.Action)
}

// TestMetricsFollowAReport: submitting a report moves the routing counter and the received gauge; an
// officer accepting it moves the gauge from received to accepted; the storage calls left latency samples;
// the outbox gauges are served.
func TestMetricsFollowAReport(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true", "METRICS_REFRESH": "0s"})
	c := newClient(t, a)
	res := resident(t, a, "resident-metrics")
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")

	before := scrape(t, a.MetricsURL)
	for _, name := range []string{"qn_outbox_pending", "qn_outbox_parked", "qn_outbox_oldest_pending_age_seconds"} {
		if value(before, name, nil) < 0 {
			t.Errorf("%s missing from /metrics", name)
		}
	}
	received, accepted := value(before, "qn_reports", map[string]string{"status": "received"}), value(before, "qn_reports", map[string]string{"status": "accepted"})
	received, accepted = max(received, 0), max(accepted, 0) // absent when no queue holds one yet

	sub := submit(t, c, res, "key-metrics-0001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	// The ticket is in its queue (where qn_reports counts) at once; the gauge may be read a moment later.
	var m map[string]*dto.MetricFamily
	eventually(10*time.Second, func() bool {
		m = scrape(t, a.MetricsURL)
		return value(m, "qn_reports", map[string]string{"status": "received"}) == received+1
	})
	if got := value(m, "qn_routing_decisions_total", map[string]string{"rule": "commune_polygon"}); got != 1 {
		t.Errorf("qn_routing_decisions_total{rule=commune_polygon} = %v, want 1", got)
	}
	if got := value(m, "qn_reports", map[string]string{"status": "received"}); got != received+1 {
		t.Errorf("qn_reports{status=received} = %v after a submission, want %v", got, received+1)
	}
	if got := value(m, "qn_s3_request_duration_seconds", map[string]string{"method": "PUT", "outcome": "ok"}); got < 1 {
		t.Errorf("no S3 PUT latency sample after a photo upload: %v", got)
	}
	for _, cmd := range []string{"insert", "find", "update"} {
		if got := value(m, "qn_mongodb_command_duration_seconds", map[string]string{"command": cmd}); got < 1 {
			t.Errorf("no MongoDB %s latency sample: %v", cmd, got)
		}
	}

	actOnTicket(t, c, officer, sub.JSON201.Id, api.TicketAction{Action: api.Accept})
	m = scrape(t, a.MetricsURL)
	if got := value(m, "qn_reports", map[string]string{"status": "received"}); got != received {
		t.Errorf("qn_reports{status=received} = %v after accepting, want %v", got, received)
	}
	if got := value(m, "qn_reports", map[string]string{"status": "accepted"}); got != accepted+1 {
		t.Errorf("qn_reports{status=accepted} = %v after accepting, want %v", got, accepted+1)
	}
	// A routing preview routes nothing.
	if p, err := c.PreviewRoutingWithResponse(context.Background(), &api.PreviewRoutingParams{Category: "road_damage", Lat: baiChay[0], Lng: baiChay[1]}, officer); err != nil || p.JSON200 == nil {
		t.Fatalf("preview: %v", err)
	}
	if got := value(scrape(t, a.MetricsURL), "qn_routing_decisions_total", nil); got != 1 {
		t.Errorf("qn_routing_decisions_total = %v after a preview, want 1", got)
	}
}

// TestPushResultsAreCounted: a delivered push counts as ok, FCM's UNREGISTERED as unregistered, and a
// QUOTA_EXCEEDED answer as quota_exceeded (then ok when the retry goes through).
func TestPushResultsAreCounted(t *testing.T) {
	t.Parallel()
	fcm := fcmstandin.New()
	t.Cleanup(fcm.Close)
	fcm.Unregister("tok-metrics-gone")
	fcm.FailNextFor("tok-metrics-busy", 1, fcmstandin.Fault{Code: fcmstandin.QuotaExceeded, RetryAfter: time.Second})
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true", "FCM_ENDPOINT": fcm.URL()})
	c := newClient(t, a)
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	for _, tok := range []string{"tok-metrics-ok", "tok-metrics-gone", "tok-metrics-busy"} {
		registerDevice(t, c, officer, tok, api.Vi)
	}
	sub := submit(t, c, resident(t, a, "resident-push-metrics"), "key-metrics-0002", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	if sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	want := map[string]float64{"ok": 2, "unregistered": 1, "quota_exceeded": 1}
	var got map[string]float64
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		m := scrape(t, a.MetricsURL)
		got = map[string]float64{}
		for r := range want {
			got[r] = value(m, "qn_push_results_total", map[string]string{"result": r})
		}
		if got["ok"] >= want["ok"] && got["unregistered"] >= want["unregistered"] && got["quota_exceeded"] >= want["quota_exceeded"] {
			break
		}
	}
	for r, w := range want {
		if got[r] != w {
			t.Errorf("qn_push_results_total{result=%s} = %v, want %v", r, got[r], w)
		}
	}
}

// TestTraceIDInLogsWithoutTracing: with tracing off (no exporter), a caller's traceparent still reaches
// the log lines of its request.
func TestTraceIDInLogsWithoutTracing(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/v1/categories", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	req.Header.Set("X-Request-ID", "trace-log-check")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := a.Stop(); err != nil { // the access line is written once the response has gone: let it finish
		t.Fatal(err)
	}
	for _, line := range strings.Split(a.Logs(), "\n") {
		if strings.Contains(line, `"request_id":"trace-log-check"`) {
			if !strings.Contains(line, `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`) {
				t.Errorf("log line without the caller's trace ID: %s", line)
			}
			return
		}
	}
	t.Errorf("no log line for the request:\n%s", a.Logs())
}

// TestDispatcherServesItsMetrics: qndispatch (app.RunDispatcher) beside an API replica that does not
// dispatch serves /metrics on DISPATCH_METRICS_ADDR with the push results it sent, the outbox gauges and
// its MongoDB latencies; the API counts no push.
func TestDispatcherServesItsMetrics(t *testing.T) {
	t.Parallel()
	fcm := fcmstandin.New()
	t.Cleanup(fcm.Close)
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true", "FCM_ENDPOINT": fcm.URL(), "PUSH_DISPATCH": "false"})
	env := maps.Clone(a.Env)
	env["DISPATCH_METRICS_ADDR"] = "127.0.0.1:0"
	env["METRICS_REFRESH"] = "0s"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan string, 1)
	logs := &lockedBuffer{}
	go func() {
		done <- app.RunDispatcher(ctx, func(k string) string { return env[k] }, logs, app.Options{Ready: func(addr string) { ready <- addr }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dispatcher: %v", err)
		}
	})
	var metricsURL string
	select {
	case addr := <-ready:
		metricsURL = "http://" + addr + "/metrics"
	case err := <-done:
		t.Fatalf("dispatcher did not start: %v", err)
	}

	c := newClient(t, a)
	officer := staffLogin(t, c, "demo.officer", "Cam-Pha-Officer-2026")
	registerDevice(t, c, officer, "tok-dispatch-metrics", api.Vi)
	if sub := submit(t, c, resident(t, a, "resident-dispatch-metrics"), "key-metrics-0003", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil))); sub.JSON201 == nil {
		t.Fatalf("submit: %s", sub.Body)
	}
	var m map[string]*dto.MetricFamily
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if m = scrape(t, metricsURL); value(m, "qn_push_results_total", map[string]string{"result": "ok"}) >= 1 {
			break
		}
	}
	if got := value(m, "qn_push_results_total", map[string]string{"result": "ok"}); got != 1 {
		t.Errorf("dispatcher's qn_push_results_total{result=ok} = %v, want 1", got)
	}
	if got := value(m, "qn_mongodb_command_duration_seconds", map[string]string{"command": "find"}); got < 1 {
		t.Errorf("dispatcher's MongoDB find latency samples: %v", got)
	}
	if got := value(m, "qn_outbox_parked", nil); got != 0 {
		t.Errorf("dispatcher's qn_outbox_parked = %v, want 0", got)
	}
	if got := value(m, "qn_reports", nil); got != -1 {
		t.Errorf("the dispatcher serves qn_reports (%v); that is the API's", got)
	}
	if got := value(scrape(t, a.MetricsURL), "qn_push_results_total", nil); got > 0 {
		t.Errorf("the API counted %v pushes with PUSH_DISPATCH=false", got)
	}
}
