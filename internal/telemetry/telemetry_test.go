package telemetry

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/quangninh/feedback/internal/notify"
)

func TestPushResultsFoldFCMCodes(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	for _, code := range []string{"", "", "UNREGISTERED", "SENDER_ID_MISMATCH", "INVALID_ARGUMENT", "UNAVAILABLE", "INTERNAL",
		"QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED", "THIRD_PARTY_AUTH_ERROR", "TRANSPORT", "something new"} {
		m.PushResult(code)
	}
	want := map[string]float64{"ok": 2, "unregistered": 2, "invalid_argument": 1, "unavailable": 1, "internal": 1, "quota_exceeded": 2, "other": 3}
	for result, n := range want {
		if got := testutil.ToFloat64(m.pushes.WithLabelValues(result)); got != n {
			t.Errorf("qn_push_results_total{result=%q} = %v, want %v", result, got, n)
		}
	}
	if got := testutil.CollectAndCount(m.pushes); got != len(want) {
		t.Errorf("%d result series, want %d (bounded labels)", got, len(want))
	}
	var none *Metrics
	none.PushResult("UNREGISTERED") // a nil *Metrics ignores calls
	none.Routed("override")
}

// countingSource stands in for the store to count how often the collector reads it.
type countingSource struct {
	reads int
	fail  bool
}

func (c *countingSource) ReportsByStatus(context.Context) (map[string]int, error) {
	c.reads++
	if c.fail {
		return nil, errors.New("database down")
	}
	return map[string]int{"received": 3, "accepted": 1}, nil
}

func (c *countingSource) OutboxBacklog(context.Context) (notify.Backlog, error) {
	if c.fail {
		return notify.Backlog{}, errors.New("database down")
	}
	return notify.Backlog{Pending: 2, Parked: 1, OldestPending: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}, nil
}

func (c *countingSource) OutboxOverdue(_ context.Context, dueBefore time.Time) (notify.Overdue, error) {
	if c.fail {
		return notify.Overdue{}, errors.New("database down")
	}
	if due := time.Date(2026, 11, 24, 7, 59, 0, 0, time.UTC); due.Before(dueBefore) {
		return notify.Overdue{Count: 1, OldestDue: due}, nil
	}
	return notify.Overdue{}, nil
}

func TestStateIsReadOncePerRefresh(t *testing.T) {
	src := &countingSource{}
	now := time.Date(2026, 11, 24, 8, 1, 30, 0, time.UTC)
	s := NewState(src, src, 15*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.now = func() time.Time { return now }
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	want := `
# HELP qn_outbox_oldest_pending_age_seconds Age of the oldest pending notification; 0 when none waits.
# TYPE qn_outbox_oldest_pending_age_seconds gauge
qn_outbox_oldest_pending_age_seconds 90
# HELP qn_outbox_most_overdue_seconds How long the most overdue notification has been due; 0 when none is overdue.
# TYPE qn_outbox_most_overdue_seconds gauge
qn_outbox_most_overdue_seconds 150
# HELP qn_outbox_overdue Notifications due for more than a minute that no dispatcher took (not parked): above 0, pushes are stuck.
# TYPE qn_outbox_overdue gauge
qn_outbox_overdue 1
# HELP qn_reports Reports in the agencies' queues, by status (closed and rejected reports leave the queues and are not counted).
# TYPE qn_reports gauge
qn_reports{status="accepted"} 1
qn_reports{status="received"} 3
`
	for range 3 {
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "qn_reports", "qn_outbox_oldest_pending_age_seconds",
			"qn_outbox_overdue", "qn_outbox_most_overdue_seconds"); err != nil {
			t.Fatal(err)
		}
	}
	if src.reads != 1 {
		t.Errorf("%d reads for 3 scrapes within the refresh interval, want 1", src.reads)
	}
	now = now.Add(15 * time.Second)
	src.fail = true
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 0 {
		t.Errorf("after a failed read: %d series (%v), want none", n, err)
	}
	if src.reads != 2 {
		t.Errorf("%d reads after the interval, want 2", src.reads)
	}
}

