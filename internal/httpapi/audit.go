package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/audit"
	"github.com/quangninh/feedback/internal/auth"
)

// AuditTrail records staff actions and reads them back for admins.
type AuditTrail interface {
	Record(ctx context.Context, e audit.Entry) error
	List(ctx context.Context, p auth.Principal, f audit.Filter) (audit.Page, error)
}

var _ AuditTrail = (*audit.Trail)(nil)

// Keys of what the spec validator and the strict handler learn about a request, for its audit entry.
const (
	operationKey   = "qn.operation"
	auditActionKey = "qn.audit_action"
)

// auditTimeout bounds the write of one audit entry after its request was answered.
const auditTimeout = 5 * time.Second

// recordStaffActions writes an audit entry for every request other than GET that a signed-in staff
// member made, once it has been answered (its status known). A failed write is logged: the action itself
// stands.
func (s *Server) recordStaffActions() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if s.deps.Audit == nil || c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead || c.Request.Method == http.MethodOptions {
			return
		}
		p := principal(c.Request.Context())
		if p.UserID == "" || p.Role == auth.RoleResident {
			return
		}
		e := audit.Entry{ActorID: p.UserID, ActorRole: p.Role, AgencyID: p.AgencyID, Operation: c.GetString(operationKey),
			Action: c.GetString(auditActionKey), Method: c.Request.Method, Path: c.Request.URL.Path, Status: answeredStatus(c),
			Address: c.ClientIP(), RequestID: requestID(c.Request.Context())}
		var target []string
		for _, prm := range c.Params {
			target = append(target, prm.Value)
		}
		e.TargetID = strings.Join(target, "/")
		if c.Writer.Written() {
			c.Writer.Flush() // the client has its answer; only the trail waits for the database
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), auditTimeout)
		defer cancel()
		if err := s.deps.Audit.Record(ctx, e); err != nil {
			s.log.WarnContext(ctx, "audit entry not recorded", "operation", e.Operation, "actor", e.ActorID, "error", err.Error())
		}
	}
}

// answeredStatus is the status of the answer: written already, or the problem that writeErrors (outside
// this group) will write for the handler's error.
func answeredStatus(c *gin.Context) int {
	if c.Writer.Written() || len(c.Errors) == 0 {
		return c.Writer.Status()
	}
	err := c.Errors.Last().Err
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return problemFor(err).Status
}

// noteAuditAction keeps the action a ticket request carries, for its audit entry.
func noteAuditAction(f api.StrictHandlerFunc, _ string) api.StrictHandlerFunc {
	return func(c *gin.Context, request any) (any, error) {
		switch r := request.(type) {
		case api.ActOnTicketRequestObject:
			if r.Body != nil {
				c.Set(auditActionKey, string(r.Body.Action))
			}
		case api.BulkActOnTicketsRequestObject:
			if r.Body != nil {
				c.Set(auditActionKey, string(r.Body.Action))
			}
		}
		return f(c, request)
	}
}

// ListAuditEntries reads the audit trail.
func (s *Server) ListAuditEntries(ctx context.Context, req api.ListAuditEntriesRequestObject) (api.ListAuditEntriesResponseObject, error) {
	q := req.Params
	var f audit.Filter
	if q.ActorId != nil {
		f.ActorID = *q.ActorId
	}
	if q.AgencyId != nil {
		f.AgencyID = *q.AgencyId
	}
	if q.From != nil {
		f.From = *q.From
	}
	if q.To != nil {
		f.To = *q.To
	}
	if q.Limit != nil {
		f.Limit = *q.Limit
	}
	if q.Cursor != nil {
		f.Cursor = *q.Cursor
	}
	page, err := s.deps.Audit.List(ctx, principal(ctx), f)
	if err != nil {
		return nil, err
	}
	out := api.AuditPage{Items: make([]api.AuditEntry, len(page.Entries))}
	for i, e := range page.Entries {
		it := api.AuditEntry{Id: e.ID, At: e.At, ActorId: e.ActorID, ActorRole: api.Role(e.ActorRole), Operation: e.Operation,
			Method: e.Method, Path: e.Path, Status: e.Status, Address: e.Address}
		if e.AgencyID != "" {
			it.AgencyId = ptr(e.AgencyID)
		}
		if e.Action != "" {
			it.Action = ptr(e.Action)
		}
		if e.TargetID != "" {
			it.TargetId = ptr(e.TargetID)
		}
		if e.RequestID != "" {
			it.RequestId = ptr(e.RequestID)
		}
		out.Items[i] = it
	}
	if page.Next != "" {
		out.NextCursor = ptr(page.Next)
	}
	return api.ListAuditEntries200JSONResponse(out), nil
}
