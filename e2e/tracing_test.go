package e2e

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// otlpReceiver is an OTLP/HTTP trace endpoint that keeps every span it is sent.
type otlpReceiver struct {
	mu      sync.Mutex
	spans   []*tracepb.Span
	service []string
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want a protobuf POST to /v1/traces", http.StatusBadRequest)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req coltrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		for _, a := range rs.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				o.service = append(o.service, a.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			o.spans = append(o.spans, ss.GetSpans()...)
		}
	}
	o.mu.Unlock()
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// TestTraceOfAReportSubmission: with OTLP_EXPORTER_OTLP_ENDPOINT set, a submission under a caller's
// traceparent is exported as a server span (child of the caller's span) whose children are the MongoDB
// commands and S3 requests it made, all in the caller's trace; the request's log line names the trace.
func TestTraceOfAReportSubmission(t *testing.T) {
	t.Parallel()
	recv := &otlpReceiver{}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_TRACES_SAMPLER_ARG": "0"})
	c := newClient(t, a)
	const traceID, parentID = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	traced := func(_ context.Context, r *http.Request) error {
		r.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
		r.Header.Set("X-Request-ID", "traced-submission")
		return nil
	}
	ct, body := multipartBody(t, reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
	sub, err := c.CreateReportWithBodyWithResponse(t.Context(), &api.CreateReportParams{IdempotencyKey: "key-traced-00001"}, ct, body,
		resident(t, a, "resident-traced"), traced)
	if err != nil || sub.JSON201 == nil {
		t.Fatalf("submit: %v %s", err, sub.Body)
	}
	// An untraced request is not sampled (ratio 0): only the caller's sampled trace is exported.
	if r, err := c.ListCategoriesWithResponse(t.Context()); err != nil || r.JSON200 == nil {
		t.Fatalf("categories: %v", err)
	}
	if err := a.Stop(); err != nil { // flushes the exporter
		t.Fatal(err)
	}

	recv.mu.Lock()
	defer recv.mu.Unlock()
	var server *tracepb.Span
	for _, s := range recv.spans {
		if s.GetKind() == tracepb.Span_SPAN_KIND_SERVER && s.GetName() == "POST /v1/reports" {
			server = s
		}
		if got := hex.EncodeToString(s.GetTraceId()); got != traceID {
			t.Errorf("span %q in trace %s; only the caller's trace %s is sampled", s.GetName(), got, traceID)
		}
	}
	if server == nil {
		t.Fatalf("no server span POST /v1/reports among %d spans", len(recv.spans))
	}
	if got := hex.EncodeToString(server.GetParentSpanId()); got != parentID {
		t.Errorf("server span's parent %s, want the caller's %s", got, parentID)
	}
	children := map[string]int{}
	for _, s := range recv.spans {
		if string(s.GetParentSpanId()) == string(server.GetSpanId()) && s.GetKind() == tracepb.Span_SPAN_KIND_CLIENT {
			kind, _, _ := strings.Cut(s.GetName(), " ")
			children[kind]++
		}
	}
	if children["insert"] == 0 || children["find"] == 0 || children["S3"] == 0 {
		t.Errorf("children of the server span by kind %v; want MongoDB insert and find, and S3", children)
	}
	if len(recv.service) == 0 || recv.service[0] != "qnfeedback" {
		t.Errorf("service.name %v, want qnfeedback", recv.service)
	}
	logged := false
	for _, line := range strings.Split(a.Logs(), "\n") {
		if strings.Contains(line, `"request_id":"traced-submission"`) && strings.Contains(line, `"trace_id":"`+traceID+`"`) {
			logged = true
		}
	}
	if !logged {
		t.Errorf("no log line of the request carries its trace ID")
	}
}
