package telemetry

import (
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// S3Transport wraps the transport minio-go sends through: every request is timed into m by method, and
// a request made under a recording span becomes a client span. It adds no header (no traceparent): the
// request is already signed, and object stores don't join traces.
func S3Transport(base http.RoundTripper, m *Metrics, tp trace.TracerProvider) http.RoundTripper {
	return &s3Transport{base: base, m: m, tracer: tp.Tracer("github.com/quangninh/feedback/internal/s3blob")}
}

type s3Transport struct {
	base   http.RoundTripper
	m      *Metrics
	tracer trace.Tracer
}

func (t *s3Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	var span trace.Span
	if trace.SpanFromContext(r.Context()).IsRecording() {
		_, span = t.tracer.Start(r.Context(), "S3 "+r.Method, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithTimestamp(start), trace.WithAttributes(
				attribute.String("http.request.method", r.Method),
				attribute.String("server.address", r.URL.Hostname()),
				attribute.String("rpc.system", "aws-api"),
				attribute.String("rpc.service", "S3"),
			))
	}
	resp, err := t.base.RoundTrip(r)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	t.m.S3Request(r.Method, status, time.Since(start))
	if span != nil {
		switch {
		case err != nil:
			span.SetStatus(codes.Error, err.Error())
		case status >= 500:
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		if status != 0 {
			span.SetAttributes(attribute.Int("http.response.status_code", status))
		}
		span.End()
	}
	return resp, err
}
