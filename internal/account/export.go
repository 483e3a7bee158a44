package account

import (
	"context"
	"fmt"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/open311"
	"github.com/quangninh/feedback/internal/report"
)

// ExportPage is how many reports an export reads at once. An export is written a page at a time, so its
// memory is that of a page whatever the number of reports.
const ExportPage = 50

// ExportReports reads the reports a person is in, newest first, a page at a time (internal/mongostore).
type ExportReports interface {
	// ReportsByReporter returns up to limit reports of the reporter after the cursor (status "": any).
	ReportsByReporter(ctx context.Context, reporterID string, status report.Status, after *report.Cursor, limit int) ([]report.Report, error)
	// ReportsFollowedBy returns up to limit reports userID follows, after the cursor.
	ReportsFollowedBy(ctx context.Context, userID string, after *report.Cursor, limit int) ([]report.Report, error)
}

// Export is everything the service keeps about a user's account. The reports come a page at a time
// (ReportsPage, FollowingPage). What is deliberately not in it, and why, is stated with GET /v1/me/export
// in the spec: short-lived counters and sign-in codes, and the staff audit trail.
type Export struct {
	Profile  User
	Sessions []SessionInfo   // oldest first
	Devices  []notify.Device // registered for pushes
	// PartnerContacts are the contacts partners' apps sent with requests, tied to the account by its phone.
	PartnerContacts []open311.Contact
	ExportedAt      time.Time

	reports    ExportReports             // nil: no reports are listed
	precisionM func(category string) int // nil: report.FollowerPrecisionM
}

// ExportedReport is one report of an export, with what concerns the person in it.
type ExportedReport struct {
	// Report is the whole report for its reporter; for a follower, what a follower sees of it
	// (report.FollowerView).
	Report    report.Report
	Following bool
	// Actions are the timeline events the person made on it (filing, answers to the officer,
	// confirmations, disputes, ratings), oldest first.
	Actions []report.Event
	// Notices are the pushes its events were owed to the person, in their language.
	Notices []notify.Notice
}

// Export returns the signed-in user's account data; the reports are read page by page with ReportsPage
// and FollowingPage. It fails as Profile does.
func (s *Service) Export(ctx context.Context, p auth.Principal) (Export, error) {
	su, err := s.activeUser(ctx, p.UserID)
	if err != nil {
		return Export{}, err
	}
	sessions, err := s.store.UserSessions(ctx, p.UserID)
	if err != nil {
		return Export{}, err
	}
	now := s.now()
	ex := Export{Profile: su.User, Sessions: make([]SessionInfo, 0, len(sessions)), Devices: []notify.Device{},
		ExportedAt: now, reports: s.cfg.Reports, precisionM: s.cfg.PrecisionM}
	for _, se := range sessions {
		if !se.ExpiresAt.After(now) {
			continue // idle too long: no longer a session, only not purged yet
		}
		ex.Sessions = append(ex.Sessions, SessionInfo{CreatedAt: se.CreatedAt, LastUsedAt: se.LastUsedAt})
	}
	if s.cfg.Devices != nil {
		if ex.Devices, err = s.cfg.Devices.UserDevices(ctx, p.UserID); err != nil {
			return Export{}, err
		}
	}
	if s.cfg.PartnerContacts != nil {
		if ex.PartnerContacts, err = s.cfg.PartnerContacts.OfReporter(ctx, p.UserID); err != nil {
			return Export{}, fmt.Errorf("export partners' contacts of %s: %w", p.UserID, err)
		}
	}
	return ex, nil
}

// ReportsPage returns the page of the person's own reports after the cursor (nil: the first page),
// newest first, and the cursor of the next page (nil after the last). Errors are the store's.
func (e Export) ReportsPage(ctx context.Context, after *report.Cursor) ([]ExportedReport, *report.Cursor, error) {
	if e.reports == nil {
		return nil, nil, nil
	}
	list, err := e.reports.ReportsByReporter(ctx, e.Profile.ID, "", after, ExportPage)
	if err != nil {
		return nil, nil, err
	}
	out := make([]ExportedReport, len(list))
	for i, r := range list {
		out[i] = ExportedReport{Report: r, Actions: actionsOf(r, e.Profile.ID),
			Notices: notify.ResidentNotices(r, e.Profile.ID, e.language())}
	}
	return out, nextCursor(list), nil
}

// FollowingPage returns the page of the reports the person follows after the cursor, as ReportsPage
// does, each as a follower sees it.
func (e Export) FollowingPage(ctx context.Context, after *report.Cursor) ([]ExportedReport, *report.Cursor, error) {
	if e.reports == nil {
		return nil, nil, nil
	}
	list, err := e.reports.ReportsFollowedBy(ctx, e.Profile.ID, after, ExportPage)
	if err != nil {
		return nil, nil, err
	}
	out := make([]ExportedReport, len(list))
	for i, r := range list {
		// Followers may not act on a report; the notices need the whole report (its followers).
		precision := 0
		if e.precisionM != nil {
			precision = e.precisionM(r.Category)
		}
		out[i] = ExportedReport{Report: report.FollowerView(r, precision), Following: true,
			Notices: notify.ResidentNotices(r, e.Profile.ID, e.language())}
	}
	return out, nextCursor(list), nil
}

func (e Export) language() string {
	if e.Profile.Language == "" {
		return LanguageVietnamese
	}
	return e.Profile.Language
}

// nextCursor is the position after a full page, nil after a shorter (the last) one.
func nextCursor(page []report.Report) *report.Cursor {
	if len(page) < ExportPage {
		return nil
	}
	last := page[len(page)-1]
	return &report.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
}

// actionsOf returns the events of r that userID made, oldest first.
func actionsOf(r report.Report, userID string) []report.Event {
	out := []report.Event{}
	for _, ev := range r.Timeline {
		if ev.ActorID == userID {
			out = append(out, ev)
		}
	}
	return out
}
