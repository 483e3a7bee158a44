package app

import (
	"log/slog"

	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/audit"
	"github.com/quangninh/feedback/internal/hotline"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/reply"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/routing"
)

// deskServices builds what the staff console needs beside the ticket desk: reply templates, the audit
// trail and the hotline intake.
func deskServices(store *mongostore.Store, router *routing.Service, intake *report.Intake, accts *account.Service, sender account.SMS, log *slog.Logger) (*reply.Service, *audit.Trail, *hotline.Desk) {
	return &reply.Service{Store: store, Catalogue: router.Catalogue},
		&audit.Trail{Store: store},
		&hotline.Desk{Residents: accts, Intake: intake, SMS: sender, Log: log}
}
