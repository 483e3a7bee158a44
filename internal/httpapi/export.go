package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/report"
)

// exportLinkTTL is how long the photo links of a data export work: the person downloads the file, then
// has a week (SigV4's longest) to fetch the photos.
const exportLinkTTL = 7 * 24 * time.Hour

// ExportMe returns the caller's data. The reports are streamed a page at a time; the first page is read
// before answering, so that a failure to read them is still a problem document.
func (s *Server) ExportMe(ctx context.Context, _ api.ExportMeRequestObject) (api.ExportMeResponseObject, error) {
	e, err := s.deps.Accounts.Export(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	first, next, err := e.ReportsPage(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &exportStream{s: s, ctx: ctx, e: e, first: first, next: next}, nil
}

// exportStream writes a data export as it reads it.
type exportStream struct {
	s     *Server
	ctx   context.Context
	e     account.Export
	first []account.ExportedReport
	next  *report.Cursor
}

// VisitExportMeResponse writes the export. A failure once the answer started cuts the connection, so the
// client sees an incomplete transfer rather than a complete-looking document.
func (x *exportStream) VisitExportMeResponse(w http.ResponseWriter) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="smartqn-data-%s.json"`, x.e.ExportedAt.Format("20060102")))
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	err := x.write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		x.s.log.ErrorContext(x.ctx, "data export cut short", "error", err.Error())
		panic(http.ErrAbortHandler)
	}
	return nil
}

func (x *exportStream) write(w io.Writer) error {
	e := x.e
	head := api.DataExport{ExportedAt: e.ExportedAt, LinksExpireAt: e.ExportedAt.Add(exportLinkTTL),
		Profile: toProfile(e.Profile), Sessions: []api.SessionInfo{}, Devices: []api.PushDevice{}, PartnerContacts: []api.Open311Contact{}}
	for _, si := range e.Sessions {
		head.Sessions = append(head.Sessions, api.SessionInfo{CreatedAt: si.CreatedAt, LastUsedAt: si.LastUsedAt})
	}
	for _, d := range e.Devices {
		pd := api.PushDevice{Token: d.Token, Platform: api.Platform(d.Platform), Language: api.Language(d.Language), UpdatedAt: d.UpdatedAt}
		if d.AppVersion != "" {
			pd.AppVersion = ptr(d.AppVersion)
		}
		head.Devices = append(head.Devices, pd)
	}
	for _, c := range e.PartnerContacts {
		head.PartnerContacts = append(head.PartnerContacts, toAPIContact(c))
	}
	// The small parts first, by their wire names, then the two lists item by item.
	fields := []struct {
		name string
		v    any
	}{{"exported_at", head.ExportedAt}, {"links_expire_at", head.LinksExpireAt}, {"profile", head.Profile},
		{"sessions", head.Sessions}, {"devices", head.Devices},
		{"partner_contacts", head.PartnerContacts}}
	for i, f := range fields {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		if _, err := fmt.Fprintf(w, `%s"%s":`, sep, f.name); err != nil {
			return err
		}
		if err := encodeJSON(w, f.v); err != nil {
			return err
		}
	}
	if err := x.list(w, `,"reports":[`, x.first, x.next, e.ReportsPage); err != nil {
		return fmt.Errorf("export reports of %s: %w", e.Profile.ID, err)
	}
	first, next, err := x.page(e.FollowingPage, nil)
	if err == nil {
		err = x.list(w, `],"following":[`, first, next, e.FollowingPage)
	}
	if err != nil {
		return fmt.Errorf("export followed reports of %s: %w", e.Profile.ID, err)
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}

type pageReader func(ctx context.Context, after *report.Cursor) ([]account.ExportedReport, *report.Cursor, error)

// page reads one page under its own deadline: the whole export may take longer than one request's storage
// calls, but each read is bounded as theirs are (and the server's write timeout bounds the whole).
func (x *exportStream) page(read pageReader, after *report.Cursor) ([]account.ExportedReport, *report.Cursor, error) {
	timeout := x.s.deps.RequestTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(x.ctx), timeout)
	defer cancel()
	return read(ctx, after)
}

// list writes open, then the items of page and of every page after it.
func (x *exportStream) list(w io.Writer, open string, page []account.ExportedReport, next *report.Cursor, read pageReader) error {
	if _, err := io.WriteString(w, open); err != nil {
		return err
	}
	n := 0
	for {
		for _, er := range page {
			if n > 0 {
				if _, err := io.WriteString(w, ","); err != nil {
					return err
				}
			}
			n++
			item, err := x.toAPIExported(er)
			if err != nil {
				return err
			}
			if err := encodeJSON(w, item); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		var err error
		if page, next, err = x.page(read, next); err != nil {
			return err
		}
	}
}

func (x *exportStream) toAPIExported(er account.ExportedReport) (api.ExportedReport, error) {
	out := api.ExportedReport{Report: x.s.toAPIReport(x.ctx, er.Report, er.Following), Photos: []api.ExportedPhoto{},
		Actions: []api.TimelineEntry{}, Notifications: []api.ExportedNotification{}}
	if !er.Following {
		for _, ph := range er.Report.Photos {
			if ph.OriginalKey == "" {
				continue
			}
			u, err := x.s.deps.Presigner.PresignGet(x.ctx, ph.OriginalKey, exportLinkTTL)
			if err != nil {
				return api.ExportedReport{}, fmt.Errorf("sign photo %s of report %s: %w", ph.ID, er.Report.ID, err)
			}
			kind := api.ExportedPhotoKindBefore
			if ph.After {
				kind = api.ExportedPhotoKindAfter
			}
			out.Photos = append(out.Photos, api.ExportedPhoto{Id: ph.ID, Kind: kind, ContentType: ph.ContentType,
				Bytes: ph.Size, OriginalUrl: u})
		}
	}
	for _, ev := range er.Actions {
		out.Actions = append(out.Actions, toAPIEvent(ev))
	}
	for _, n := range er.Notices {
		out.Notifications = append(out.Notifications, api.ExportedNotification{At: n.At, Event: n.Event, Title: n.Title, Body: n.Body})
	}
	return out, nil
}
