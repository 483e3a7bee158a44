package telemetry

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// MongoMonitor returns a command monitor that times every command into m and, when the command runs
// under a recording span (a sampled request), records it as a client span. Commands of background work with
// no span (dispatcher polls, sweeps) are timed but not traced, so they don't flood the collector with
// one-span traces. next, when set, sees every event too (tests use it to check index coverage). No query
// text is put in spans: filters carry residents' data.
func MongoMonitor(m *Metrics, tp trace.TracerProvider, next *event.CommandMonitor) *event.CommandMonitor {
	mm := &mongoMonitor{m: m, tracer: tp.Tracer("github.com/quangninh/feedback/internal/mongostore")}
	return &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			mm.started(ctx, e)
			if next != nil && next.Started != nil {
				next.Started(ctx, e)
			}
		},
		Succeeded: func(ctx context.Context, e *event.CommandSucceededEvent) {
			mm.finished(e.CommandFinishedEvent, nil)
			if next != nil && next.Succeeded != nil {
				next.Succeeded(ctx, e)
			}
		},
		Failed: func(ctx context.Context, e *event.CommandFailedEvent) {
			mm.finished(e.CommandFinishedEvent, e.Failure)
			if next != nil && next.Failed != nil {
				next.Failed(ctx, e)
			}
		},
	}
}

type mongoMonitor struct {
	m      *Metrics
	tracer trace.Tracer
	spans  sync.Map // commandKey → trace.Span
}

// commandKey identifies one command in flight: request IDs are unique per connection.
type commandKey struct {
	conn string
	req  int64
}

func (mm *mongoMonitor) started(ctx context.Context, e *event.CommandStartedEvent) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return
	}
	col, _ := e.Command.Lookup(e.CommandName).StringValueOK()
	attrs := []attribute.KeyValue{
		attribute.String("db.system.name", "mongodb"),
		attribute.String("db.operation.name", e.CommandName),
		attribute.String("db.namespace", e.DatabaseName),
	}
	name := e.CommandName
	if col != "" {
		attrs = append(attrs, attribute.String("db.collection.name", col))
		name += " " + col
	}
	_, span := mm.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	mm.spans.Store(commandKey{e.ConnectionID, e.RequestID}, span)
}

func (mm *mongoMonitor) finished(e event.CommandFinishedEvent, failure error) {
	mm.m.MongoCommand(e.CommandName, e.Duration, failure != nil)
	v, ok := mm.spans.LoadAndDelete(commandKey{e.ConnectionID, e.RequestID})
	if !ok {
		return
	}
	span := v.(trace.Span)
	if failure != nil {
		span.SetStatus(codes.Error, failure.Error())
	}
	span.End(trace.WithTimestamp(time.Now()))
}
