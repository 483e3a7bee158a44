package mongostore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/fcm"
	"github.com/quangninh/feedback/internal/fcmstandin"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testenv"
	"github.com/quangninh/feedback/internal/workcal"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// pushRig is a store, an FCM stand-in reached through the real firebase-admin-go client, and a way to
// make dispatchers over them.
type pushRig struct {
	t       *testing.T
	s       *Store
	standin *fcmstandin.Server
	sender  *fcm.Sender
	now     time.Time
}

func newPushRig(t *testing.T) *pushRig {
	t.Helper()
	standin := fcmstandin.New()
	t.Cleanup(standin.Close)
	sender, err := fcm.New(context.Background(), fcm.Config{ProjectID: "qn-test", Endpoint: standin.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return &pushRig{t: t, s: openTestStore(t), standin: standin, sender: sender, now: time.Now().UTC()}
}

func (g *pushRig) dispatcher(shift *time.Duration) *notify.Dispatcher {
	return &notify.Dispatcher{Store: g.s, Sender: g.sender, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Lease: time.Minute,
		MaxAttempts: 3, Workers: 4, Rand: func() float64 { return 0.5 },
		Now: func() time.Time {
			if shift != nil {
				return time.Now().Add(*shift)
			}
			return time.Now()
		}}
}

// device registers a device for a user.
func (g *pushRig) device(user, token, lang string) {
	g.t.Helper()
	if err := g.s.PutDevice(testenv.Context(g.t), notify.Device{Token: token, UserID: user, Platform: notify.Android, Language: lang, UpdatedAt: g.now}); err != nil {
		g.t.Fatal(err)
	}
}

// officer makes officer-1 of Phường Bãi Cháy (where newReport routes), with a phone (tok-officer-1, vi).
func (g *pushRig) officer() {
	g.t.Helper()
	if err := g.s.InsertStaff(testenv.Context(g.t), account.StoredUser{User: account.User{ID: "officer-1", Role: auth.RoleOfficer, AgencyID: "ubnd-06673", Username: "o1"}}); err != nil {
		g.t.Fatal(err)
	}
	g.device("officer-1", "tok-officer-1", "vi")
}

// otherProcess opens another store on g's database, as another replica would.
func (g *pushRig) otherProcess() *Store {
	g.t.Helper()
	other, err := Open(testenv.Context(g.t), testenv.Shared(g.t).MongoURI, g.s.db.Name(), Options{})
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(func() { _ = other.Close(context.Background()) })
	return other
}

// newReport inserts a received report (whose "received" event notifies the agency's officers) and returns it.
func (g *pushRig) newReport(id string, followers ...string) report.Report {
	g.t.Helper()
	return g.newReportIn(g.s, id, followers...)
}

// newReportIn is newReport through store s (another process's, say).
func (g *pushRig) newReportIn(s *Store, id string, followers ...string) report.Report {
	g.t.Helper()
	now := time.Now().UTC()
	r := report.Report{ID: id, Code: "QN-2611-" + id[len(id)-5:], ReporterID: "resident-" + id, Category: "road_damage",
		Description: "Ổ gà lớn giữa đường", Status: report.Received, Followers: followers,
		Routing: catalogue.Decision{AgencyID: "ubnd-06673"}, CreatedAt: now, UpdatedAt: now, Version: 1,
		Timeline: []report.Event{{At: now, Action: report.EventReceived, ActorRole: "resident", ActorID: "resident-" + id, To: report.Received}},
		Outbox:   []int{0}}
	if err := s.InsertReport(testenv.Context(g.t), r); err != nil {
		g.t.Fatal(err)
	}
	return r
}

// change appends a staff event moving the report to status `to`, saved as the desk saves.
func (g *pushRig) change(r report.Report, action string, to report.Status, note string) report.Report {
	g.t.Helper()
	now := time.Now().UTC()
	after := r
	after.Timeline = append(append([]report.Event(nil), r.Timeline...), report.Event{At: now, Action: action, ActorRole: "officer",
		ActorID: "officer-1", From: r.Status, To: to, Note: note})
	after.Status = to
	after.Outbox = append(append([]int(nil), r.Outbox...), len(after.Timeline)-1)
	ok, err := g.s.SaveReport(testenv.Context(g.t), r, after, now)
	if err != nil || !ok {
		g.t.Fatalf("save: %v %v", ok, err)
	}
	after.Version++
	return after
}

func (g *pushRig) drain(d *notify.Dispatcher) {
	g.t.Helper()
	for range 20 {
		n, err := d.RunOnce(testenv.Context(g.t))
		if err != nil {
			g.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	g.t.Fatal("the dispatcher never ran out of work")
}

// pending returns the hints due before `before`, earliest first, without leasing them.
func (g *pushRig) pending(before time.Time) ([]notify.Hint, error) {
	return g.s.findHints(testenv.Context(g.t), bson.D{{Key: "not_before", Value: bson.D{{Key: "$lte", Value: before}}}},
		options.Find().SetSort(bson.D{{Key: "not_before", Value: 1}}))
}

func bodies(ms []fcmstandin.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Notification.Body)
	}
	return out
}

// TestPushesReachReporterAndFollowersInTheirLanguage: officers hear of the new ticket; the reporter (vi)
// and a follower (en) hear of each status change once, with the data payload and collapse key.
func TestPushesReachReporterAndFollowersInTheirLanguage(t *testing.T) {
	g := newPushRig(t)
	g.officer()
	r := g.newReport("rep-lang-00001", "follower-1")
	g.device(r.ReporterID, "tok-reporter-vi", "vi")
	g.device("follower-1", "tok-follower-en", "en")
	d := g.dispatcher(nil)
	g.drain(d)
	if got := g.standin.MessagesFor("tok-officer-1"); len(got) != 1 || got[0].Data["event"] != "received" {
		t.Fatalf("officer got %+v", got)
	}
	r = g.change(r, "accept", report.Accepted, "")
	r = g.change(r, "resolve", report.Resolved, "Đã vá ổ gà")
	g.drain(d)
	vi, en := g.standin.MessagesFor("tok-reporter-vi"), g.standin.MessagesFor("tok-follower-en")
	if len(vi) != 2 || len(en) != 2 {
		t.Fatalf("reporter got %v, follower %v; want 2 each", bodies(vi), bodies(en))
	}
	if vi[0].Notification.Body != "Phản ánh của bạn đã được thụ lý" || vi[1].Notification.Body != "Đã xử lý xong. Phản hồi của cơ quan: Đã vá ổ gà" {
		t.Errorf("Vietnamese bodies %q", bodies(vi))
	}
	if en[0].Notification.Body != "A report you follow is accepted" || en[0].Notification.Title != "Report "+r.Code {
		t.Errorf("English push %+v", en[0].Notification)
	}
	want := map[string]string{"report_id": r.ID, "code": r.Code, "status": "resolved", "event": "resolve"}
	if fmt.Sprint(vi[1].Data) != fmt.Sprint(want) || vi[1].Android.CollapseKey != "report-"+r.ID {
		t.Errorf("data %v collapse %q", vi[1].Data, vi[1].Android.CollapseKey)
	}
	if n := len(g.standin.MessagesFor("tok-officer-1")); n != 1 {
		t.Errorf("the acting officer's colleague list: officer got %d pushes, want only the new ticket", n)
	}
	if hs, _ := g.pending(time.Now().Add(time.Hour)); len(hs) != 0 {
		t.Errorf("hints left after sending: %+v", hs)
	}
}

// TestCrashBetweenReportWriteAndHint: the hint is lost (as if the process died right after the report
// write); the sweep re-creates it from the report's outbox, and the push goes out exactly once, also when
// the sweep runs again after sending.
func TestCrashBetweenReportWriteAndHint(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	r := g.newReport("rep-crash-00001")
	g.device(r.ReporterID, "tok-crash", "vi")
	d := g.dispatcher(nil)
	g.drain(d)
	r = g.change(r, "accept", report.Accepted, "")
	if _, err := g.s.db.Collection(colOutbox).DeleteOne(ctx, byID(notify.HintID(r.ID, 1))); err != nil {
		t.Fatal(err)
	}
	g.drain(d)
	if n := len(g.standin.MessagesFor("tok-crash")); n != 0 {
		t.Fatalf("sent %d without a hint", n)
	}
	if n, err := g.s.RepairOutbox(ctx, time.Now().Add(-time.Hour)); err != nil || n != 1 {
		t.Fatalf("repair: %d %v", n, err)
	}
	g.drain(d)
	if n, err := g.s.RepairOutbox(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("second repair re-created %d (%v)", n, err)
	}
	g.drain(d)
	if n := len(g.standin.MessagesFor("tok-crash")); n != 1 {
		t.Errorf("pushes %d, want 1", n)
	}
}

// TestFailedHintInsertIsRetried: the report is stored but its hint insert fails (the database went away
// between the two writes); the store inserts the hint again moments later, without waiting for the
// sweep, and the push goes out once.
func TestFailedHintInsertIsRetried(t *testing.T) {
	g := newPushRig(t)
	g.officer()
	var fails atomic.Int32
	fails.Store(1)
	g.s.hintFault = func() error {
		if fails.Add(-1) >= 0 {
			return fault.New(fault.ErrUnavailable, "the database does not answer")
		}
		return nil
	}
	g.newReport("rep-hint-00001")
	if hs, _ := g.pending(time.Now().Add(time.Hour)); len(hs) != 0 {
		t.Fatalf("hints after a failed insert: %+v", hs)
	}
	var hs []notify.Hint
	for deadline := time.Now().Add(5 * time.Second); len(hs) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		hs, _ = g.pending(time.Now().Add(time.Hour))
	}
	if len(hs) != 1 || hs[0].Attempts != 1 {
		t.Fatalf("hints 5s after a failed insert: %+v, want the one, to be checked before sending", hs)
	}
	g.drain(g.dispatcher(nil))
	if got := g.standin.MessagesFor("tok-officer-1"); len(got) != 1 {
		t.Errorf("officer got %d pushes, want 1", len(got))
	}
}

// TestClosingStoreTriesLostHintsOnce: a store closing while a hint insert waits for its retry tries it at
// once, and Close returns only after that try.
func TestClosingStoreTriesLostHintsOnce(t *testing.T) {
	g := newPushRig(t)
	s := g.otherProcess()
	var down atomic.Bool
	down.Store(true)
	s.hintFault = func() error {
		if down.Load() {
			return fault.New(fault.ErrUnavailable, "the database does not answer")
		}
		return nil
	}
	g.newReportIn(s, "rep-close-00001")
	down.Store(false)
	start := time.Now()
	if err := s.Close(testenv.Context(t)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > hintRetry/2 {
		t.Errorf("Close took %s: it waited for the retry's timer", took)
	}
	if hs, _ := g.pending(time.Now().Add(time.Hour)); len(hs) != 1 {
		t.Fatalf("hints after Close: %+v, want the one its last try inserted", hs)
	}
}

// TestRetriedSubmissionRestoresLostHints: a first attempt's report write landed but it wrote no hint (it
// saw the write fail); the retry restores the hint and the push goes out once, also when the retry comes
// again after the push was sent; events past the outbox horizon are not restored.
func TestRetriedSubmissionRestoresLostHints(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	g.officer()
	r := g.newReport("rep-restore-00001")
	if _, err := g.s.db.Collection(colOutbox).DeleteOne(ctx, byID(notify.HintID(r.ID, 0))); err != nil {
		t.Fatal(err)
	}
	d := g.dispatcher(nil)
	for range 2 {
		if err := g.s.RestoreHints(ctx, r); err != nil {
			t.Fatal(err)
		}
		g.drain(d)
		if got := g.standin.MessagesFor("tok-officer-1"); len(got) != 1 {
			t.Fatalf("officer got %d pushes, want 1", len(got))
		}
	}
	old := r
	old.Timeline = []report.Event{r.Timeline[0]}
	old.Timeline[0].At = time.Now().Add(-report.OutboxHorizon - time.Minute)
	if err := g.s.RestoreHints(ctx, old); err != nil {
		t.Fatal(err)
	}
	if hs, _ := g.pending(time.Now().Add(time.Hour)); len(hs) != 0 {
		t.Errorf("hints restored for an event past the horizon: %+v", hs)
	}
}

// downFinish is a store whose FinishHints fails as unavailable while down is set: the database went away
// right after the dispatcher's sends.
type downFinish struct {
	*Store
	down *atomic.Bool
}

func (s downFinish) FinishHints(ctx context.Context, settled []notify.Settled, now time.Time) error {
	if s.down.Load() {
		return fault.New(fault.ErrUnavailable, "the database does not answer")
	}
	return s.Store.FinishHints(ctx, settled, now)
}

// TestSentWhileTheDatabaseFailsIsNotResent: the database fails right after a dispatcher's sends, so it
// cannot record them as sent. The dispatcher leases nothing more until it has recorded them, also after
// their lease ended; once the database answers it records them, and nobody sends them again. (A dispatcher
// that dies before recording loses what it knew: the hints go out again when the lease ends.)
func TestSentWhileTheDatabaseFailsIsNotResent(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	g.officer()
	g.newReport("rep-after-00001")
	var down atomic.Bool
	down.Store(true)
	var shift time.Duration
	d := g.dispatcher(&shift)
	d.Store = downFinish{g.s, &down}
	if _, err := d.RunOnce(ctx); !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("RunOnce with the database failing after the sends: %v, want unavailable", err)
	}
	g.newReport("rep-after-00002")
	shift = 2 * time.Minute // past the lease: the first hint is due again
	if n, err := d.RunOnce(ctx); n != 0 || !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("RunOnce still unable to record: leased %d (%v), want nothing", n, err)
	}
	down.Store(false)
	g.drain(d)
	g.drain(g.dispatcher(&shift)) // another dispatcher finds nothing left either
	got := map[string]int{}
	for _, m := range g.standin.MessagesFor("tok-officer-1") {
		got[m.Data["report_id"]]++
	}
	if got["rep-after-00001"] != 1 || got["rep-after-00002"] != 1 || len(got) != 2 {
		t.Errorf("officer got %v, want each report's push once", got)
	}
	if hs, _ := g.pending(time.Now().Add(time.Hour)); len(hs) != 0 {
		t.Errorf("hints left: %+v", hs)
	}
}

