// Package httpapi is the HTTP layer: it serves the generated strict-server interface of the OpenAPI spec
// with gin, validates requests against the spec, and turns errors into RFC 9457 problems in one place.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/openapi"
)

// Pinger is a dependency the readiness check asks.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the HTTP layer needs.
type Deps struct {
	Database  Pinger
	Blobs     Pinger
	Catalogue CatalogueReader
	Tokens    TokenVerifier
	Access    AccessChecker // checks every verified token against its account; nil: none (benchmarks)
	Router    Router
	// Reports, ResidentReads and Presigner serve residents' reports.
	Reports       Reports
	ResidentReads ResidentReads
	Presigner     Presigner
	Accounts      Accounts
	Desk          TicketDesk
	Holidays      Holidays
	Replies       ReplyTemplates
	Audit         AuditTrail
	Hotline       Hotline
	Intake        *report.Intake // verifies officers' after-photo uploads
	SMSInbox      SMSInbox       // nil outside the dev stack
	Public        PublicMap
	// Open311 and Open311Partners serve /open311/v2 and the partners' keys; Open311Contacts shows the
	// reporter contacts partners sent to the staff and lets an admin find and erase them.
	Open311         Open311
	Open311Partners Open311Partners
	Open311Contacts Open311Contacts
	// Page serves the public map page at / and /assets/*; nil serves none.
	Page http.Handler
	// Console serves the staff console at /console and /console/*; nil serves none.
	Console       http.Handler
	Logger        *slog.Logger
	Devices       DeviceRegistry
	Notifications Notifications
	PushInbox     PushInbox // nil unless pushes go to the in-process FCM stand-in
	// Registry receives the HTTP metrics (served apart, on METRICS_ADDR).
	Registry prometheus.Registerer
	// Tracer makes a server span per request (nil: none); Propagator reads the caller's traceparent
	// (nil: W3C trace context).
	Tracer     trace.TracerProvider
	Propagator propagation.TextMapPropagator

	// TrustedProxies are the reverse proxies whose X-Forwarded-For gives the client's address.
	TrustedProxies []string
	MaxBodyBytes   int64
	MaxUploadBytes int64
	RequestTimeout time.Duration
	RetryAfter     time.Duration
}

// Server implements the API.
type Server struct {
	deps              Deps
	reportInputSchema *openapi3.Schema
	log               *slog.Logger
	retryAfter        time.Duration
	open311Lists      *answerCache // public GET requests answers, reused a few seconds
}

var _ api.StrictServerInterface = (*Server)(nil)

// NewHandler returns the whole HTTP handler: spec routes, /openapi.yaml, /docs and the public page.
// It returns an error when the embedded spec does not load.
func NewHandler(d Deps) (http.Handler, error) {
	gin.SetMode(gin.ReleaseMode)
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Server{deps: d, log: d.Logger, retryAfter: d.RetryAfter, open311Lists: newAnswerCache()}
	validator, doc, err := newSpecValidator(openapi.Spec)
	if err != nil {
		return nil, err
	}
	s.reportInputSchema = doc.Components.Schemas["ReportInput"].Value
	docsPage, err := renderDocs(doc)
	if err != nil {
		return nil, fmt.Errorf("render docs: %w", err)
	}

	r := gin.New()
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.RemoveExtraSlash = true
	m := newMetrics(d.Registry)
	tp, prop := d.Tracer, d.Propagator
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	if prop == nil {
		prop = propagation.TraceContext{}
	}
	r.Use(traceRequests(tp, prop), s.withRequestID(), m.observe(), s.recoverPanics(), s.writeErrors())
	r.NoRoute(func(c *gin.Context) {
		s.writeProblem(c, newProblem(http.StatusNotFound, "not-found", "Not found",
			fmt.Sprintf("There is no route %s; see /docs.", c.Request.URL.Path)))
	})
	r.NoMethod(func(c *gin.Context) {
		s.writeProblem(c, newProblem(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed",
			fmt.Sprintf("%s is not allowed on %s; see the Allow header.", c.Request.Method, c.Request.URL.Path)))
	})

	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml; charset=utf-8", openapi.Spec) })
	r.GET("/docs", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", docsPage) })

	if d.Page != nil {
		page := gin.WrapH(d.Page)
		for _, p := range []string{"/", "/index.html", "/assets/*name"} {
			r.GET(p, page)
			r.HEAD(p, page)
		}
	}

	if d.Console != nil {
		console := gin.WrapH(d.Console)
		for _, p := range []string{"/console", "/console/*name"} {
			r.GET(p, console)
			r.HEAD(p, console)
		}
	}

	apiGroup := r.Group("", noStore, s.recordStaffActions(), s.limitBody(d.MaxBodyBytes, d.MaxUploadBytes), withDeadline(d.RequestTimeout), validator.middleware(s))
	api.RegisterHandlersWithOptions(apiGroup, api.NewStrictHandler(s, []api.StrictMiddlewareFunc{noteAuditAction}), api.GinServerOptions{
		ErrorHandler: func(c *gin.Context, err error, status int) {
			s.writeError(c, toInvalid(err))
		},
	})
	return r, nil
}
