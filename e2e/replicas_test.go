package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/fcmstandin"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestReplicasShareStateThroughTheDatabase runs the service as it runs in production: three API processes
// (the real binary, in-API dispatcher off) and two qndispatch processes against one database and one
// bucket, with one signing key and one OTP pepper. It proves that
//
//   - a token from one replica is good on the others, and work can move between replicas at every step;
//   - every push is sent exactly once, also when a dispatcher is killed (SIGKILL) holding leased
//     notifications mid-send: the other sends them once the lease ends;
//   - concurrent retries of one submission on different replicas create one report;
//   - sign-in limits (per number, per address, code tries) hold across replicas: the total accepted is the
//     single-process limit.
func TestReplicasShareStateThroughTheDatabase(t *testing.T) {
	t.Parallel()
	fcm := fcmstandin.NewUnstarted()
	frontA, frontB := newFCMFront(t, fcm), newFCMFront(t, fcm)
	apiFront := newFCMFront(t, fcm) // API replicas send nothing with PUSH_DISPATCH=false, but need an endpoint
	cl := startCluster(t, apiFront.URL, frontA.URL, frontB.URL)
	ctx := testenv.Context(t)
	c := cl.clients

	// Staff: an admin's token minted with the shared key creates an officer through replica 2; the officer
	// signs in through replica 0 and registers a phone through replica 1.
	admin := bearer(cl.mint(t, auth.Principal{UserID: "admin-replicas", Role: auth.RoleAdmin}))
	agency := "ubnd-06673" // Phường Bãi Cháy, where pothole(&baiChay) is routed
	mk, err := c[2].CreateStaffWithResponse(ctx, api.StaffCreate{Username: "officer.replicas", Password: "Ha-Long-Bay-Replica-1",
		Role: api.StaffCreateRoleOfficer, AgencyId: &agency}, admin)
	if err != nil || mk.JSON201 == nil {
		t.Fatalf("create officer: %v %s", err, mk.Body)
	}
	officer := staffLogin(t, c[0], "officer.replicas", "Ha-Long-Bay-Replica-1")
	const officerPhone = "tok-officer-replicas-01"
	registerDevice(t, c[1], officer, officerPhone, api.Vi)

	// Residents sign in through replica i (the code read through i+1, checked through i+2) and register
	// their phone through yet another.
	residents := make([]api.RequestEditorFn, 4)
	phones := make([]string, 4)
	for i := range residents {
		tp := signInAcross(t, c[i%3], c[(i+1)%3], c[(i+2)%3], fmt.Sprintf("09120000%02d", i), fromAddr(fmt.Sprintf("198.51.100.%d", i+1)))
		residents[i] = bearer(tp.AccessToken)
		if i < 3 {
			phones[i] = fmt.Sprintf("tok-resident-replicas-%02d", i)
			registerDevice(t, c[(i+1)%3], residents[i], phones[i], api.Vi)
		}
	}

	want := map[pushKey]bool{} // every push owed, by (token, report, event)

	// Idempotency: the same submission, with the same key, to all three replicas at once, twice each.
	idem := idempotentSubmissions(t, c, residents[3])
	want[pushKey{officerPhone, idem, "received"}] = true

	// Phase 1, both dispatchers up: a report submitted through each replica, accepted through the next
	// and started through the one after.
	ids := make([]string, 6)
	for i := range 3 {
		ids[i] = submitVia(t, c[i], residents[i], fmt.Sprintf("key-replicas-%04d", i))
		want[pushKey{officerPhone, ids[i], "received"}] = true
	}
	for i := range 3 {
		actAcross(t, c[(i+1)%3], c[(i+2)%3], ids[i], officer, api.TicketAction{Action: api.Accept})
		actAcross(t, c[(i+2)%3], c[(i+1)%3], ids[i], officer, api.TicketAction{Action: api.Start})
		want[pushKey{phones[i], ids[i], "accept"}] = true
		want[pushKey{phones[i], ids[i], "start"}] = true
	}
	waitPushes(t, cl.db, fcm, want)
	t.Logf("phase 1: %d pushes, dispatcher A sent %d, B %d", len(want), frontA.passed.Load(), frontB.passed.Load())

	// Phase 2: dispatcher B is paused (SIGSTOP) so that A surely leases the next notifications, and A's
	// FCM connection holds every send unanswered. Once A is sending, it is killed with SIGKILL: the held
	// sends die with it (the stand-in records nothing a client gave up on), and B, resumed, sends them
	// once A's lease ends.
	cl.disp[1].signal(t, syscall.SIGSTOP)
	frontA.hold.Store(true)
	for i := range 3 {
		resolveAcross(t, c[i], c[(i+1)%3], ids[i], officer)
		want[pushKey{phones[i], ids[i], "resolve"}] = true
		ids[3+i] = submitVia(t, c[(i+2)%3], residents[i], fmt.Sprintf("key-replicas-%04d", 3+i))
		want[pushKey{officerPhone, ids[3+i], "received"}] = true
	}
	select {
	case <-frontA.held:
	case <-time.After(30 * time.Second):
		t.Fatal("dispatcher A sent nothing within 30s")
	}
	cl.disp[0].kill(t)
	cl.disp[1].signal(t, syscall.SIGCONT)
	got := waitPushes(t, cl.db, fcm, want)
	held := frontA.heldKeys()
	if len(held) == 0 {
		t.Fatal("no push was held at dispatcher A")
	}
	for _, k := range held {
		if got[k] != 1 {
			t.Errorf("push %v, held by the killed dispatcher, delivered %d times, want 1", k, got[k])
		}
	}
	t.Logf("dispatcher A died holding %d pushes; B delivered them after the lease", len(held))

	t.Run("rate limits", func(t *testing.T) { rateLimitsAcross(t, c) })
}

