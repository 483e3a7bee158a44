package httpapi

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/fault"
)

// specValidator checks every request against the OpenAPI document before a handler runs.
type specValidator struct {
	doc    *openapi3.T
	router routers.Router
}

func newSpecValidator(spec []byte) (*specValidator, *openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("load openapi spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, nil, fmt.Errorf("invalid openapi spec: %w", err)
	}
	routed := *doc
	routed.Servers = nil // match any host: the server runs behind proxies and on test ports
	r, err := gorillamux.NewRouter(&routed)
	if err != nil {
		return nil, nil, fmt.Errorf("route openapi spec: %w", err)
	}
	return &specValidator{doc: doc, router: r}, doc, nil
}

// middleware validates the request; routes the spec doesn't know (or wrong methods) pass on to gin's 404/405.
func (v *specValidator) middleware(s *Server) gin.HandlerFunc {
	return func(c *gin.Context) {
		route, params, err := v.router.FindRoute(c.Request)
		if err != nil {
			c.Next()
			return
		}
		c.Set(operationKey, route.Operation.OperationID)
		if roles, public := allowedRoles(v.doc, route.Operation); !public {
			p, err := s.authorize(c.Request, roles)
			if err != nil {
				s.writeError(c, err)
				return
			}
			c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), principalKey, p))
		}
		if p, ok := unsupportedMediaType(c.Request, route.Operation); !ok {
			s.writeProblem(c, p)
			return
		}
		opts := &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc} // authorize() already checked it
		if mt, _, _ := mime.ParseMediaType(c.Request.Header.Get("Content-Type")); mt == "multipart/form-data" {
			// Photos stream through the handler; decoding them here would hold them in memory. The handler
			// validates the JSON part against the same schema.
			opts.ExcludeRequestBody = true
		}
		// Validate against a copy of the operation without security requirements: authorize() has checked
		// them, and kin-openapi's own security check reads the whole body into memory (64 concurrent 10 MB
		// uploads took the process to 1.2 GB before this).
		op := *route.Operation
		op.Security = &openapi3.SecurityRequirements{}
		unsecured := *route
		unsecured.Operation = &op
		in := &openapi3filter.RequestValidationInput{Request: c.Request, PathParams: params, Route: &unsecured, Options: opts}
		if err := openapi3filter.ValidateRequest(c.Request.Context(), in); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				s.writeProblem(c, newProblem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
					fmt.Sprintf("The body must not exceed %d bytes.", mbe.Limit)))
				return
			}
			s.writeError(c, toInvalid(err))
			return
		}
		c.Next()
	}
}

// unsupportedMediaType answers 415 when a body comes with a content type the operation does not accept.
func unsupportedMediaType(r *http.Request, op *openapi3.Operation) (problem api.Problem, ok bool) {
	if op.RequestBody == nil || op.RequestBody.Value == nil || (r.ContentLength == 0 && r.Body == http.NoBody) {
		return api.Problem{}, true
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" && r.ContentLength <= 0 {
		return api.Problem{}, true // no body: the validator reports a missing required body
	}
	if err == nil && op.RequestBody.Value.Content.Get(mt) != nil {
		return api.Problem{}, true
	}
	accepted := make([]string, 0, len(op.RequestBody.Value.Content))
	for k := range op.RequestBody.Value.Content {
		accepted = append(accepted, k)
	}
	sort.Strings(accepted)
	return newProblem(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
		fmt.Sprintf("Content-Type %q is not accepted here; send %s.", ct, strings.Join(accepted, " or "))), false
}

// toInvalid lists every problem kin-openapi found, one entry per field.
func toInvalid(err error) error {
	inv := &fault.Invalid{}
	collect(inv, err, "")
	if len(inv.Fields) == 0 {
		inv.Add("request", err.Error())
	}
	return inv
}

func collect(inv *fault.Invalid, err error, where string) {
	// Look at the error itself before unwrapping: a RequestError wraps a MultiError of schema errors, and
	// errors.As would find the inner one first and lose which parameter or body it was about.
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			collect(inv, inner, where)
		}
		return
	case *openapi3filter.RequestError:
		switch {
		case e.Parameter != nil:
			where = e.Parameter.In + "." + e.Parameter.Name
		case e.RequestBody != nil:
			where = "body"
		}
		if e.Err == nil {
			inv.Add(where, e.Reason)
			return
		}
		var pe *openapi3filter.ParseError
		if errors.As(e.Err, &pe) {
			inv.Add(where, "cannot be parsed: "+pe.Reason+detailOf(pe.Cause))
			return
		}
		if errors.Is(e.Err, openapi3filter.ErrInvalidRequired) {
			inv.Add(where, "is required")
			return
		}
		collect(inv, e.Err, where)
		return
	case *openapi3.SchemaError:
		field := where
		for _, p := range e.JSONPointer() {
			field += "." + p
		}
		inv.Add(field, e.Reason)
		return
	}
	if u := errors.Unwrap(err); u != nil {
		collect(inv, u, where)
		return
	}
	inv.Add(where, err.Error())
}

func detailOf(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}