// brokenFinish is a store whose FinishHints fails, with an error other than an outage, for batches that
// hold the hint broken.
type brokenFinish struct {
	*Store
	broken string
}

func (s brokenFinish) FinishHints(ctx context.Context, settled []notify.Settled, now time.Time) error {
	for _, h := range settled {
		if h.ID == s.broken {
			return errors.New("mongodb claim: unexpected server error")
		}
	}
	return s.Store.FinishHints(ctx, settled, now)
}

// TestRecordFailureOtherThanAnOutageDoesNotStopDispatching: a send whose record fails for another reason
// than an outage is not held back for later, so the dispatcher goes on with new notifications at once.
func TestRecordFailureOtherThanAnOutageDoesNotStopDispatching(t *testing.T) {
	g := newPushRig(t)
	g.officer()
	g.newReport("rep-broken-00001")
	d := g.dispatcher(nil)
	d.Store = brokenFinish{g.s, notify.HintID("rep-broken-00001", 0)}
	if _, err := d.RunOnce(testenv.Context(t)); err == nil || errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("RunOnce with the record failing: %v, want a plain error", err)
	}
	g.newReport("rep-broken-00002")
	g.drain(d)
	if got := g.standin.MessagesFor("tok-officer-1"); len(got) != 2 {
		t.Errorf("officer got %d pushes, want both reports' at once", len(got))
	}
}

