// Package hotline is the intake of reports by phone: a call-taker files a report for a resident who called,
// the report becomes the resident's (found by their number, whose account is made if need be), and the
// resident gets an SMS with the report's code, to follow it in the app once signed in with that number.
package hotline

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
)

// Residents finds (or makes) the resident account of a phone number.
type Residents interface {
	ResidentForPhone(ctx context.Context, number phone.Number) (string, error)
}

// Intake stores reports.
type Intake interface {
	Submit(ctx context.Context, p auth.Principal, key string, d report.Draft, photos []*report.Spooled) (report.Report, bool, error)
}

// SMS sends a text message.
type SMS interface {
	Send(ctx context.Context, to phone.Number, text string) error
}

// Call is what the call-taker writes down.
type Call struct {
	Phone    string // as the caller said it
	Language string // "vi" (default) or "en": the SMS's language
	Draft    report.Draft
}

// Receipt is the filed report with what the call-taker tells the caller.
type Receipt struct {
	Report  report.Report
	Phone   phone.Number
	SMSSent bool // false: the gateway failed; read the code out
}

// Desk files hotline reports.
type Desk struct {
	Residents Residents
	Intake    Intake
	SMS       SMS
	Log       *slog.Logger
}

// File files a call's report for the resident with the call's number, under the call-taker's
// Idempotency-Key, and texts the resident its code. created is false for a retry of a filed report; the
// SMS is sent on a retry too, since the first attempt may have stored the report and failed before it.
//
// It fails with fault.ErrForbidden for anyone but a call-taker, *fault.Invalid for a bad number (body.phone)
// or draft, and whatever report.Intake.Submit returns. A failed SMS is not an error (Receipt.SMSSent).
func (d *Desk) File(ctx context.Context, p auth.Principal, key string, c Call) (Receipt, bool, error) {
	if p.Role != auth.RoleCallTaker {
		return Receipt{}, false, fault.New(fault.ErrForbidden, "only call-takers file hotline reports")
	}
	number, err := phone.Parse(c.Phone)
	if err != nil {
		inv := &fault.Invalid{}
		inv.Add("body.phone", err.Error())
		return Receipt{}, false, inv
	}
	resident, err := d.Residents.ResidentForPhone(ctx, number)
	if err != nil {
		return Receipt{}, false, fmt.Errorf("resident of %s: %w", number.Redacted(), err)
	}
	c.Draft.OnBehalfOf = resident
	r, created, err := d.Intake.Submit(ctx, p, key, c.Draft, nil)
	if err != nil {
		return Receipt{}, false, err
	}
	rc := Receipt{Report: r, Phone: number, SMSSent: true}
	if err := d.SMS.Send(ctx, number, smsText(c.Language, r.Code)); err != nil {
		rc.SMSSent = false
		d.Log.WarnContext(ctx, "hotline report: SMS not sent", "report", r.ID, "error", err.Error())
	}
	return rc, created, nil
}

func smsText(lang, code string) string {
	if lang == "en" {
		return "Smart Quang Ninh: your report by phone was received, code " + code +
			". Sign in to the app with this number to follow it."
	}
	return "Smart Quang Ninh: phan anh qua tong dai cua ban da duoc tiep nhan, ma " + code +
		". Dang nhap ung dung bang so dien thoai nay de theo doi."
}