func TestTracingOffCreatesNoExporter(t *testing.T) {
	tr, err := NewTracing(TracingConfig{ServiceName: "qnfeedback", SampleRatio: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Enabled() {
		t.Error("tracing on without an endpoint")
	}
	if _, ok := tr.Provider.(noop.TracerProvider); !ok {
		t.Errorf("provider %T, want the no-op provider", tr.Provider)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
	on, err := NewTracing(TracingConfig{Endpoint: "http://127.0.0.1:1", ServiceName: "qnfeedback", SampleRatio: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if !on.Enabled() {
		t.Error("tracing off with an endpoint")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = on.Shutdown(ctx) // nothing was recorded; the unreachable collector is never asked
}

// recording returns a tracer provider that keeps ended spans in memory, and a context inside a span of it.
func recording(t *testing.T) (*tracetest.SpanRecorder, trace.TracerProvider, context.Context, trace.Span) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, parent := tp.Tracer("test").Start(context.Background(), "GET /v1/reports/:id", trace.WithSpanKind(trace.SpanKindServer))
	return rec, tp, ctx, parent
}

func TestS3TransportTimesAndTraces(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("traceparent") != "" {
			t.Error("a traceparent header was added to a signed S3 request")
		}
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	m := NewMetrics(prometheus.NewRegistry())
	rec, tp, ctx, parent := recording(t)
	client := &http.Client{Transport: S3Transport(http.DefaultTransport, m, tp)}
	for _, method := range []string{http.MethodPut, http.MethodHead} {
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+"/bucket/key", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/bucket/key", nil) // no span: background work
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
	}
	parent.End()
	if got := testutil.CollectAndCount(m.s3); got != 3 {
		t.Errorf("%d S3 series, want PUT ok, HEAD client_error, GET ok", got)
	}
	var children []string
	for _, s := range rec.Ended() {
		if s.Parent().SpanID() == parent.SpanContext().SpanID() {
			children = append(children, s.Name())
		}
	}
	if strings.Join(children, ",") != "S3 PUT,S3 HEAD" {
		t.Errorf("child spans %q, want S3 PUT and S3 HEAD (none for the untraced GET)", children)
	}
}

func TestMongoMonitorTimesTracesAndChains(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	rec, tp, ctx, parent := recording(t)
	var chained int
	mon := MongoMonitor(m, tp, &event.CommandMonitor{Started: func(context.Context, *event.CommandStartedEvent) { chained++ }})
	cmd, _ := bson.Marshal(bson.D{{Key: "find", Value: "reports"}, {Key: "filter", Value: bson.D{{Key: "_id", Value: "secret"}}}})
	mon.Started(ctx, &event.CommandStartedEvent{Command: cmd, DatabaseName: "qn", CommandName: "find", RequestID: 7, ConnectionID: "c1"})
	mon.Succeeded(ctx, &event.CommandSucceededEvent{CommandFinishedEvent: event.CommandFinishedEvent{CommandName: "find", RequestID: 7, ConnectionID: "c1", Duration: 3 * time.Millisecond}})
	mon.Started(context.Background(), &event.CommandStartedEvent{Command: cmd, DatabaseName: "qn", CommandName: "find", RequestID: 8, ConnectionID: "c1"})
	mon.Failed(context.Background(), &event.CommandFailedEvent{CommandFinishedEvent: event.CommandFinishedEvent{CommandName: "find", RequestID: 8, ConnectionID: "c1", Duration: time.Millisecond}, Failure: errors.New("boom")})
	parent.End()
	if chained != 2 {
		t.Errorf("the chained monitor saw %d starts, want 2", chained)
	}
	if n := testutil.CollectAndCount(m.mongo); n != 2 {
		t.Errorf("%d MongoDB series, want find ok and find error", n)
	}
	var spans []string
	for _, s := range rec.Ended() {
		if s.Parent().SpanID() == parent.SpanContext().SpanID() {
			spans = append(spans, s.Name())
			for _, a := range s.Attributes() {
				if strings.Contains(a.Value.Emit(), "secret") {
					t.Errorf("span attribute %s carries the query: %s", a.Key, a.Value.Emit())
				}
			}
		}
	}
	if strings.Join(spans, ",") != "find reports" {
		t.Errorf("spans %q, want one \"find reports\" (the untraced command makes none)", spans)
	}
}
