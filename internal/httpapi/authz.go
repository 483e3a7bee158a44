package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// TokenVerifier checks access tokens.
type TokenVerifier interface {
	Verify(raw string, now time.Time) (auth.Principal, error)
}

// AccessChecker tells whether a verified token's account still admits it (account.Service.CheckAccess):
// fault.ErrUnauthenticated when the account was erased, disabled, changed or signed out everywhere.
type AccessChecker interface {
	CheckAccess(ctx context.Context, p auth.Principal) error
}

const principalKey ctxKey = iota + 100

// principal returns the caller of a route that requires sign-in. The authorization middleware guarantees it
// is set for such routes.
func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey).(auth.Principal)
	return p
}

// allowedRoles reads the roles an operation admits from the spec: the scopes of its `bearer` requirement.
// public is true when the operation needs no sign-in (`security: []` or none declared anywhere).
func allowedRoles(doc *openapi3.T, op *openapi3.Operation) (roles []auth.Role, public bool) {
	reqs := op.Security
	if reqs == nil {
		reqs = &doc.Security
	}
	if reqs == nil || len(*reqs) == 0 {
		return nil, true
	}
	for _, req := range *reqs {
		for _, scope := range req["bearer"] {
			roles = append(roles, auth.Role(scope))
		}
	}
	return roles, false
}

// authorize admits the request when the operation is public, or when it carries a valid access token of an
// admitted role whose account still admits it. Missing or invalid tokens, and tokens that outlived their
// account, are fault.ErrUnauthenticated; a wrong role is fault.ErrForbidden.
func (s *Server) authorize(r *http.Request, roles []auth.Role) (auth.Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, raw, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return auth.Principal{}, fault.New(fault.ErrUnauthenticated, "Sign in first: send Authorization: Bearer <access token>.")
	}
	p, err := s.deps.Tokens.Verify(strings.TrimSpace(raw), time.Now())
	if err != nil {
		return auth.Principal{}, fault.Wrap(fault.ErrUnauthenticated, "The access token is invalid or expired; refresh it or sign in again.", err)
	}
	if s.deps.Access != nil {
		if err := s.deps.Access.CheckAccess(r.Context(), p); err != nil {
			return auth.Principal{}, err
		}
	}
	if !slices.Contains(roles, p.Role) {
		return p, fault.New(fault.ErrForbidden, "Your role ("+string(p.Role)+") may not do this.")
	}
	return p, nil
}
