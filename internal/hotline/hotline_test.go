package hotline_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/hotline"
	"github.com/quangninh/feedback/internal/report"
)

type fakeResidents map[string]string // E.164 → user ID

func (f fakeResidents) ResidentForPhone(_ context.Context, n phone.Number) (string, error) {
	return f[n.String()], nil
}

// fakeIntake files drafts as reports numbered by key.
type fakeIntake struct{ filed map[string]report.Report }

func (f *fakeIntake) Submit(_ context.Context, p auth.Principal, key string, d report.Draft, _ []*report.Spooled) (report.Report, bool, error) {
	if r, ok := f.filed[key]; ok {
		return r, false, nil
	}
	r := report.Report{ID: "r-" + key, Code: "QN-2612-00007", ReporterID: d.OnBehalfOf, Status: report.Received}
	f.filed[key] = r
	return r, true, nil
}

type fakeSMS struct {
	sent []string
	err  error
}

func (f *fakeSMS) Send(_ context.Context, to phone.Number, text string) error {
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, to.String()+" "+text)
	return nil
}

func newDesk() (*hotline.Desk, *fakeIntake, *fakeSMS) {
	in, sms := &fakeIntake{filed: map[string]report.Report{}}, &fakeSMS{}
	return &hotline.Desk{Residents: fakeResidents{"+84912345678": "res-1"}, Intake: in, SMS: sms,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, in, sms
}

var taker = auth.Principal{UserID: "ct-1", Role: auth.RoleCallTaker}

func TestHotlineFilesForTheCallersResidentAndTextsTheCode(t *testing.T) {
	d, _, sms := newDesk()
	rc, created, err := d.File(context.Background(), taker, "call-1", hotline.Call{Phone: "0912 345 678", Draft: report.Draft{Category: "road_damage"}})
	if err != nil {
		t.Fatal(err)
	}
	if !created || rc.Report.ReporterID != "res-1" || !rc.SMSSent {
		t.Errorf("receipt %+v created %v, want a new report of res-1 with its SMS sent", rc, created)
	}
	if len(sms.sent) != 1 || !strings.HasPrefix(sms.sent[0], "+84912345678 ") || !strings.Contains(sms.sent[0], "QN-2612-00007") {
		t.Errorf("SMS %q, want the code to the caller's number", sms.sent)
	}
	// A retry answers the same report, and texts it again (the first attempt may have failed before).
	if _, created, _ := d.File(context.Background(), taker, "call-1", hotline.Call{Phone: "0912345678", Draft: report.Draft{Category: "road_damage"}}); created || len(sms.sent) != 2 {
		t.Errorf("retry: created %v, %d SMS, want the same report texted again", created, len(sms.sent))
	}
}

func TestHotlineSaysWhenTheSMSFailed(t *testing.T) {
	d, in, sms := newDesk()
	sms.err = fault.New(fault.ErrUnavailable, "gateway down")
	rc, _, err := d.File(context.Background(), taker, "call-2", hotline.Call{Phone: "0912345678", Language: "en"})
	if err != nil {
		t.Fatalf("a failed SMS must not fail the filing: %v", err)
	}
	if rc.SMSSent || len(in.filed) != 1 {
		t.Errorf("receipt %+v, want the report filed and SMSSent false", rc)
	}
}

func TestHotlineRefusesOthersAndBadNumbers(t *testing.T) {
	d, in, _ := newDesk()
	officer := auth.Principal{UserID: "off", Role: auth.RoleOfficer, AgencyID: "a"}
	if _, _, err := d.File(context.Background(), officer, "k", hotline.Call{Phone: "0912345678"}); !errors.Is(err, fault.ErrForbidden) {
		t.Errorf("officer: %v, want forbidden", err)
	}
	var inv *fault.Invalid
	if _, _, err := d.File(context.Background(), taker, "k", hotline.Call{Phone: "12345"}); !errors.As(err, &inv) || inv.Fields[0].Field != "body.phone" {
		t.Errorf("bad number: %v, want invalid body.phone", err)
	}
	if len(in.filed) != 0 {
		t.Errorf("filed %d reports, want none", len(in.filed))
	}
}
