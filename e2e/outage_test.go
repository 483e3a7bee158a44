package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/fcmstandin"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestOutagesLoseNothing is the operator's outage drill of issue #22. Eight residents, each with a
// registered phone, submit reports without pause through the real binary (push dispatcher and photo
// worker inside), retrying each submission with its Idempotency-Key as the app does, while
//
//  1. the database is stopped for 12 s and started again (testenv's Stop stops S3 with it);
//  2. for 10 s every connection to the database is cut, again and again (a flaky network, a failover):
//     writes die between one and the next, wherever they are;
//  3. S3 alone is stopped for 12 s and started again;
//  4. the API process is killed (SIGKILL) in the middle of submissions, and started again.
//
// After each fault it measures the recovery: from the end of the outage until every submission begun
// before then is answered, its ticket is in its agency's queue as the officers list it, and each of the
// agency's two officers got its "received" push. At the end it checks that every submission made exactly
// one report, every report is queued, every push went out exactly once, every photo has its derivatives,
// and every error a phone saw was a 503 with Retry-After (or, while the process was dead, no connection).
//
// One duplicate push is inherent and tolerated: a push that FCM accepted in the moments before the SIGKILL,
// before the dying process recorded it as sent, is sent again once its lease ends (FCM cannot tell a resend
// from a new message; phones show one, as both share the report's collapse key). Through the other faults
// every push must go out exactly once.
func TestOutagesLoseNothing(t *testing.T) {
	t.Parallel()
	srv := testenv.Owned(t)
	fcm := fcmstandin.NewUnstarted()
	proxy := newTCPProxy(t, strings.TrimSuffix(strings.TrimPrefix(srv.MongoURI, "mongodb://"), "/"))
	rig := newOutageRig(t, srv, "mongodb://"+proxy.addr()+"/", newFCMFront(t, fcm).URL)
	rig.fcm = fcm
	rig.start()
	ctx := testenv.Context(t)
	c := rig.client

	// Two officers of the agency where every report goes, each with a phone.
	admin := bearer(rig.mint(t, auth.Principal{UserID: "admin-outage", Role: auth.RoleAdmin}))
	agency := "ubnd-06673" // Phường Bãi Cháy, where pothole(&baiChay) is routed
	for i := range 2 {
		user, pw := fmt.Sprintf("officer.outage%d", i), "Ha-Long-Bay-Outage-1"
		mk, err := c.CreateStaffWithResponse(ctx, api.StaffCreate{Username: user, Password: pw, Role: api.StaffCreateRoleOfficer, AgencyId: &agency}, admin)
		if err != nil || mk.JSON201 == nil {
			t.Fatalf("create officer: %v %s", err, mk.Body)
		}
		officer := staffLogin(t, c, user, pw)
		phone := fmt.Sprintf("tok-officer-outage-%02d", i)
		registerDevice(t, c, officer, phone, api.Vi)
		rig.officerPhones = append(rig.officerPhones, phone)
		rig.officer = officer
	}

	// Eight residents sign in and register a phone; each submits the same pothole, one key per report.
	ct, body := multipartBody(t, reportPart(t, pothole(&baiChay)), photoPart(jpegOnce(t)))
	l := &ledger{byKey: map[string]*submission{}}
	stop := make(chan struct{})
	var stopOnce sync.Once
	stopAll := func() { stopOnce.Do(func() { close(stop) }) }
	t.Cleanup(stopAll) // a failed test leaves no resident retrying
	var wg sync.WaitGroup
	for i := range 8 {
		tp := signInAcross(t, c, c, c, fmt.Sprintf("09130000%02d", i), fromAddr(fmt.Sprintf("198.51.100.%d", 10+i)))
		as := bearer(tp.AccessToken)
		registerDevice(t, c, as, fmt.Sprintf("tok-resident-outage-%02d", i), api.Vi)
		r := &outageResident{i: i, userID: tp.User.Id, as: as}
		rig.residents = append(rig.residents, r)
		wg.Go(func() { rig.submitUntil(stop, r, ct, body.Bytes(), l) })
	}
	time.Sleep(4 * time.Second)

	// 1. The database (with S3) stops for 12 s.
	srv.Stop()
	t.Logf("database and S3 stopped")
	time.Sleep(12 * time.Second)
	if err := srv.Restart(); err != nil {
		t.Fatalf("restart the dev stack: %v", err)
	}
	rig.recover(t, "database outage", l, time.Now(), false)

	// 2. Every connection to the database is cut every 50-300 ms for 10 s.
	cuts := 0
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); cuts++ {
		time.Sleep(time.Duration(50+mathrand.IntN(250)) * time.Millisecond)
		proxy.cut()
	}
	t.Logf("database connections cut %d times", cuts)
	rig.recover(t, "connection cuts", l, time.Now(), false)

	// 3. S3 alone stops for 12 s.
	srv.StopS3()
	t.Logf("S3 stopped")
	time.Sleep(12 * time.Second)
	srv.StartS3()
	rig.recover(t, "S3 outage", l, time.Now(), false)

	// 4. The API process dies (SIGKILL) while submissions are on their way, and is started again.
	for deadline := time.Now().Add(10 * time.Second); l.inFlight.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	inFlight := l.inFlight.Load()
	rig.down.Store(true)
	rig.killedAt = time.Now()
	rig.api.kill(t)
	rig.deadAt = time.Now()
	t.Logf("API killed with %d submissions in flight", inFlight)
	rig.start()
	rig.down.Store(false)
	t.Logf("API ready again %.1fs after the kill", time.Since(rig.killedAt).Seconds())
	rig.recover(t, "API SIGKILL", l, time.Now(), true)

	// The residents finish what they began; then everything must be settled within 90 s.
	stopAll()
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(90 * time.Second):
		t.Fatalf("residents still retrying 90s after the last fault")
	}
	rig.recover(t, "final", l, time.Now(), true)
	for _, col := range []string{"outbox", "report_jobs"} {
		if !eventually(30*time.Second, func() bool {
			n, err := rig.db.Collection(col).CountDocuments(context.Background(), bson.D{})
			return err == nil && n == 0
		}) {
			t.Errorf("%s not empty 30s after everything was delivered", col)
		}
	}
	rig.checkExactlyOnce(t, l)
	if n := value(scrape(t, rig.api.metricsURL), "qn_outbox_overdue", nil); n != 0 {
		t.Errorf("qn_outbox_overdue = %v after recovery, want 0", n)
	}
}