// ---- the cluster

type cluster struct {
	apis    []*process
	disp    []*process
	clients []*api.ClientWithResponses
	db      *mongo.Database
	authz   *token.Authority
}

// startCluster builds the two commands and starts three API replicas and two dispatchers (the first sends
// through fcmA, the second through fcmB) against one fresh database and bucket of the shared dev stack.
func startCluster(t *testing.T, fcmAPI, fcmA, fcmB string) *cluster {
	t.Helper()
	bin := buildCommands(t)
	srv := testenv.Shared(t)
	env, authz := processEnv(t, srv)
	env["PUSH_DISPATCH"] = "false"
	env["PUSH_LEASE"] = "3s"
	cl := &cluster{authz: authz}

	mc, err := mongo.Connect(options.Client().ApplyURI(srv.MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mc.Disconnect(context.Background()) })
	cl.db = mc.Database(env["MONGO_DATABASE"])

	// All five start at once, as a rollout would start them: indexes, bucket and seed data are created
	// idempotently by whoever comes first.
	with := func(kv ...string) map[string]string {
		e := make(map[string]string, len(env)+len(kv)/2)
		for kk, vv := range env {
			e[kk] = vv
		}
		for i := 0; i+1 < len(kv); i += 2 {
			e[kv[i]] = kv[i+1]
		}
		return e
	}
	for i := range 3 {
		cl.apis = append(cl.apis, startProcess(t, filepath.Join(bin, "qnfeedback"), fmt.Sprintf("api-%d", i), with("FCM_ENDPOINT", fcmAPI)))
	}
	cl.disp = append(cl.disp, startProcess(t, filepath.Join(bin, "qndispatch"), "dispatcher-A", with("FCM_ENDPOINT", fcmA, "DISPATCH_METRICS_ADDR", "127.0.0.1:0") /* two on one host */))
	cl.disp = append(cl.disp, startProcess(t, filepath.Join(bin, "qndispatch"), "dispatcher-B", with("FCM_ENDPOINT", fcmB, "DISPATCH_METRICS_ADDR", "127.0.0.1:0")))
	for _, p := range cl.apis {
		p.waitReady(t)
		c, err := api.NewClientWithResponses(p.url)
		if err != nil {
			t.Fatal(err)
		}
		cl.clients = append(cl.clients, c)
	}
	for _, p := range cl.disp {
		p.waitLog(t, `"msg":"starting the push dispatcher"`)
	}
	return cl
}

// buildCommands builds qnfeedback and qndispatch into a temporary folder and returns it.
func buildCommands(t *testing.T) string {
	t.Helper()
	root, err := testenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator), "./cmd/qnfeedback", "./cmd/qndispatch")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// processEnv returns the environment of a service process against a fresh database and bucket of srv, with
