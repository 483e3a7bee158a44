package httpapi

import (
	"context"
	"net/http"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/report"
)

// BulkActOnTickets accepts, assigns or transfers a selection of tickets, each guarded by its version, and
// says per ticket what happened (a problem for each that failed).
func (s *Server) BulkActOnTickets(ctx context.Context, req api.BulkActOnTicketsRequestObject) (api.BulkActOnTicketsResponseObject, error) {
	b := req.Body
	p := principal(ctx)
	c := report.Command{Action: report.Action(b.Action), Actor: report.Actor{Principal: p}}
	if b.Note != nil {
		c.Note = *b.Note
	}
	if b.ToAgency != nil {
		c.ToAgency = *b.ToAgency
	}
	if b.AssigneeId != nil {
		c.AssigneeID = *b.AssigneeId
	}
	items := make([]report.BulkItem, len(b.Tickets))
	for i, t := range b.Tickets {
		items[i] = report.BulkItem{ID: t.Id, Version: int64(t.Version)}
	}
	outcomes, err := s.deps.Desk.Bulk(ctx, p, c, items)
	if err != nil {
		return nil, err
	}
	out := api.TicketBulkResult{Results: make([]api.TicketBulkItemResult, len(outcomes))}
	for i, o := range outcomes {
		res := api.TicketBulkItemResult{Id: o.ID, Ok: o.Err == nil}
		if o.Err != nil {
			out.Failed++
			pr := problemFor(o.Err)
			if pr.Status >= http.StatusInternalServerError {
				s.log.ErrorContext(ctx, "bulk action failed on a ticket", "report", o.ID, "error", o.Err.Error(), "status", pr.Status)
			}
			instance := "/v1/tickets/" + o.ID
			pr.Instance = &instance
			if id := requestID(ctx); id != "" {
				pr.RequestId = &id
			}
			res.Problem = &pr
		} else {
			out.Succeeded++
			res.Version = ptr(int(report.WorkflowVersion(o.Ticket)))
			res.Status = ptr(api.ReportStatus(o.Ticket.Status))
		}
		out.Results[i] = res
	}
	return api.BulkActOnTickets200JSONResponse(out), nil
}
