package httpapi

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/report"
)

// TicketDesk is the officers' desk.
type TicketDesk interface {
	Ticket(ctx context.Context, p auth.Principal, id string) (report.Report, []report.Candidate, error)
	Act(ctx context.Context, p auth.Principal, id string, version int64, c report.Command, afterUploads []string, intake *report.Intake) (report.Report, error)
	Queue(ctx context.Context, p auth.Principal, f report.QueueFilter) (report.QueuePage, error)
	Bulk(ctx context.Context, p auth.Principal, c report.Command, items []report.BulkItem) ([]report.BulkOutcome, error)
	WorkingLeft(status report.Status, acceptBy, resolveBy time.Time) (time.Duration, bool)
}

func etag(version int64) string { return `"v` + strconv.FormatInt(version, 10) + `"` }

// parseIfMatch reads the version out of an If-Match header; a missing or foreign one is a 428-style
// problem: the client must send what it last saw.
func parseIfMatch(h string) (int64, error) {
	h = strings.TrimPrefix(strings.TrimSpace(h), "W/")
	v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(h, `"v`), `"`), 10, 64)
	if err != nil || !strings.HasPrefix(h, `"v`) {
		return 0, invalidField("header.If-Match", `must be the ETag of the report as you last read it, e.g. "v3"`)
	}
	return v, nil
}

// ListTickets serves the queue.
func (s *Server) ListTickets(ctx context.Context, req api.ListTicketsRequestObject) (api.ListTicketsResponseObject, error) {
	q := req.Params
	f := report.QueueFilter{Limit: 50, Sort: "deadline"}
	if q.Status != nil {
		f.Status = report.Status(*q.Status)
	}
	if q.Category != nil {
		f.Category = *q.Category
	}
	if q.Commune != nil {
		f.Commune = *q.Commune
	}
	if q.Overdue != nil {
		f.Overdue = *q.Overdue
	}
	if q.DeadlineBefore != nil {
		f.DeadlineBefore = *q.DeadlineBefore
	}
	if q.Assigned != nil {
		f.Assigned = string(*q.Assigned)
	}
	if q.Sort != nil {
		f.Sort = string(*q.Sort)
	}
	if q.Limit != nil {
		f.Limit = *q.Limit
	}
	if q.Cursor != nil {
		f.Offset, _ = strconv.Atoi(*q.Cursor)
	}
	page, err := s.deps.Desk.Queue(ctx, principal(ctx), f)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := api.TicketPage{Items: make([]api.TicketSummary, len(page.Items)), Counts: map[string]int{}}
	for st, n := range page.Counts {
		out.Counts[string(st)] = n
	}
	for i, e := range page.Items {
		it := api.TicketSummary{Id: e.ReportID, Code: e.Code, Category: e.Category, Status: api.ReportStatus(e.Status),
			Urgent: e.Urgent, Complex: e.Complex, CreatedAt: e.CreatedAt, Overdue: queueOverdue(e, now), Version: ptr(int(e.Steps))}
		if e.AssigneeID != "" {
			it.AssigneeId = ptr(e.AssigneeID)
		}
		if e.CommuneCode != "" {
			it.CommuneCode = ptr(e.CommuneCode)
		}
		if e.AgencyID != "" {
			it.AgencyId = ptr(e.AgencyID)
		}
		if !e.AcceptBy.IsZero() {
			it.AcceptBy = ptr(e.AcceptBy)
		}
		if !e.ResolveBy.IsZero() {
			it.ResolveBy = ptr(e.ResolveBy)
		}
		if left, ok := page.Left[e.ReportID]; ok {
			it.WorkingMinutesLeft = ptr(minutes(left))
		}
		out.Items[i] = it
	}
	if page.Next > 0 {
		out.NextCursor = ptr(strconv.Itoa(page.Next))
	}
	return api.ListTickets200JSONResponse(out), nil
}

func queueOverdue(e report.QueueEntry, now time.Time) bool {
	switch e.Status {
	case report.Received:
		return !e.AcceptBy.IsZero() && now.After(e.AcceptBy)
	case report.Accepted, report.InProgress, report.Reopened:
		return !e.ResolveBy.IsZero() && now.After(e.ResolveBy)
	}
	return false
}