// a signing key and an OTP pepper in files (the same for every process started with it), and an authority
// that mints tokens with that key.
func processEnv(t *testing.T, srv *testenv.Servers) (map[string]string, *token.Authority) {
	t.Helper()
	env := srv.Env(t)
	secrets := t.TempDir()
	keyFile := filepath.Join(secrets, "jwt.pem")
	priv, err := token.GenerateKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var pepper [32]byte
	_, _ = rand.Read(pepper[:])
	pepperFile := filepath.Join(secrets, "otp-pepper")
	if err := os.WriteFile(pepperFile, []byte(hex.EncodeToString(pepper[:])), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"HTTP_ADDR": "127.0.0.1:0", "METRICS_ADDR": "127.0.0.1:0", "STARTUP_TIMEOUT": "30s", "SHUTDOWN_TIMEOUT": "5s", "RETRY_AFTER": "2s",
		"JWT_SIGNING_KEY_FILE": keyFile, "OTP_PEPPER_FILE": pepperFile, "SMS_PROVIDER": "sink",
		"TRUSTED_PROXIES":    "127.0.0.1", // as behind a reverse proxy: X-Forwarded-For names the client
		"PUSH_POLL_INTERVAL": "200ms", "LOG_LEVEL": "info",
	} {
		env[k] = v
	}
	ks, err := token.NewKeySet(priv)
	if err != nil {
		t.Fatal(err)
	}
	authz, err := token.NewAuthority(ks, token.Config{Issuer: "smartqn-feedback", Audience: "smartqn-app"})
	if err != nil {
		t.Fatal(err)
	}
	return env, authz
}

// mint signs an access token with the cluster's key, as sign-in would.
func (cl *cluster) mint(t *testing.T, p auth.Principal) string {
	t.Helper()
	if err := testapp.EnsureAccount(context.Background(), cl.db, p); err != nil {
		t.Fatal(err)
	}
	issued, err := cl.authz.Sign(p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return issued.Token
}

// process is one running binary of the cluster.
type process struct {
	name string
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan struct{}
	url  string // API processes, once ready
	// metricsURL is where an API process serves /metrics (METRICS_ADDR), once ready.
	metricsURL string
}

func startProcess(t *testing.T, bin, name string, env map[string]string) *process {
	t.Helper()
	p := &process{name: name, logs: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive a killed test binary
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGCONT) // a paused process would not see SIGTERM
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(15 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.done
				t.Errorf("%s did not stop within 15s of SIGTERM", name)
			}
		}
		if t.Failed() {
			t.Logf("logs of %s:\n%s", name, p.logs.String())
		}
	})
	return p
}

var (
	listening      = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
	servingMetrics = regexp.MustCompile(`"msg":"serving metrics","addr":"([^"]+)"`) // logged before "listening"
)

// waitLog waits until the process logged want, failing the test if it exits first or takes over 60s.
func (p *process) waitLog(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if strings.Contains(p.logs.String(), want) {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before logging %s:\n%s", p.name, p.cmd.ProcessState, want, p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %s within 60s:\n%s", p.name, want, p.logs.String())
		}
	}
}

// waitReady waits for the listening address, then for /readyz to answer 200.
func (p *process) waitReady(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); p.url == ""; time.Sleep(50 * time.Millisecond) {
		if m := listening.FindStringSubmatch(p.logs.String()); m != nil {
			p.url = "http://" + m[1]
			if m := servingMetrics.FindStringSubmatch(p.logs.String()); m != nil {
				p.metricsURL = "http://" + m[1] + "/metrics"
			}
			break
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v):\n%s", p.name, p.cmd.ProcessState, p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening within 60s:\n%s", p.name, p.logs.String())
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /readyz not 200 within 30s (%v):\n%s", p.name, err, p.logs.String())
		}
	}
}

func (p *process) signal(t *testing.T, s syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(s); err != nil {
		t.Fatalf("%s: signal %v: %v", p.name, s, err)
	}
}

// kill ends the process with SIGKILL, as a crashed node or an OOM kill would, and waits until it is gone.
func (p *process) kill(t *testing.T) {
	t.Helper()
	p.signal(t, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s still running 10s after SIGKILL", p.name)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ---- pushes

// pushKey identifies one push as a phone sees it.
type pushKey struct{ token, report, event string }

// fcmFront is an address of the shared FCM stand-in, one per dispatcher, so the test can tell the
// dispatchers' sends apart and hold one dispatcher's sends unanswered.
type fcmFront struct {
	*httptest.Server
	hold   atomic.Bool   // hold every send until its client goes away
	held   chan struct{} // signalled when a send is held
	passed atomic.Int64  // sends passed on to the stand-in

	mu       sync.Mutex
	heldPush []pushKey
}

func newFCMFront(t *testing.T, s *fcmstandin.Server) *fcmFront {
	f := &fcmFront{held: make(chan struct{}, 1)}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.hold.Load() {
			f.passed.Add(1)
			s.Handler().ServeHTTP(w, r)
			return
		}
		var msg struct {
			Message struct {
				Token string            `json:"token"`
				Data  map[string]string `json:"data"`
			} `json:"message"`
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &msg)
		f.mu.Lock()
		f.heldPush = append(f.heldPush, pushKey{msg.Message.Token, msg.Message.Data["report_id"], msg.Message.Data["event"]})
		f.mu.Unlock()
		select {
		case f.held <- struct{}{}:
		default:
		}
		<-r.Context().Done() // never answered: the sender dies waiting
	}))
	f.Config.Protocols = fcmstandin.Protocols()
	f.Start()
	t.Cleanup(f.Close)
	return f
}