// outageRig runs one API process at a time against a dev stack the test owns. Its client follows the
// process across restarts, as a load balancer would.
type outageRig struct {
	bin           string
	env           map[string]string
	authz         *token.Authority
	db            *mongo.Database
	fcm           *fcmstandin.Server
	api           *process
	host          atomic.Pointer[string] // the running process's host:port
	client        *api.ClientWithResponses
	down          atomic.Bool // the process is dead or starting: refused connections are expected
	killedAt      time.Time
	deadAt        time.Time // the killed process has exited; its successor is not started yet
	officer       api.RequestEditorFn
	officerPhones []string
	residents     []*outageResident
	started       int // processes started
	t             *testing.T
}

type outageResident struct {
	i      int
	userID string
	as     api.RequestEditorFn
}

// newOutageRig prepares the API's environment against srv, with the database reached at mongoURI.
func newOutageRig(t *testing.T, srv *testenv.Servers, mongoURI, fcmURL string) *outageRig {
	t.Helper()
	env, authz := processEnv(t, srv)
	for k, v := range map[string]string{
		"MONGO_URI": mongoURI, "FCM_ENDPOINT": fcmURL, "PUSH_DISPATCH": "true", "PUSH_LEASE": "5s", // a killed process's hints return in 5 s
		"RETRY_AFTER": "1s", "REQUEST_TIMEOUT": "5s", "METRICS_REFRESH": "0s",
		// Each of the eight residents submits for minutes on end: the drill is about outages, not quotas.
		"RESIDENT_REPORTS_PER_HOUR": "10000", "RESIDENT_REPORTS_PER_DAY": "10000",
	} {
		env[k] = v
	}
	rig := &outageRig{bin: buildCommands(t), env: env, authz: authz, t: t}
	mc, err := mongo.Connect(options.Client().ApplyURI(srv.MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mc.Disconnect(context.Background()) })
	rig.db = mc.Database(env["MONGO_DATABASE"])
	none := ""
	rig.host.Store(&none)
	tr := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 5 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	rig.client, err = api.NewClientWithResponses("http://api", api.WithHTTPClient(&http.Client{Transport: toCurrent{&rig.host, tr}}))
	if err != nil {
		t.Fatal(err)
	}
	return rig
}

