package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/fault"
)

// The console keeps its refresh token in this cookie, which only the session route receives.
const (
	consoleCookie     = "qn_console_refresh"
	consoleCookiePath = "/v1/auth/console/session"
)

// consoleCookieHeader is the Set-Cookie value holding raw; an empty raw clears the cookie. No Max-Age: the
// cookie ends with the browser, the session on the server with its idle timeout.
func consoleCookieHeader(raw string) string {
	c := &http.Cookie{Name: consoleCookie, Value: raw, Path: consoleCookiePath, HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode}
	if raw == "" {
		c.MaxAge = -1
	}
	return c.String()
}

// sameOrigin refuses a console request whose Origin is another site (403). The X-QN-Console header, which the
// spec requires, already keeps cross-site forms out; this also covers a browser that sent it after a CORS
// mistake elsewhere. Requests without Origin (old browsers on same-origin GETs, tools) pass.
func sameOrigin(ctx context.Context) error {
	c, ok := ginContext(ctx)
	if !ok {
		return nil
	}
	origin := c.GetHeader("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || !strings.EqualFold(u.Host, c.Request.Host) {
		return fault.New(fault.ErrForbidden, "The console's session routes answer only pages of this server.")
	}
	return nil
}

// setCookieOnError puts header into the answer of a request that fails, so a dead cookie is cleared.
func setCookieOnError(ctx context.Context, header string) {
	if c, ok := ginContext(ctx); ok {
		c.Header("Set-Cookie", header)
	}
}

func toConsoleSession(t account.Tokens) api.ConsoleSession {
	return api.ConsoleSession{AccessToken: t.AccessToken, TokenType: api.ConsoleSessionTokenTypeBearer,
		ExpiresIn: int(t.ExpiresIn / time.Second), User: toProfile(t.User)}
}

// ConsoleLogin signs a staff member in to the console: the refresh token goes into the cookie.
func (s *Server) ConsoleLogin(ctx context.Context, req api.ConsoleLoginRequestObject) (api.ConsoleLoginResponseObject, error) {
	if err := sameOrigin(ctx); err != nil {
		return nil, err
	}
	t, err := s.deps.Accounts.StaffLogin(ctx, req.Body.Username, req.Body.Password, clientIP(ctx))
	if err != nil {
		return nil, err
	}
	return api.ConsoleLogin200JSONResponse{Body: toConsoleSession(t),
		Headers: api.ConsoleLogin200ResponseHeaders{SetCookie: consoleCookieHeader(t.RefreshToken)}}, nil
}

// RefreshConsoleSession rotates the console's refresh cookie and answers a new access token.
func (s *Server) RefreshConsoleSession(ctx context.Context, req api.RefreshConsoleSessionRequestObject) (api.RefreshConsoleSessionResponseObject, error) {
	if err := sameOrigin(ctx); err != nil {
		return nil, err
	}
	if req.Params.QnConsoleRefresh == nil || *req.Params.QnConsoleRefresh == "" {
		return nil, fault.New(fault.ErrUnauthenticated, "No console session: sign in.")
	}
	t, err := s.deps.Accounts.Refresh(ctx, *req.Params.QnConsoleRefresh)
	if err != nil {
		setCookieOnError(ctx, consoleCookieHeader(""))
		return nil, err
	}
	return api.RefreshConsoleSession200JSONResponse{Body: toConsoleSession(t),
		Headers: api.RefreshConsoleSession200ResponseHeaders{SetCookie: consoleCookieHeader(t.RefreshToken)}}, nil
}

// EndConsoleSession signs the console out: its session ends and the cookie is cleared.
func (s *Server) EndConsoleSession(ctx context.Context, req api.EndConsoleSessionRequestObject) (api.EndConsoleSessionResponseObject, error) {
	if err := sameOrigin(ctx); err != nil {
		return nil, err
	}
	if raw := req.Params.QnConsoleRefresh; raw != nil && *raw != "" {
		// A cookie that is no refresh token at all has no session to end.
		var inv *fault.Invalid
		if err := s.deps.Accounts.Logout(ctx, principal(ctx), *raw, ""); err != nil && !errors.As(err, &inv) {
			return nil, err
		}
	}
	return api.EndConsoleSession204Response{Headers: api.EndConsoleSession204ResponseHeaders{SetCookie: consoleCookieHeader("")}}, nil
}