// GetTicket returns a ticket for staff.
func (s *Server) GetTicket(ctx context.Context, req api.GetTicketRequestObject) (api.GetTicketResponseObject, error) {
	r, dups, err := s.deps.Desk.Ticket(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	t := s.toAPITicket(ctx, r)
	if r.Partner != "" && s.deps.Open311Contacts != nil {
		// A partner's request: how to reach its reporter, for the staff who may see the ticket.
		c, ok, err := s.deps.Open311Contacts.Of(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			t.ReporterContact = ptr(toAPIContact(c))
		}
	}
	t.PossibleDuplicates = ptr(make([]api.PossibleDuplicate, len(dups)))
	for i, c := range dups {
		(*t.PossibleDuplicates)[i] = api.PossibleDuplicate{Id: c.Entry.ReportID, Code: c.Entry.Code, Category: c.Entry.Category,
			Status: api.ReportStatus(c.Entry.Status), DistanceM: float32(c.DistanceM), Score: float32(c.Score),
			PhotoDistance: photoDistance(c), SamePhoto: ptr(c.PhotoMatch()), SameCategory: c.SameCategory, CreatedAt: c.Entry.CreatedAt,
			ThumbnailUrl: s.thumbnail(ctx, c.Entry.ThumbKey)}
	}
	return api.GetTicket200JSONResponse{Body: t, Headers: api.GetTicket200ResponseHeaders{ETag: etag(report.WorkflowVersion(r))}}, nil
}

// ActOnTicket applies a staff action.
func (s *Server) ActOnTicket(ctx context.Context, req api.ActOnTicketRequestObject) (api.ActOnTicketResponseObject, error) {
	v, err := parseIfMatch(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	b := req.Body
	p := principal(ctx)
	c := report.Command{Action: report.Action(b.Action), Actor: report.Actor{Principal: p}}
	if b.Note != nil {
		c.Note = *b.Note
	}
	if b.Reason != nil {
		c.Reason = report.RejectReason(*b.Reason)
	}
	if b.DuplicateOf != nil {
		c.DuplicateOf = *b.DuplicateOf
	}
	if b.ToAgency != nil {
		c.ToAgency = *b.ToAgency
	}
	if b.Public != nil {
		c.Public = *b.Public
	}
	if b.AssigneeId != nil {
		c.AssigneeID = *b.AssigneeId
	}
	var uploads []string
	if b.AfterPhotos != nil {
		uploads = *b.AfterPhotos
	}
	r, err := s.deps.Desk.Act(ctx, p, req.Id, v, c, uploads, s.deps.Intake)
	if err != nil {
		return nil, err
	}
	return api.ActOnTicket200JSONResponse{Body: s.toAPITicket(ctx, r), Headers: api.ActOnTicket200ResponseHeaders{ETag: etag(report.WorkflowVersion(r))}}, nil
}

// ActOnMyReport applies the reporter's answer.
func (s *Server) ActOnMyReport(ctx context.Context, req api.ActOnMyReportRequestObject) (api.ActOnMyReportResponseObject, error) {
	v, err := parseIfMatch(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	p := principal(ctx)
	c := report.Command{Action: report.Action(req.Body.Action), Actor: report.Actor{Principal: p}}
	if req.Body.Note != nil {
		c.Note = *req.Body.Note
	}
	if req.Body.Rating != nil {
		c.Rating = *req.Body.Rating
	}
	r, err := s.deps.Desk.Act(ctx, p, req.Id, v, c, nil, nil)
	if err != nil {
		return nil, err
	}
	return api.ActOnMyReport200JSONResponse{Body: s.toAPIReport(ctx, r, false), Headers: api.ActOnMyReport200ResponseHeaders{ETag: etag(report.WorkflowVersion(r))}}, nil
}

func (s *Server) toAPITicket(ctx context.Context, r report.Report) api.Ticket {
	rep := s.toAPIReport(ctx, r, false)
	// Staff see the internal comments too.
	rep.Timeline = rep.Timeline[:0]
	for _, e := range r.Timeline {
		rep.Timeline = append(rep.Timeline, toAPIEvent(e))
	}
	oa, or := report.Overdue(r, r.Ticket, time.Now())
	allowed := []string{}
	for _, a := range report.Allowed(r, report.Actor{Principal: principal(ctx)}) {
		allowed = append(allowed, string(a))
	}
	t := api.Ticket{Report: rep, AgencyId: r.Routing.AgencyID, OverdueAccept: oa, OverdueResolve: or, Complex: r.Ticket.Complex,
		Hidden: r.Ticket.Hidden, Escalated: ptr(r.Ticket.Escalated), AllowedActions: allowed, Version: int(report.WorkflowVersion(r))}
	if r.Ticket.Rating > 0 {
		t.Rating = ptr(r.Ticket.Rating)
	}
	if left, ok := s.deps.Desk.WorkingLeft(r.Status, r.Ticket.AcceptBy, r.Ticket.ResolveBy); ok {
		t.WorkingMinutesLeft = ptr(minutes(left))
	}
	// Staff see the originals as sent (evidence); residents' reports carry only the derivatives.
	for i, ph := range r.Photos {
		if ph.OriginalKey == "" || i >= len(rep.Photos) {
			continue
		}
		if u, err := s.deps.Presigner.PresignGet(ctx, ph.OriginalKey, photoURLTTL); err == nil {
			t.Report.Photos[i].OriginalUrl = &u
		}
	}
	if r.Ticket.AssigneeID != "" {
		t.AssigneeId = ptr(r.Ticket.AssigneeID)
	}
	if r.Ticket.DuplicateOf != "" {
		t.DuplicateOf = ptr(r.Ticket.DuplicateOf)
		t.FollowersMoved = ptr(r.Ticket.FollowersMoved)
	}
	if l := r.Ticket.LikelyOriginal; l.ReportID != "" && r.Ticket.DuplicateOf == "" {
		t.LikelyDuplicateOf = &api.LikelyOriginal{Id: l.ReportID, Code: l.Code, Score: float32(l.Score)}
	}
	return t
}

// minutes rounds a working duration toward zero, so a ticket 30 s overdue reads 0 rather than -1.
func minutes(d time.Duration) int { return int(d / time.Minute) }

func toAPIEvent(e report.Event) api.TimelineEntry {
	t := api.TimelineEntry{At: e.At, Action: e.Action, ActorRole: e.ActorRole}
	if e.AgencyID != "" {
		t.AgencyId = ptr(e.AgencyID)
	}
	if e.From != "" {
		t.FromStatus = ptr(api.ReportStatus(e.From))
	}
	if e.To != "" {
		t.ToStatus = ptr(api.ReportStatus(e.To))
	}
	if e.Note != "" {
		t.Note = ptr(e.Note)
	}
	return t
}
