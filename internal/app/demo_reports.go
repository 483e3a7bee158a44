package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/workcal"
)

// DemoReports is how many resolved demo reports SEED_DEMO=true loads.
const DemoReports = 200

// seedDemoReports inserts DemoReports resolved reports spread over the province's communes, and publishes
// them. It is idempotent: a report already stored is kept as it is (with its dates) and published again,
// which changes nothing. A few are deliberately not public (no consent, hidden) so the page shows the rules.
func seedDemoReports(ctx context.Context, store *mongostore.Store, cat *catalogue.Catalogue, places *jurisdiction.Index,
	cal *workcal.Calendar, pub *publicmap.Service, now time.Time) error {
	var cats []catalogue.Category
	for _, c := range cat.Categories() {
		if !c.Sensitive {
			cats = append(cats, c)
		}
	}
	communes := places.All()
	if len(cats) == 0 || len(communes) == 0 {
		return errors.New("demo reports: empty catalogue or jurisdiction")
	}
	items := make([]publicmap.Item, 0, DemoReports)
	for i := range DemoReports {
		rng := rand.New(rand.NewPCG(8, uint64(i)))
		cm := communes[(i*7)%len(communes)]
		c := cats[rng.IntN(len(cats))]
		lat, lng := cm.Centroid.Lat+(rng.Float64()-0.5)*0.02, cm.Centroid.Lng+(rng.Float64()-0.5)*0.02
		if got, ok := places.Locate(jurisdiction.Point{Lat: lat, Lng: lng}); !ok || got.Code != cm.Code {
			lat, lng = cm.Centroid.Lat, cm.Centroid.Lng
		}
		ag, ok := cat.CommuneAgency(cm.Code)
		if !ok {
			ag = cat.OperationsCentre()
		}
		created := now.Add(-time.Duration(2+i%80) * 24 * time.Hour).Add(-time.Duration(rng.IntN(8)) * time.Hour).UTC().Truncate(time.Second)
		resolved := cal.Add(created, time.Duration(2+rng.IntN(60))*time.Hour).UTC()
		status := report.Resolved
		if i%2 == 0 {
			status = report.Closed
		}
		r := report.Report{
			ID: fmt.Sprintf("demo-report-%04d", i), Code: fmt.Sprintf("QN-DEMO-%04d", i), Category: c.Code,
			Description:    fmt.Sprintf("Phản ánh mẫu số %d: %s tại %s (dữ liệu minh hoạ).", i, c.NameVi, cm.FullName),
			Location:       report.Location{Lat: lat, Lng: lng, Source: report.FromDevice},
			PublishConsent: i%17 != 5, Photos: []report.Photo{}, Status: status,
			Routing:   catalogue.Decision{AgencyID: ag.ID, CommuneCode: cm.Code, Rule: "commune", Reason: "demo", ReasonVi: "demo"},
			Followers: []string{}, CreatedAt: created, UpdatedAt: resolved, Version: 3,
			Timeline: []report.Event{
				{At: created, Action: "received", ActorRole: "resident", To: report.Received},
				{At: resolved, Action: string(report.ActionResolve), ActorRole: "officer", AgencyID: ag.ID, From: report.InProgress,
					To: report.Resolved, Note: "Đã xử lý xong, cảm ơn bạn đã phản ánh. / Fixed, thank you for reporting."},
			},
		}
		if err := store.InsertReport(ctx, r); errors.Is(err, fault.ErrConflict) {
			if r, err = store.Report(ctx, r.ID); err != nil {
				return err
			}
		} else if err != nil {
			return err
		} else if err := pub.CountReceived(ctx, r); err != nil { // counted when first stored only
			return err
		}
		t := report.Ticket{AcceptFrom: r.CreatedAt, ResolveFrom: r.CreatedAt, ResolveBy: cal.AddDays(r.CreatedAt, 3),
			ResolvedAt: r.Timeline[len(r.Timeline)-1].At, Hidden: i%29 == 7}
		if i%3 != 0 {
			t.Rating = 3 + i%3
		}
		items = append(items, publicmap.Item{Report: r, Ticket: t})
	}
	return pub.SyncAll(ctx, items)
}
