// Package telemetry is the service's observability adapter: Prometheus metrics of the domain (reports by
// status, routing decisions, the push outbox, FCM results) and of its storage calls (MongoDB commands, S3
// requests), and OpenTelemetry traces across HTTP, MongoDB and S3, exported over OTLP/HTTP when configured.
//
// Nothing here is global: each process (and each test) builds its own Metrics on its own registry and its
// own tracer provider.
package telemetry

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the counters and histograms the service updates as things happen. Its methods are safe for
// concurrent use; a nil *Metrics ignores every call (tests and tools that do not care).
type Metrics struct {
	routed *prometheus.CounterVec
	pushes *prometheus.CounterVec
	mongo  *prometheus.HistogramVec
	s3     *prometheus.HistogramVec
}

// storageBuckets spans a sub-millisecond _id read to a multi-second photo upload on a slow link.
var storageBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// NewMetrics creates the metrics and registers them with reg. It panics when they are registered twice,
// as prometheus.MustRegister does.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		routed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qn_routing_decisions_total", Help: "Reports routed at intake, by the routing rule that decided.",
		}, []string{"rule"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qn_push_results_total", Help: "Pushes sent to FCM, by result: ok or FCM's error code.",
		}, []string{"result"}),
		mongo: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "qn_mongodb_command_duration_seconds", Help: "MongoDB commands, by command name and outcome (ok, error).",
			Buckets: storageBuckets,
		}, []string{"command", "outcome"}),
		s3: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "qn_s3_request_duration_seconds", Help: "S3 HTTP requests, by method and outcome (ok, client_error, server_error, error).",
			Buckets: storageBuckets,
		}, []string{"method", "outcome"}),
	}
	reg.MustRegister(m.routed, m.pushes, m.mongo, m.s3)
	return m
}

// Routed counts a report routed by rule.
func (m *Metrics) Routed(rule string) {
	if m == nil {
		return
	}
	m.routed.WithLabelValues(rule).Inc()
}

// The push results counted: "ok", and FCM's error codes folded into a few.
var pushResults = map[string]string{
	"UNREGISTERED":       "unregistered",
	"SENDER_ID_MISMATCH": "unregistered", // the token will never work for this project either
	"INVALID_ARGUMENT":   "invalid_argument",
	"UNAVAILABLE":        "unavailable",
	"INTERNAL":           "internal",
	"QUOTA_EXCEEDED":     "quota_exceeded",
	"RESOURCE_EXHAUSTED": "quota_exceeded", // a bare 429 from Google's front end
}

// PushResult counts one push's result: code is "" for a delivered push, else FCM's error code (as
// fcm.Code returns it). Codes outside the known few count as "other", so the label stays bounded.
func (m *Metrics) PushResult(code string) {
	if m == nil {
		return
	}
	result := "ok"
	if code != "" {
		var ok bool
		if result, ok = pushResults[strings.ToUpper(code)]; !ok {
			result = "other"
		}
	}
	m.pushes.WithLabelValues(result).Inc()
}

// mongoCommands bounds the command label: names outside it count as "other".
var mongoCommands = map[string]bool{
	"find": true, "getMore": true, "insert": true, "update": true, "delete": true, "findAndModify": true,
	"aggregate": true, "count": true, "ping": true, "listIndexes": true, "createIndexes": true, "drop": true,
	"dropDatabase": true, "killCursors": true, "endSessions": true, "listCollections": true, "hello": true,
}

// MongoCommand records one MongoDB command's duration.
func (m *Metrics) MongoCommand(name string, d time.Duration, failed bool) {
	if m == nil {
		return
	}
	if !mongoCommands[name] {
		name = "other"
	}
	m.mongo.WithLabelValues(name, outcome(failed)).Observe(d.Seconds())
}

func outcome(failed bool) string {
	if failed {
		return "error"
	}
	return "ok"
}

// s3Methods bounds the method label.
var s3Methods = map[string]bool{"GET": true, "PUT": true, "HEAD": true, "DELETE": true, "POST": true}

// S3Request records one S3 request's duration; status is the HTTP status, 0 when no answer came.
func (m *Metrics) S3Request(method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if !s3Methods[method] {
		method = "other"
	}
	o := "ok"
	switch {
	case status == 0:
		o = "error"
	case status >= 500:
		o = "server_error"
	case status >= 400:
		o = "client_error"
	}
	m.s3.WithLabelValues(method, o).Observe(d.Seconds())
}
