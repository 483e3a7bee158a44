package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"

	"github.com/quangninh/feedback/internal/fault"
)

type ctxKey int

const requestIDKey ctxKey = iota

// ginKey carries the request's *gin.Context in its context, for the handlers that set cookies or headers:
// handlers get the request's context, not the gin.Context (see api/templates/strict-gin.tmpl).
const ginKey ctxKey = 200

// ginContext returns the request's gin.Context; false outside a request served by gin.
func ginContext(ctx context.Context) (*gin.Context, bool) {
	c, ok := ctx.Value(ginKey).(*gin.Context)
	return c, ok
}

// requestID returns the request ID carried by ctx, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// LogHandler adds the request ID and the trace ID found in the context to every log record, so every line
// a request causes carries them (the trace ID links a log line to the request's trace).
type LogHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return LogHandler{h.Handler.WithAttrs(as)}
}

// WithGroup implements slog.Handler.
func (h LogHandler) WithGroup(name string) slog.Handler { return LogHandler{h.Handler.WithGroup(name)} }

// validRequestID accepts a caller's ID only when it is short and plain, so logs can't be forged through it.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// withRequestID takes X-Request-ID from the caller when valid (or makes one), puts it in the context and the
// response, and writes one access-log line when the request ends.
func (s *Server) withRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !validRequestID(id) {
			id = newRequestID()
		}
		ctx := context.WithValue(c.Request.Context(), requestIDKey, id)
		c.Request = c.Request.WithContext(context.WithValue(ctx, ginKey, c))
		c.Header("X-Request-ID", id)
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		s.log.InfoContext(c.Request.Context(), "request",
			"method", c.Request.Method, "path", c.Request.URL.Path, "route", route,
			"status", c.Writer.Status(), "bytes", c.Writer.Size(), "duration_ms", float64(time.Since(start).Microseconds())/1000,
			"remote", c.ClientIP())
	}
}

// recoverPanics turns a panic in a handler into a logged 500 problem; the client never sees the panic text.
func (s *Server) recoverPanics() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if rec := recover(); rec != nil {
				if rec == http.ErrAbortHandler {
					panic(rec)
				}
				s.log.ErrorContext(c.Request.Context(), "panic", "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					s.writeError(c, fmt.Errorf("panic: %v", rec))
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// limitBody refuses bodies larger than limit (uploadLimit for multipart uploads) with 413: early from
// Content-Length, otherwise while reading.
func (s *Server) limitBody(limit, uploadLimit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := limit
		if isMultipart(c.Request) {
			limit = uploadLimit
		}
		if c.Request.ContentLength > limit {
			s.writeProblem(c, newProblem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
				fmt.Sprintf("The body must not exceed %d bytes.", limit)))
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
			if isMultipart(c.Request) {
				c.Request.Body = bufferedBody(c.Request.Body)
			}
		}
		c.Next()
	}
}

// uploadReadBuffer is how much of an upload is read from the connection at once. mime/multipart reads
// its body 4 KiB at a time: straight from the connection that is one system call per 4 KiB (about 500 for
// a 2 MB photo, most of the service's CPU in the intake benchmark). 64 KiB per upload in flight.
const uploadReadBuffer = 64 << 10

// bufferedBody reads body in chunks of up to uploadReadBuffer bytes.
func bufferedBody(body io.ReadCloser) io.ReadCloser {
	return struct {
		io.Reader
		io.Closer
	}{bufio.NewReaderSize(body, uploadReadBuffer), body}
}

// withDeadline bounds the storage work of a request. Uploads are bounded by the server's read timeout
// instead: a phone on 3G may need minutes to send its photos.
func withDeadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if isMultipart(c.Request) {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// writeErrors sends the problem for an error a handler recorded with c.Error and did not answer itself
// (the generated strict handlers do that).
func (s *Server) writeErrors() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		err := c.Errors.Last().Err
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeProblem(c, newProblem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
				fmt.Sprintf("The body must not exceed %d bytes.", mbe.Limit)))
			return
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fault.Wrap(fault.ErrUnavailable, "", err)
		}
		s.writeError(c, err)
	}
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func indentJSON(dst *bytes.Buffer, src []byte) error { return json.Indent(dst, src, "", "  ") }

func isMultipart(r *http.Request) bool {
	return strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/")
}

// noStore marks every API answer Cache-Control: no-store, so that no browser or proxy keeps a person's
// data (tokens, profile, reports, tickets); the public reads that may be cached say so themselves,
// replacing it.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}