// TestRacingDispatchersSendEachOnce: four dispatchers drain 30 reports' hints at once; every device
// gets every push exactly once.
func TestRacingDispatchersSendEachOnce(t *testing.T) {
	g := newPushRig(t)
	var reports []report.Report
	for i := range 30 {
		r := g.newReport(fmt.Sprintf("rep-race-%05d", i))
		g.device(r.ReporterID, "tok-race-"+r.ID, "vi")
		reports = append(reports, r)
	}
	for i, r := range reports {
		reports[i] = g.change(r, "accept", report.Accepted, "")
	}
	var wg sync.WaitGroup
	for range 4 {
		d := g.dispatcher(nil)
		wg.Go(func() {
			for range 30 {
				if _, err := d.RunOnce(testenv.Context(t)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	g.drain(g.dispatcher(nil))
	for _, r := range reports {
		if n := len(g.standin.MessagesFor("tok-race-" + r.ID)); n != 1 {
			t.Errorf("%s: %d pushes, want 1", r.ID, n)
		}
	}
}

// TestUnregisteredTokenIsPruned: FCM's UNREGISTERED deletes the device; the other device still gets it.
func TestUnregisteredTokenIsPruned(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	r := g.newReport("rep-prune-00001")
	g.device(r.ReporterID, "tok-gone", "vi")
	g.device(r.ReporterID, "tok-alive", "vi")
	g.drain(g.dispatcher(nil))
	g.standin.Unregister("tok-gone")
	g.change(r, "accept", report.Accepted, "")
	g.drain(g.dispatcher(nil))
	ds, err := g.s.DevicesOf(ctx, []string{r.ReporterID})
	if err != nil || len(ds) != 1 || ds[0].Token != "tok-alive" {
		t.Errorf("devices after UNREGISTERED: %+v %v", ds, err)
	}
	if n := len(g.standin.MessagesFor("tok-alive")); n != 1 {
		t.Errorf("the live device got %d", n)
	}
}

// TestRetryableFailuresBackOff: a 429 with Retry-After and a lasting 503 are retried no sooner than asked,
// and delivered once FCM recovers.
func TestRetryableFailuresBackOff(t *testing.T) {
	g := newPushRig(t)
	r := g.newReport("rep-retry-00001")
	g.device(r.ReporterID, "tok-429", "vi")
	g.device(r.ReporterID, "tok-503", "vi")
	g.drain(g.dispatcher(nil))
	g.standin.FailNextFor("tok-429", 1, fcmstandin.Fault{Code: fcmstandin.QuotaExceeded, RetryAfter: 30 * time.Second})
	// A Retry-After over two minutes stops the SDK's own 503 retries.
	g.standin.FailNextFor("tok-503", 1, fcmstandin.Fault{Code: fcmstandin.Unavailable, RetryAfter: 3 * time.Minute})
	g.change(r, "accept", report.Accepted, "")
	g.drain(g.dispatcher(nil))
	hs, err := g.pending(time.Now().Add(time.Hour))
	if err != nil || len(hs) != 1 {
		t.Fatalf("hints %+v %v", hs, err)
	}
	if wait := time.Until(hs[0].NotBefore); wait < 170*time.Second {
		t.Errorf("next attempt in %v, want at least the 3 min asked", wait)
	}
	shift := 2 * time.Minute
	g.drain(g.dispatcher(&shift))
	if n := len(g.standin.MessagesFor("tok-429")) + len(g.standin.MessagesFor("tok-503")); n != 0 {
		t.Fatalf("sent %d before Retry-After", n)
	}
	shift = 4 * time.Minute
	g.drain(g.dispatcher(&shift))
	if a, b := len(g.standin.MessagesFor("tok-429")), len(g.standin.MessagesFor("tok-503")); a != 1 || b != 1 {
		t.Errorf("after recovery: %d and %d pushes, want 1 each", a, b)
	}
}

// TestParkedAfterMaxAttemptsAndAdminRetry: a push failing every time is parked after MaxAttempts and
// listed; an admin's retry sends it once FCM works again.
func TestParkedAfterMaxAttemptsAndAdminRetry(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	r := g.newReport("rep-park-00001")
	g.device(r.ReporterID, "tok-park", "vi")
	g.drain(g.dispatcher(nil))
	g.standin.FailToken("tok-park", fcmstandin.Fault{Code: fcmstandin.QuotaExceeded})
	g.change(r, "accept", report.Accepted, "")
	for i := range 3 {
		shift := time.Duration(i) * 10 * time.Minute
		g.drain(g.dispatcher(&shift))
	}
	d := g.dispatcher(nil)
	failed, err := d.Failed(ctx, 10)
	if err != nil || len(failed) != 1 || failed[0].ID != notify.HintID(r.ID, 1) || failed[0].Attempts != 3 {
		t.Fatalf("failed %+v %v", failed, err)
	}
	calls := g.standin.Calls()
	shift := 10 * time.Hour // a parked notification is not tried again by itself
	g.drain(g.dispatcher(&shift))
	if n := g.standin.Calls(); n != calls {
		t.Errorf("a parked notification was tried again: %d calls, then %d", calls, n)
	}
	g.standin.Reset()
	if err := d.Retry(ctx, failed[0].ID); err != nil {
		t.Fatal(err)
	}
	g.drain(d)
	if n := len(g.standin.MessagesFor("tok-park")); n != 1 {
		t.Errorf("after admin retry: %d pushes", n)
	}
	if failed, _ := d.Failed(ctx, 10); len(failed) != 0 {
		t.Errorf("still parked: %+v", failed)
	}
	if err := d.Retry(ctx, "nothing:1"); err == nil {
		t.Error("retrying an unknown notification succeeded")
	}
}

// staticRouter is the seeded catalogue, for desks in store tests.
type staticRouter struct{ cat *catalogue.Catalogue }

func (r staticRouter) Catalogue() *catalogue.Catalogue { return r.cat }
func (r staticRouter) Route(string, jurisdiction.Point) (catalogue.Decision, error) {
	return catalogue.Decision{}, fmt.Errorf("not routing in this test")
}

// TestSweepWarnsOfNearDeadlineOnce: the sweep tells the agency's officers, by push, that a ticket's
// deadline is near, once however often it runs; the reporter hears nothing of it.
func TestSweepWarnsOfNearDeadlineOnce(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	cat, err := catalogue.Seed(jurisdiction.Default())
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workcal.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.s.InsertStaff(ctx, account.StoredUser{User: account.User{ID: "officer-w", Role: auth.RoleOfficer, AgencyID: "ubnd-06673", Username: "ow"}}); err != nil {
		t.Fatal(err)
	}
	g.device("officer-w", "tok-officer-w", "en")
	r := g.newReport("rep-warn-00001")
	g.device(r.ReporterID, "tok-reporter-w", "vi")
	g.drain(g.dispatcher(nil)) // the new-ticket push
	now := time.Now().UTC()
	r.Ticket.AcceptBy = now.Add(time.Hour) // an hour away at most, in working time too
	after := r
	after.Version = 1
	if ok, err := g.s.SaveReport(ctx, r, after, now); err != nil || !ok {
		t.Fatalf("save: %v %v", ok, err)
	}
	if err := g.s.PutQueueEntry(ctx, "ubnd-06673", report.Entry(after, false), now); err != nil {
		t.Fatal(err)
	}
	desk := &report.Desk{Store: g.s, Router: staticRouter{cat}, Calendar: func() *workcal.Calendar { return cal },
		Policy: workcal.DefaultPolicy(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for range 2 {
		if _, err := desk.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, err := g.s.Report(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var warnings int
	for _, e := range got.Timeline {
		if e.Action == string(report.ActionWarnDeadline) {
			warnings++
		}
	}
	if warnings != 1 || !got.Ticket.WarnedFor.Equal(r.Ticket.AcceptBy.Truncate(time.Millisecond)) {
		t.Fatalf("%d warnings, warned for %s; want 1 for %s", warnings, got.Ticket.WarnedFor, r.Ticket.AcceptBy)
	}
	g.drain(g.dispatcher(nil))
	pushes := g.standin.MessagesFor("tok-officer-w")
	if len(pushes) != 2 || pushes[1].Data["event"] != "warn_deadline" || !strings.HasPrefix(pushes[1].Notification.Body, "Due by ") {
		t.Errorf("officer's pushes %v", bodies(pushes))
	}
	if n := len(g.standin.MessagesFor("tok-reporter-w")); n != 0 {
		t.Errorf("the reporter got %d pushes of an officers' warning", n)
	}
}

// TestRetriedSubmissionPushesOnce: a retry of a submission, whose insert finds the report stored, writes
// no hints: the new report's push goes out once.
func TestRetriedSubmissionPushesOnce(t *testing.T) {
	g := newPushRig(t)
	ctx := testenv.Context(t)
	d := g.dispatcher(nil)
	d.Store = oneOfficer{g.s}
	g.device("officer-once", "tok-officer-once", "vi")

	r := g.newReport("retried-00001")
	g.drain(d)
	if n := len(g.standin.MessagesFor("tok-officer-once")); n != 1 {
		t.Fatalf("officer got %d pushes of the new report, want 1", n)
	}
	retry := r
	retry.UpdatedAt = r.UpdatedAt.Add(5 * time.Millisecond) // the retry's own time
	if err := g.s.InsertReport(ctx, retry); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("the retry's insert: %v, want a conflict", err)
	}
	time.Sleep(10 * time.Millisecond) // the retry's hint is due
	g.drain(d)
	if n := len(g.standin.MessagesFor("tok-officer-once")); n != 1 {
		t.Errorf("officer got %d pushes after the retry, want still 1", n)
	}
}

// oneOfficer is a store whose every agency has the one officer "officer-once".
type oneOfficer struct{ *Store }

func (oneOfficer) StaffIDs(_ context.Context, _ string, roles ...auth.Role) ([]string, error) {
	for _, r := range roles {
		if r == auth.RoleOfficer {
			return []string{"officer-once"}, nil
		}
	}
	return nil, nil
}
