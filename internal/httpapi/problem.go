package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/fault"
)

const problemBase = "https://smartqn.vn/problems/"

// problemContentType is RFC 9457's media type.
const problemContentType = "application/problem+json"

// problemFor maps an error to its HTTP problem. This is the one place where errors become statuses.
func problemFor(err error) api.Problem {
	var inv *fault.Invalid
	if errors.As(err, &inv) {
		p := newProblem(http.StatusBadRequest, "validation", "Invalid request", "Some fields are invalid; see errors.")
		fe := make([]api.FieldError, len(inv.Fields))
		for i, f := range inv.Fields {
			fe[i] = api.FieldError{Field: f.Field, Message: f.Message}
		}
		p.Errors = &fe
		return p
	}
	table := []struct {
		kind   error
		status int
		slug   string
		title  string
	}{
		{fault.ErrNotFound, http.StatusNotFound, "not-found", "Not found"},
		{fault.ErrConflict, http.StatusConflict, "conflict", "Conflict"},
		{fault.ErrPrecondition, http.StatusPreconditionFailed, "stale", "Precondition failed"},
		{fault.ErrUnprocessable, http.StatusUnprocessableEntity, "unprocessable", "Unprocessable request"},
		{fault.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated", "Authentication required"},
		{fault.ErrForbidden, http.StatusForbidden, "forbidden", "Forbidden"},
		{fault.ErrRateLimited, http.StatusTooManyRequests, "rate-limited", "Too many requests"},
		{fault.ErrUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"},
		{fault.ErrTooLarge, http.StatusRequestEntityTooLarge, "too-large", "Too large"},
		{fault.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "Service temporarily unavailable"},
	}
	for _, row := range table {
		if errors.Is(err, row.kind) {
			detail := fault.Message(err)
			if row.kind == fault.ErrUnavailable {
				detail = "A storage server does not answer right now. Nothing was changed; please retry."
			}
			return newProblem(row.status, row.slug, row.title, detail)
		}
	}
	return newProblem(http.StatusInternalServerError, "internal", "Internal server error",
		"Something went wrong on our side. Quote the request ID when you report it.")
}

func newProblem(status int, slug, title, detail string) api.Problem {
	p := api.Problem{Type: problemBase + slug, Title: title, Status: status}
	if detail != "" {
		p.Detail = &detail
	}
	return p
}

// writeProblem sends p, filling in the instance and request ID, with Retry-After on 429 and 503.
func (s *Server) writeProblem(c *gin.Context, p api.Problem) {
	path := c.Request.URL.Path
	p.Instance = &path
	if id := requestID(c.Request.Context()); id != "" {
		p.RequestId = &id
	}
	if p.Status == http.StatusServiceUnavailable || p.Status == http.StatusTooManyRequests {
		if c.Writer.Header().Get("Retry-After") == "" {
			c.Header("Retry-After", strconv.Itoa(int((s.retryAfter+time.Second-1)/time.Second)))
		}
	}
	if strings.HasPrefix(path, open311Prefix) {
		s.writeOpen311Error(c, p)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Render(p.Status, problemRender{p})
	c.Abort()
}

// writeError logs err (in full for 5xx) and sends its problem; internal text never reaches the client.
func (s *Server) writeError(c *gin.Context, err error) {
	p := problemFor(err)
	ctx := c.Request.Context()
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		c.Header("Retry-After", strconv.Itoa(int((ra.RetryAfter()+time.Second-1)/time.Second)))
	}
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="smartqn"`)
	}
	switch {
	case p.Status >= 500:
		s.log.ErrorContext(ctx, "request failed", "error", err.Error(), "status", p.Status)
	default:
		s.log.DebugContext(ctx, "request refused", "error", err.Error(), "status", p.Status)
	}
	s.writeProblem(c, p)
}

type problemRender struct{ p api.Problem }

func (r problemRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	return encodeJSON(w, r.p)
}

func (r problemRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", problemContentType)
}

// invalidField is a validation problem about one field.
func invalidField(field, message string) error {
	inv := &fault.Invalid{}
	inv.Add(field, message)
	return inv
}
