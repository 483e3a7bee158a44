package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/quangninh/feedback/internal/config"
	"github.com/quangninh/feedback/internal/telemetry"
)

// observability is a process's metrics registry and tracer provider.
type observability struct {
	registry *prometheus.Registry
	metrics  *telemetry.Metrics
	tracing  *telemetry.Tracing
}

// newObservability builds a fresh registry (with the Go runtime and process collectors) and the tracer
// provider the configuration asks for: none unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
func newObservability(cfg config.Config, service string, log *slog.Logger) (*observability, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	headers, err := config.ParseHeaders(cfg.OTLPHeaders)
	if err != nil {
		return nil, &ConfigError{err}
	}
	if cfg.OTelServiceName != "" {
		service = cfg.OTelServiceName
	}
	tr, err := telemetry.NewTracing(telemetry.TracingConfig{Endpoint: cfg.OTLPEndpoint, Headers: headers,
		ServiceName: service, SampleRatio: cfg.OTelSampleRatio})
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)}
	}
	if tr.Enabled() {
		log.Info("tracing on", "endpoint", cfg.OTLPEndpoint, "service", service, "sample_ratio", cfg.OTelSampleRatio)
	}
	return &observability{registry: reg, metrics: telemetry.NewMetrics(reg), tracing: tr}, nil
}

// shutdown flushes the spans still buffered (a few seconds at most).
func (o *observability) shutdown(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.tracing.Shutdown(ctx); err != nil {
		log.Warn("tracing: spans not flushed", "error", err.Error())
	}
}

// serveMetrics serves GET /metrics of reg on addr until ctx ends or stop is called; ready (when set) hears
// the address it listens on.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger, ready func(addr string)) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics server stopped", "error", err.Error())
		}
	}()
	log.Info("serving metrics", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return func() { close(done) }, nil
}
