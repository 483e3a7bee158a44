package notify

import (
	"strings"

	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// audience is why a person hears of an event, which decides the wording.
type audience int

const (
	toResident   audience = iota // the reporter
	toFollower                   // a resident following someone else's report
	toOfficer                    // staff of the agency that now handles the ticket
	toSupervisor                 // agency admins and dispatchers, of escalations
	toAssignee                   // the staff member a ticket was assigned to
)

var statusNames = map[string]map[report.Status]string{
	"vi": {report.Received: "đã tiếp nhận", report.Accepted: "đã được thụ lý", report.InProgress: "đang xử lý",
		report.InfoRequested: "cần bổ sung thông tin", report.Resolved: "đã xử lý xong", report.Closed: "đã đóng",
		report.Rejected: "bị từ chối", report.Reopened: "được mở lại"},
	"en": {report.Received: "received", report.Accepted: "accepted", report.InProgress: "in progress",
		report.InfoRequested: "waiting for your information", report.Resolved: "resolved", report.Closed: "closed",
		report.Rejected: "rejected", report.Reopened: "reopened"},
}

// text writes a push in lang ("vi" unless "en"): a title naming the report, and a body short enough for
// a lock screen (the sender shortens it further if need be).
func text(lang string, who audience, r report.Report, e report.Event) (title, body string) {
	en := lang == "en"
	pick := func(vi, english string) string {
		if en {
			return english
		}
		return vi
	}
	title = pick("Phản ánh ", "Report ") + r.Code
	note := firstLine(e.Note)
	withNote := func(head string) string {
		if note == "" {
			return head
		}
		return head + ": " + note
	}
	status := statusNames[pick("vi", "en")][e.To]
	switch {
	case who == toOfficer && e.Action == report.EventReceived:
		body = pick("Phản ánh mới cần tiếp nhận: ", "New report to accept: ") + firstLine(r.Description)
	case who == toOfficer && e.Action == string(report.ActionTransfer):
		body = withNote(pick("Phản ánh được chuyển đến đơn vị của bạn", "Report transferred to your agency"))
	case who == toOfficer && e.Action == string(report.ActionWarnDeadline):
		when := r.Ticket.WarnedFor.In(workcal.Location()).Format("15:04 02/01")
		body = pick("Sắp đến hạn xử lý ", "Due by ") + when + ": " + firstLine(r.Description)
	case who == toAssignee:
		body = pick("Phản ánh được giao cho bạn: ", "Report assigned to you: ") + firstLine(r.Description)
	case who == toSupervisor:
		body = withNote(pick("Quá hạn xử lý", "Overdue"))
	case e.Action == string(report.ActionResolve):
		body = withNote(pick("Đã xử lý xong. Phản hồi của cơ quan", "Resolved. The agency's reply"))
	case e.Action == string(report.ActionRequestInfo):
		body = withNote(pick("Cơ quan cần thêm thông tin", "The agency needs more information"))
	case e.Action == report.EventCommentPublic:
		body = withNote(pick("Phản hồi mới", "New reply"))
	case e.Action == string(report.ActionTransfer) && who == toFollower:
		body = pick("Phản ánh bạn theo dõi đã được chuyển cho cơ quan khác xử lý", "A report you follow was passed to another agency")
	case e.Action == string(report.ActionTransfer):
		body = pick("Phản ánh đã được chuyển cho cơ quan khác xử lý", "Your report was passed to another agency")
	case who == toFollower:
		body = pick("Phản ánh bạn theo dõi ", "A report you follow is ") + status
	default:
		body = pick("Phản ánh của bạn ", "Your report is ") + status
	}
	return title, body
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