func (f *fcmFront) heldKeys() []pushKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.heldPush)
}

// waitPushes waits until the outbox is empty (every notification settled: nothing more will be sent) and
// the stand-in holds at least the wanted pushes, then checks that it received each wanted push exactly
// once and nothing else. It returns the count of each push received.
func waitPushes(t *testing.T, db *mongo.Database, s *fcmstandin.Server, want map[pushKey]bool) map[pushKey]int {
	t.Helper()
	got := map[pushKey]int{}
	for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		pending, err := db.Collection("outbox").CountDocuments(context.Background(), bson.D{})
		if err != nil {
			t.Fatalf("count outbox: %v", err)
		}
		clear(got)
		for _, m := range s.Messages() {
			got[pushKey{m.Token, m.Data["report_id"], m.Data["event"]}]++
		}
		missing := 0
		for k := range want {
			if got[k] == 0 {
				missing++
			}
		}
		if pending == 0 && missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 45s: %d notifications still in the outbox, %d of %d pushes missing: got %v", pending, missing, len(want), got)
		}
	}
	for k, n := range got {
		switch {
		case !want[k]:
			t.Errorf("unexpected push %v (×%d)", k, n)
		case n != 1:
			t.Errorf("push %v sent %d times, want once", k, n)
		}
	}
	return got
}

// ---- working reports across replicas

// fromAddr makes a request look forwarded by the (trusted) reverse proxy for a client at addr.
func fromAddr(addr string) api.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-Forwarded-For", addr)
		return nil
	}
}

// signInAcross asks for a code through one replica, reads the SMS through another and verifies the code
// through a third.
func signInAcross(t *testing.T, ask, read, verify *api.ClientWithResponses, rawPhone string, from api.RequestEditorFn) api.TokenPair {
	t.Helper()
	ctx := context.Background()
	ch, err := ask.RequestOtpWithResponse(ctx, api.OtpRequest{Phone: rawPhone}, from)
	if err != nil || ch.JSON202 == nil {
		t.Fatalf("request code for %s: %v %s", rawPhone, err, ch.Body)
	}
	code := smsCode(t, read, rawPhone)
	v, err := verify.VerifyOtpWithResponse(ctx, api.OtpVerify{ChallengeId: ch.JSON202.ChallengeId, Code: code}, from)
	if err != nil || v.JSON200 == nil {
		t.Fatalf("verify %s: %v %s", rawPhone, err, v.Body)
	}
	return *v.JSON200
}

// smsCode returns the code of the latest SMS to rawPhone in the dev sink.
func smsCode(t *testing.T, c *api.ClientWithResponses, rawPhone string) string {
	t.Helper()
	inbox, err := c.ListDevSmsWithResponse(context.Background(), &api.ListDevSmsParams{Phone: rawPhone})
	if err != nil || inbox.JSON200 == nil || len(inbox.JSON200.Items) == 0 {
		t.Fatalf("sms sink for %s: %v %s", rawPhone, err, inbox.Body)
	}
	return regexp.MustCompile(`\b\d{6}\b`).FindString(inbox.JSON200.Items[0].Text)
}

func submitVia(t *testing.T, c *api.ClientWithResponses, as api.RequestEditorFn, key string) string {
	t.Helper()
	r := submit(t, c, as, key, reportPart(t, pothole(&baiChay)), photoPart(jpegOnce(t)))
	if r.JSON201 == nil {
		t.Fatalf("submit %s: %d %s", key, r.StatusCode(), r.Body)
	}
	return r.JSON201.Id
}

var (
	jpegMu    sync.Mutex
	jpegBytes []byte
)

// jpegOnce is a small JPEG photo, encoded once.
func jpegOnce(t *testing.T) []byte {
	jpegMu.Lock()
	defer jpegMu.Unlock()
	if jpegBytes == nil {
		jpegBytes = testapp.JPEG(t, 320, 240, nil)
	}
	return jpegBytes
}