// start starts a new API process and waits until it is ready.
func (rig *outageRig) start() {
	rig.started++
	rig.api = startProcess(rig.t, filepath.Join(rig.bin, "qnfeedback"), fmt.Sprintf("api-%d", rig.started), rig.env)
	rig.api.waitReady(rig.t)
	host := strings.TrimPrefix(rig.api.url, "http://")
	rig.host.Store(&host)
}

func (rig *outageRig) mint(t *testing.T, p auth.Principal) string {
	t.Helper()
	if err := testapp.EnsureAccount(context.Background(), rig.db, p); err != nil {
		t.Fatal(err)
	}
	issued, err := rig.authz.Sign(p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return issued.Token
}

// tcpProxy forwards connections to a server, and can cut them all at once.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) pipe(c net.Conn) {
	s, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

// cut resets every connection: the client sees its command fail, whether or not the server did it.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		c.Close()
		delete(p.conns, c)
	}
}

// toCurrent sends every request to the process running now.
type toCurrent struct {
	host *atomic.Pointer[string]
	rt   http.RoundTripper
}

func (tc toCurrent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Host = *tc.host.Load()
	r.Host = r.URL.Host
	return tc.rt.RoundTrip(r)
}

// ledger records every submission and what the phones were answered.
type ledger struct {
	inFlight atomic.Int32

	mu          sync.Mutex
	subs        []*submission // in the order begun
	byKey       map[string]*submission
	problems    []string // answers a phone must never get
	slowest     time.Duration
	unavailable int // 503 answers
	refused     int // connections refused or cut while the process was dead
}

type submission struct {
	resident *outageResident
	key      string
	begun    time.Time
	id       string // the report, once answered with 201 or 200
	created  int    // 201 answers
}

func (l *ledger) begin(r *outageResident, key string) *submission {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &submission{resident: r, key: key, begun: time.Now()}
	l.subs = append(l.subs, s)
	l.byKey[key] = s
	return s
}

func (l *ledger) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// snapshot returns copies of the submissions begun before t.
func (l *ledger) snapshot(before time.Time) []submission {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []submission
	for _, s := range l.subs {
		if s.begun.Before(before) {
			out = append(out, *s)
		}
	}
	return out
}

// submitUntil submits report after report, each until it is answered, until stop is closed.
func (rig *outageRig) submitUntil(stop <-chan struct{}, r *outageResident, ct string, body []byte, l *ledger) {
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		s := l.begin(r, fmt.Sprintf("outage-%d-%05d", r.i, n))
		for !rig.attempt(r, ct, body, s, l) {
			if time.Since(s.begun) > 3*time.Minute {
				l.problem("%s: no answer within 3 minutes", s.key)
				return
			}
		}
		select {
		case <-stop:
			return
		case <-time.After(time.Second):
		}
	}
}

