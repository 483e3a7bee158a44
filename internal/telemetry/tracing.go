package telemetry

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracingConfig says where traces go.
type TracingConfig struct {
	// Endpoint is the OTLP/HTTP base URL (spans are posted to Endpoint + "/v1/traces"); "" turns tracing off.
	Endpoint    string
	Headers     map[string]string
	ServiceName string
	Version     string
	// SampleRatio is the share of new traces recorded; a caller's sampling decision (traceparent) wins.
	SampleRatio float64
}

// Tracing is the process's tracer provider and what ends it.
type Tracing struct {
	Provider trace.TracerProvider
	// Propagator reads and writes W3C traceparent/tracestate (and baggage).
	Propagator propagation.TextMapPropagator
	sdk        *sdktrace.TracerProvider // nil when tracing is off
}

// Enabled reports whether spans are exported.
func (t *Tracing) Enabled() bool { return t.sdk != nil }

// Shutdown flushes the spans still buffered and stops the exporter, within ctx. Off, it does nothing.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}

// NewTracing builds the tracer provider. With no endpoint it is a no-op provider and no exporter exists
// (nothing is buffered, nothing dials out); the propagator still reads incoming traceparent headers, so
// log lines carry a caller's trace ID. The options are all given explicitly; the SDK may still read its
// other standard OTEL_* variables (OTEL_BSP_*, timeouts), which override none of these.
func NewTracing(c TracingConfig) (*Tracing, error) {
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	if c.Endpoint == "" {
		return &Tracing{Provider: noop.NewTracerProvider(), Propagator: prop}, nil
	}
	if c.SampleRatio < 0 || c.SampleRatio > 1 {
		return nil, errors.New("tracing: sample ratio must be between 0 and 1")
	}
	exp, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpointURL(strings.TrimRight(c.Endpoint, "/")+"/v1/traces"),
		otlptracehttp.WithHeaders(c.Headers),
		otlptracehttp.WithTimeout(10*time.Second),
	)
	if err != nil {
		return nil, err
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", c.ServiceName)}
	if c.Version != "" {
		attrs = append(attrs, attribute.String("service.version", c.Version))
	}
	sdk := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(c.SampleRatio))),
	)
	return &Tracing{Provider: sdk, Propagator: prop, sdk: sdk}, nil
}