// actAcross reads the ticket's ETag through one replica and acts through another with If-Match. A 412
// (the photo worker moved the version in between) is answered as a phone would: read again, act again.
func actAcross(t *testing.T, read, write *api.ClientWithResponses, id string, as api.RequestEditorFn, body api.TicketAction) {
	t.Helper()
	ctx := context.Background()
	for range 5 {
		g, err := read.GetTicketWithResponse(ctx, id, as)
		if err != nil || g.JSON200 == nil {
			t.Fatalf("get ticket %s: %v %s", id, err, g.Body)
		}
		r, err := write.ActOnTicketWithResponse(ctx, id, &api.ActOnTicketParams{IfMatch: g.HTTPResponse.Header.Get("ETag")}, body, as)
		if err != nil {
			t.Fatal(err)
		}
		if r.JSON200 != nil {
			return
		}
		if r.StatusCode() != http.StatusPreconditionFailed {
			t.Fatalf("%s %s: %d %s", body.Action, id, r.StatusCode(), r.Body)
		}
	}
	t.Fatalf("%s %s: still 412 after 5 fresh reads", body.Action, id)
}

// resolveAcross uploads an after photo through one replica (a presigned PUT straight to S3) and resolves
// the ticket with it through another.
func resolveAcross(t *testing.T, slotVia, resolveVia *api.ClientWithResponses, id string, officer api.RequestEditorFn) {
	t.Helper()
	after := jpegOnce(t)
	slot, err := slotVia.CreateUploadWithResponse(context.Background(), api.UploadRequest{ContentType: api.Imagejpeg, SizeBytes: len(after)}, officer)
	if err != nil || slot.JSON201 == nil {
		t.Fatalf("upload slot: %v %s", err, slot.Body)
	}
	if resp := putToSlot(t, *slot.JSON201, after, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT after photo: %d", resp.StatusCode)
	}
	note := "Đã vá ổ gà"
	actAcross(t, slotVia, resolveVia, id, officer, api.TicketAction{Action: api.Resolve, Note: &note, AfterPhotos: &[]string{slot.JSON201.UploadId}})
}

// idempotentSubmissions sends one submission with one Idempotency-Key to every replica at once, twice
// each, and checks that one report was created and every answer names it (or asks to retry later, for
// a request that gave up waiting on the first attempt). It returns the report's ID.
func idempotentSubmissions(t *testing.T, c []*api.ClientWithResponses, as api.RequestEditorFn) string {
	t.Helper()
	const key = "key-replicas-idem-0001"
	photo := jpegOnce(t)
	results := make([]*api.CreateReportResponse, 2*len(c))
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			results[i] = submit(t, c[i%len(c)], as, key, reportPart(t, pothole(&baiChay)), photoPart(photo))
		})
	}
	wg.Wait()
	created := 0
	reports := map[[2]string]bool{} // (id, code)
	for i, r := range results {
		switch r.StatusCode() {
		case http.StatusCreated:
			created++
			reports[[2]string{r.JSON201.Id, r.JSON201.Code}] = true
		case http.StatusOK:
			reports[[2]string{r.JSON200.Id, r.JSON200.Code}] = true
		case http.StatusConflict:
			expectProblemBody(t, r.HTTPResponse, r.Body, http.StatusConflict)
		default:
			t.Errorf("replica %d: %d %s", i%len(c), r.StatusCode(), r.Body)
		}
	}
	if created != 1 || len(reports) != 1 {
		t.Fatalf("concurrent retries on %d replicas: %d created, %d distinct reports %v", len(c), created, len(reports), reports)
	}
	var id, code string
	for k := range reports {
		id, code = k[0], k[1]
	}
	// Later retries, on every replica: 200 with the same report.
	for i, cc := range c {
		r := submit(t, cc, as, key, reportPart(t, pothole(&baiChay)), photoPart(photo))
		if r.JSON200 == nil || r.JSON200.Id != id || r.JSON200.Code != code {
			t.Errorf("later retry on replica %d: %d %s", i, r.StatusCode(), r.Body)
		}
	}
	list, err := c[1].ListMyReportsWithResponse(context.Background(), &api.ListMyReportsParams{}, as)
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 {
		t.Fatalf("the resident's reports: %v %s", err, list.Body)
	}
	return id
}

// ---- rate limits