// attempt sends one try of a submission, as the app does: true when answered; after a 503 it waits as
// Retry-After says, after a refused connection a quarter second.
func (rig *outageRig) attempt(r *outageResident, ct string, body []byte, s *submission, l *ledger) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	downBefore := rig.down.Load()
	l.inFlight.Add(1)
	began := time.Now()
	resp, err := rig.client.CreateReportWithBodyWithResponse(ctx, &api.CreateReportParams{IdempotencyKey: s.key}, ct, bytes.NewReader(body), r.as)
	took := time.Since(began)
	l.inFlight.Add(-1)
	if err != nil {
		if downBefore || rig.down.Load() {
			l.mu.Lock()
			l.refused++
			l.mu.Unlock()
		} else {
			l.problem("%s: %v after %s while the API was up", s.key, err, took.Round(time.Millisecond))
		}
		time.Sleep(250 * time.Millisecond)
		return false
	}
	l.mu.Lock()
	l.slowest = max(l.slowest, took)
	switch resp.StatusCode() {
	case http.StatusCreated:
		s.id = resp.JSON201.Id
		s.created++
	case http.StatusOK:
		s.id = resp.JSON200.Id
	case http.StatusServiceUnavailable:
		l.unavailable++
	}
	l.mu.Unlock()
	switch resp.StatusCode() {
	case http.StatusCreated, http.StatusOK:
		return true
	case http.StatusServiceUnavailable:
		ra, err := strconv.Atoi(resp.HTTPResponse.Header.Get("Retry-After"))
		if err != nil || ra < 1 {
			l.problem("%s: 503 without a Retry-After in seconds: %q", s.key, resp.HTTPResponse.Header.Get("Retry-After"))
			ra = 1
		}
		time.Sleep(time.Duration(ra) * time.Second)
	default:
		l.problem("%s: %d %s", s.key, resp.StatusCode(), resp.Body)
		time.Sleep(time.Second)
	}
	return false
}

// recover waits (at most 90 s) until every submission begun before end is answered, its ticket is in the
// officers' queue and both officers got its push, and with photos until its photos are derived too. It
// logs how long after end that held, and fails the test when it did not.
func (rig *outageRig) recover(t *testing.T, fault string, l *ledger, end time.Time, photos bool) {
	t.Helper()
	subs := l.snapshot(end)
	queued, derived := map[string]bool{}, map[string]bool{}
	var delivered, done time.Time
	var waitedFor string // what was missing 5 s after the end, when something was
	for deadline := end.Add(90 * time.Second); done.IsZero(); time.Sleep(250 * time.Millisecond) {
		at := time.Now()
		ids, missing := rig.answered(l, subs)
		if missing == "" && delivered.IsZero() {
			if missing = rig.undelivered(ids, queued); missing == "" {
				delivered = at
			}
		}
		if missing == "" && (!photos || func() bool { missing = rig.underived(ids, derived); return missing == "" }()) {
			done = at
		}
		if done.IsZero() && at.After(deadline) {
			t.Fatalf("%s: not recovered 90s after it ended: %s", fault, missing)
		}
		if waitedFor == "" && missing != "" && at.Sub(end) > 5*time.Second {
			waitedFor = missing
		}
	}
	if waitedFor != "" {
		t.Logf("%s: 5s after it ended, still waiting for: %s", fault, waitedFor)
	}
	t.Logf("%s: %d submissions begun before it ended; every ticket queued and push sent %.1fs after it ended",
		fault, len(subs), delivered.Sub(end).Seconds())
	if photos {
		t.Logf("%s: every photo derived %.1fs after it ended", fault, done.Sub(end).Seconds())
	}
}

// answered returns the reports of the submissions, or names one not answered yet.
func (rig *outageRig) answered(l *ledger, subs []submission) ([]string, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(subs))
	for _, s := range subs {
		id := l.byKey[s.key].id
		if id == "" {
			return nil, "submission " + s.key + " not answered yet"
		}
		ids = append(ids, id)
	}
	return ids, ""
}

