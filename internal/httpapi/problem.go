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
		p := newProblem(http.StatusBadRequest, "validation", kindTitles["validation"][0], "Some fields are invalid; see errors.")
		fe := make([]api.FieldError, len(inv.Fields))
		for i, f := range inv.Fields {
			fe[i] = api.FieldError{Field: f.Field, Message: f.Message}
		}
		p.Errors = &fe
		return p
	}
	for _, row := range problemKinds {
		if errors.Is(err, row.kind) {
			detail := fault.Message(err)
			if row.kind == fault.ErrUnavailable {
				detail = "A storage server does not answer right now. Nothing was changed; please retry."
			}
			return newProblem(row.status, row.slug, kindTitles[row.slug][0], detail)
		}
	}
	return newProblem(http.StatusInternalServerError, "internal", kindTitles["internal"][0],
		"Something went wrong on our side. Quote the request ID when you report it.")
}

// problemKinds maps each fault kind to its status and type slug (titles: kindTitles).
var problemKinds = []struct {
	kind   error
	status int
	slug   string
}{
	{fault.ErrNotFound, http.StatusNotFound, "not-found"},
	{fault.ErrConflict, http.StatusConflict, "conflict"},
	{fault.ErrPrecondition, http.StatusPreconditionFailed, "stale"},
	{fault.ErrUnprocessable, http.StatusUnprocessableEntity, "unprocessable"},
	{fault.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{fault.ErrForbidden, http.StatusForbidden, "forbidden"},
	{fault.ErrRateLimited, http.StatusTooManyRequests, "rate-limited"},
	{fault.ErrUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported-media-type"},
	{fault.ErrTooLarge, http.StatusRequestEntityTooLarge, "too-large"},
	{fault.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
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
	c.Writer.Header().Add("Vary", "Accept-Language")
	if preferredLanguage(c.GetHeader("Accept-Language")) == "vi" {
		p = inVietnamese(p)
		c.Header("Content-Language", "vi")
	} else {
		c.Header("Content-Language", "en")
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

// inVietnamese translates a problem's title, detail and field messages (the catalogue: problem_text.go).
// A text the catalogue does not know (a library's) stays English.
func inVietnamese(p api.Problem) api.Problem {
	if t, ok := kindTitles[strings.TrimPrefix(p.Type, problemBase)]; ok && t[0] == p.Title {
		p.Title = t[1]
	} else {
		p.Title, _ = vietnamese(p.Title)
	}
	if p.Detail != nil {
		d, _ := vietnamese(*p.Detail)
		p.Detail = &d
	}
	if p.Errors != nil {
		fe := make([]api.FieldError, len(*p.Errors))
		for i, f := range *p.Errors {
			fe[i] = f
			fe[i].Message, _ = vietnamese(f.Message)
		}
		p.Errors = &fe
	}
	return p
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