// rateLimitsAcross hammers the sign-in limits through all replicas at once; each must admit exactly what
// one process admits (the defaults: one code per number per minute, 20 requests per address per hour,
// 5 tries per code).
func rateLimitsAcross(t *testing.T, c []*api.ClientWithResponses) {
	ctx := context.Background()
	// The limits count in windows aligned to the minute and the hour; keep the burst inside one.
	if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < 10*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
	hammer := func(n int, req func(i int) *api.RequestOtpResponse) (accepted, limited int) {
		res := make([]*api.RequestOtpResponse, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { res[i] = req(i) })
		}
		wg.Wait()
		for _, r := range res {
			switch r.StatusCode() {
			case http.StatusAccepted:
				accepted++
			case http.StatusTooManyRequests:
				limited++
				if r.HTTPResponse.Header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After: %s", r.Body)
				}
			default:
				t.Errorf("code request: %d %s", r.StatusCode(), r.Body)
			}
		}
		return accepted, limited
	}

	// One number, 30 clients (each its own address), 10 per replica: one code is sent.
	const number = "0987000001"
	ok, limited := hammer(30, func(i int) *api.RequestOtpResponse {
		r, err := c[i%3].RequestOtpWithResponse(ctx, api.OtpRequest{Phone: number}, fromAddr(fmt.Sprintf("203.0.113.%d", 100+i)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
	if ok != 1 || limited != 29 {
		t.Errorf("one number from 30 addresses on 3 replicas: %d sent, %d limited; want 1 and 29", ok, limited)
	}
	if inbox, _ := c[2].ListDevSmsWithResponse(ctx, &api.ListDevSmsParams{Phone: number}); inbox.JSON200 == nil || len(inbox.JSON200.Items) != 1 {
		t.Errorf("SMS to %s: %s, want exactly one", number, inbox.Body)
	}

	// One address, 60 different numbers, 20 per replica: 20 codes are sent, as by one process.
	ok, limited = hammer(60, func(i int) *api.RequestOtpResponse {
		r, err := c[i%3].RequestOtpWithResponse(ctx, api.OtpRequest{Phone: fmt.Sprintf("09860001%02d", i)}, fromAddr("203.0.113.7"))
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
	if ok != 20 || limited != 40 {
		t.Errorf("one address, 60 numbers on 3 replicas: %d sent, %d limited; want 20 and 40", ok, limited)
	}

	// One code, 9 wrong guesses at once on 3 replicas: 5 tries are counted (4, 3, 2, 1 then none left),
	// the other 4 are refused; the right code is refused after that.
	const guessed = "0985000001"
	ch, err := c[0].RequestOtpWithResponse(ctx, api.OtpRequest{Phone: guessed}, fromAddr("203.0.113.200"))
	if err != nil || ch.JSON202 == nil {
		t.Fatalf("request code: %v %s", err, ch.Body)
	}
	right := smsCode(t, c[1], guessed)
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, right)+1)%1_000_000)
	details := make([]string, 9)
	var wg sync.WaitGroup
	for i := range details {
		wg.Go(func() {
			r, err := c[i%3].VerifyOtpWithResponse(ctx, api.OtpVerify{ChallengeId: ch.JSON202.ChallengeId, Code: wrong})
			if err != nil || r.ApplicationproblemJSON401 == nil || r.ApplicationproblemJSON401.Detail == nil {
				t.Errorf("wrong guess: %v %d %s", err, r.StatusCode(), r.Body)
				return
			}
			details[i] = *r.ApplicationproblemJSON401.Detail
		})
	}
	wg.Wait()
	slices.Sort(details)
	wantDetails := []string{"too many wrong codes; ask for a new code", "too many wrong codes; ask for a new code",
		"too many wrong codes; ask for a new code", "too many wrong codes; ask for a new code",
		"wrong code, 1 tries left", "wrong code, 2 tries left", "wrong code, 3 tries left", "wrong code, 4 tries left",
		"wrong code, no tries left; ask for a new code"}
	if !slices.Equal(details, wantDetails) {
		t.Errorf("9 concurrent wrong guesses on 3 replicas:\n%s\nwant:\n%s", strings.Join(details, "\n"), strings.Join(wantDetails, "\n"))
	}
	v, err := c[2].VerifyOtpWithResponse(ctx, api.OtpVerify{ChallengeId: ch.JSON202.ChallengeId, Code: right})
	if err != nil || v.StatusCode() != http.StatusUnauthorized {
		t.Errorf("the right code after the tries ran out: %v %d %s", err, v.StatusCode(), v.Body)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