// undelivered names what is missing of the reports' pushes to the officers and queue entries; "" when
// nothing is. queued remembers the reports found in the queue.
func (rig *outageRig) undelivered(ids []string, queued map[string]bool) string {
	pushed := map[pushKey]bool{}
	for _, m := range rig.fcm.Messages() {
		pushed[pushKey{m.Token, m.Data["report_id"], m.Data["event"]}] = true
	}
	unpushed := 0
	for _, id := range ids {
		for _, phone := range rig.officerPhones {
			if !pushed[pushKey{phone, id, "received"}] {
				unpushed++
			}
		}
	}
	var missing []string
	if unpushed > 0 {
		missing = append(missing, fmt.Sprintf("%d of %d pushes to officers not sent", unpushed, len(ids)*len(rig.officerPhones)))
	}
	if q := rig.unqueued(ids, queued); q != "" {
		missing = append(missing, q)
	}
	return strings.Join(missing, "; ")
}

// unqueued lists the officers' queue and says how many of the reports are not in it; "" when all are.
func (rig *outageRig) unqueued(ids []string, queued map[string]bool) string {
	pending := slices.ContainsFunc(ids, func(id string) bool { return !queued[id] })
	for cursor := (*string)(nil); pending; {
		limit := 200
		q, err := rig.client.ListTicketsWithResponse(context.Background(), &api.ListTicketsParams{Limit: &limit, Cursor: cursor}, rig.officer)
		if err != nil || q.JSON200 == nil {
			return fmt.Sprintf("the queue cannot be listed: %v %s", err, q.Body)
		}
		for _, it := range q.JSON200.Items {
			queued[it.Id] = true
		}
		if cursor = q.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	n := 0
	for _, id := range ids {
		if !queued[id] {
			n++
		}
	}
	if n > 0 {
		return fmt.Sprintf("%d of %d reports not in the officers' queue", n, len(ids))
	}
	return ""
}

// underived names the first report with a photo still processing.
func (rig *outageRig) underived(ids []string, derived map[string]bool) string {
	var pending []string
	for _, id := range ids {
		if !derived[id] {
			pending = append(pending, id)
		}
	}
	if len(pending) == 0 {
		return ""
	}
	cur, err := rig.db.Collection("reports").Find(context.Background(), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: pending}}}},
		options.Find().SetProjection(bson.D{{Key: "photos", Value: 1}}))
	if err != nil {
		return "photos: reports cannot be read: " + err.Error()
	}
	var docs []struct {
		ID     string `bson:"_id"`
		Photos []struct {
			State string `bson:"state"`
		} `bson:"photos"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		return "photos: reports cannot be read: " + err.Error()
	}
	for _, d := range docs {
		if !slices.ContainsFunc(d.Photos, func(p struct {
			State string `bson:"state"`
		}) bool {
			return p.State != string(report.PhotoReady)
		}) {
			derived[d.ID] = true
		}
	}
	n := 0
	for _, id := range pending {
		if !derived[id] {
			n++
		}
	}
	if n > 0 {
		return fmt.Sprintf("photos of %d reports not derived", n)
	}
	return ""
}

// checkExactlyOnce checks, once everything is settled, what every fault must have left: one report per
// submission and no other, every push once (but for the kill's inherent resends), every photo derived as
// the API shows it, and only 503s with Retry-After as errors.
func (rig *outageRig) checkExactlyOnce(t *testing.T, l *ledger) {
	t.Helper()
	ctx := context.Background()
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("%d submissions; phones saw %d answers 503 and %d refused connections; the slowest answer took %s",
		len(l.subs), l.unavailable, l.refused, l.slowest.Round(time.Millisecond))
	for _, p := range l.problems {
		t.Errorf("a phone was answered: %s", p)
	}
	if l.slowest > 10*time.Second {
		t.Errorf("an answer took %s, want at most 10s (REQUEST_TIMEOUT 5s)", l.slowest)
	}

	// One report per submission: its own, created once; the residents' lists and the database hold no other.
	reporter := map[string]string{} // report → resident
	mine := map[string][]string{}   // resident → reports
	for _, s := range l.subs {
		switch {
		case s.id == "":
			t.Errorf("%s: never answered", s.key)
			continue
		case s.id != report.ReportIDFor(s.resident.userID, s.key):
			t.Errorf("%s: answered with report %s, not its own", s.key, s.id)
		case s.created > 1:
			t.Errorf("%s: created %d times", s.key, s.created)
		}
		if _, dup := reporter[s.id]; dup {
			t.Errorf("%s: report %s answers two submissions", s.key, s.id)
		}
		reporter[s.id] = s.resident.userID
		mine[s.resident.userID] = append(mine[s.resident.userID], s.id)
	}
	if n, err := rig.db.Collection("reports").CountDocuments(ctx, bson.D{}); err != nil || int(n) != len(l.subs) {
		t.Errorf("%d reports in the database (%v), want %d: one per submission", n, err, len(l.subs))
	}
	for _, r := range rig.residents {
		var listed []string
		for cursor := (*string)(nil); ; {
			limit := 100
			page, err := rig.client.ListMyReportsWithResponse(ctx, &api.ListMyReportsParams{Limit: &limit, Cursor: cursor}, r.as)
			if err != nil || page.JSON200 == nil {
				t.Fatalf("resident %d's reports: %v %s", r.i, err, page.Body)
			}
			for _, it := range page.JSON200.Items {
				listed = append(listed, it.Id)
				if !slices.Equal(statuses(it.Photos), []string{"ready"}) || it.Photos[0].Url == nil || it.Photos[0].ThumbnailUrl == nil {
					t.Errorf("report %s: photos %v, want one ready with its URLs", it.Id, statuses(it.Photos))
				}
			}
			if cursor = page.JSON200.NextCursor; cursor == nil {
				break
			}
		}
		slices.Sort(listed)
		want := slices.Sorted(slices.Values(mine[r.userID]))
		if !slices.Equal(listed, want) {
			t.Errorf("resident %d lists %d reports, submitted %d", r.i, len(listed), len(want))
		}
	}

	// Every push owed once: "received" to each officer's phone, nothing to anybody else.
	got := map[pushKey][]time.Time{}
	for _, m := range rig.fcm.Messages() {
		k := pushKey{m.Token, m.Data["report_id"], m.Data["event"]}
		got[k] = append(got[k], m.Received)
	}
	resent := 0
	for id := range reporter {
		for _, phone := range rig.officerPhones {
			k := pushKey{phone, id, "received"}
			switch at := got[k]; {
			case len(at) == 1:
			case len(at) == 2 && rig.resentAfterKill(at):
				resent++
			default:
				t.Errorf("push %v sent %d times (%v), want once", k, len(at), at)
			}
			delete(got, k)
		}
	}
	for k, at := range got {
		t.Errorf("unexpected push %v (×%d)", k, len(at))
	}
	t.Logf("%d pushes were sent twice: accepted by FCM in the second before the SIGKILL, before they were recorded", resent)
}

// resentAfterKill tells whether two sends of one push are the inherent resend around the SIGKILL: the
// first accepted by FCM in the 2 s before the killed process had exited (a request it sent may be
// accepted while the signal is being delivered), the second after.
func (rig *outageRig) resentAfterKill(at []time.Time) bool {
	slices.SortFunc(at, time.Time.Compare)
	return at[0].After(rig.killedAt.Add(-2*time.Second)) && at[0].Before(rig.deadAt) && at[1].After(rig.deadAt)
}

func statuses(photos []api.Photo) []string {
	out := make([]string, len(photos))
	for i, p := range photos {
		out[i] = string(p.Status)
	}
	return out
}
