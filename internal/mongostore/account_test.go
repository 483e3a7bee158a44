package mongostore

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/otp"
	"github.com/quangninh/feedback/internal/auth/password"
	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/auth/refresh"
	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/sms"
	"github.com/quangninh/feedback/internal/testenv"
)

// These tests run the account service against the real FerretDB of testenv, with a clock the test moves
// and an SMS sender that records what it would send.

var accountT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type sentSMS struct {
	To   string
	Text string
}

// recordingSMS records messages instead of sending them; fail, when set, is returned instead.
type recordingSMS struct {
	mu   sync.Mutex
	sent []sentSMS
	fail error
}

func (r *recordingSMS) Send(_ context.Context, to phone.Number, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.sent = append(r.sent, sentSMS{To: to.String(), Text: text})
	return nil
}

func (r *recordingSMS) failWith(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

func (r *recordingSMS) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

var codeInSMS = regexp.MustCompile(`^Ma xac thuc Smart Quang Ninh cua ban la ([0-9]{6})\. Ma co hieu luc 5 phut\.$`)

// lastCode returns the code of the last message to e164.
func (r *recordingSMS) lastCode(tb testing.TB, e164 string) string {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.sent) - 1; i >= 0; i-- {
		if r.sent[i].To == e164 {
			m := codeInSMS.FindStringSubmatch(r.sent[i].Text)
			if m == nil {
				tb.Fatalf("unexpected SMS text %q", r.sent[i].Text)
			}
			return m[1]
		}
	}
	tb.Fatalf("no SMS to %s", e164)
	return ""
}

type agencySet map[string]bool

func (a agencySet) AgencyExists(_ context.Context, id string) (bool, error) { return a[id], nil }

type accountEnv struct {
	store     *Store
	svc       *account.Service
	sms       *recordingSMS
	clock     *testClock
	authority *token.Authority
}

// cheapPassword keeps argon2id fast in tests; the policy under test does not depend on the cost.
var cheapPassword = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newAccountEnv(t *testing.T, tune ...func(*account.Config)) *accountEnv {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := token.NewKeySet(priv)
	if err != nil {
		t.Fatal(err)
	}
	authority, err := token.NewAuthority(ks, token.Config{Issuer: "https://api.test", Audience: "feedback-api"})
	if err != nil {
		t.Fatal(err)
	}
	pepper, err := otp.NewPepper(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	env := &accountEnv{store: openTestStore(t), sms: &recordingSMS{}, clock: &testClock{t: accountT0}, authority: authority}
	cfg := account.Config{Pepper: pepper, Password: cheapPassword, Now: env.clock.Now,
		Agencies: agencySet{"ubnd-ha-long": true, "ubnd-cam-pha": true}}
	for _, f := range tune {
		f(&cfg)
	}
	env.svc = account.New(env.store, env.sms, authority, cfg)
	return env
}

func (e *accountEnv) ctx(t *testing.T) context.Context { return testenv.Context(t) }

// signIn runs the whole code flow for rawPhone and returns the tokens.
func (e *accountEnv) signIn(t *testing.T, rawPhone string) account.Tokens {
	t.Helper()
	ch, err := e.svc.RequestCode(e.ctx(t), rawPhone, "203.0.113.7")
	if err != nil {
		t.Fatalf("RequestCode(%q): %v", rawPhone, err)
	}
	tok, err := e.svc.VerifyCode(e.ctx(t), ch.ID, e.sms.lastCode(t, ch.Phone.String()))
	if err != nil {
		t.Fatalf("VerifyCode: %v", err)
	}
	return tok
}

// principal checks the access token of tok and returns who it names.
func (e *accountEnv) principal(t *testing.T, tok account.Tokens) auth.Principal {
	t.Helper()
	p, err := e.authority.Verify(tok.AccessToken, e.clock.Now())
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	return p
}

func wantKind(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: error %v, want kind %v", what, err, kind)
	}
}

func wantInvalid(t *testing.T, what string, err error, field string) {
	t.Helper()
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("%s: error %v, want *fault.Invalid for %s", what, err, field)
	}
	for _, f := range inv.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("%s: invalid fields %v, want %s", what, inv.Fields, field)
}

func wantRetryAfter(t *testing.T, what string, err error, want time.Duration) {
	t.Helper()
	wantKind(t, what, err, fault.ErrRateLimited)
	var ra interface{ RetryAfter() time.Duration }
	if !errors.As(err, &ra) {
		t.Fatalf("%s: %v carries no RetryAfter", what, err)
	}
	if ra.RetryAfter() != want {
		t.Fatalf("%s: RetryAfter = %v, want %v", what, ra.RetryAfter(), want)
	}
}

func TestAccountCodeSignIn(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	ch, err := e.svc.RequestCode(ctx, "0912 345 678", "203.0.113.7")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Phone.String() != "+84912345678" || !ch.ExpiresAt.Equal(accountT0.Add(5*time.Minute)) || ch.ResendAfter != time.Minute || ch.ID == "" {
		t.Errorf("challenge = %+v", ch)
	}
	code := e.sms.lastCode(t, "+84912345678")
	if len(e.sms.sent[0].Text) > 160 {
		t.Errorf("SMS of %d characters does not fit one GSM-7 message", len(e.sms.sent[0].Text))
	}

	// The stored challenge has a hash of the code, never the code.
	raw, err := e.store.db.Collection(colChallenges).FindOne(ctx, byID(ch.ID)).Raw()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(code)) {
		t.Errorf("the stored challenge contains the code %s: %v", code, raw)
	}

	tok, err := e.svc.VerifyCode(ctx, ch.ID, code)
	if err != nil {
		t.Fatal(err)
	}
	p := e.principal(t, tok)
	want := account.User{ID: p.UserID, Role: auth.RoleResident, Phone: "+84912345678", Language: "vi", CreatedAt: accountT0}
	if diff := cmp.Diff(want, tok.User); diff != "" {
		t.Errorf("user mismatch (-want +got):\n%s", diff)
	}
	if p.Role != auth.RoleResident || tok.ExpiresIn != token.DefaultTTL || tok.RefreshToken == "" {
		t.Errorf("tokens: principal %+v, expires in %v, refresh %q", p, tok.ExpiresIn, tok.RefreshToken)
	}
	got, err := e.svc.Profile(ctx, p)
	if err != nil || got != tok.User {
		t.Errorf("Profile = %+v, %v; want %+v", got, err, tok.User)
	}

	// A code works once.
	_, err = e.svc.VerifyCode(ctx, ch.ID, code)
	wantKind(t, "second use of the code", err, fault.ErrUnauthenticated)

	// Junk.
	_, err = e.svc.VerifyCode(ctx, ch.ID, "12ab56")
	wantInvalid(t, "malformed code", err, "body.code")
	_, err = e.svc.VerifyCode(ctx, "no-such-challenge", "123456")
	wantKind(t, "unknown challenge", err, fault.ErrUnauthenticated)
	_, err = e.svc.RequestCode(ctx, "024 3825 1234", "203.0.113.7")
	wantInvalid(t, "landline", err, "body.phone")
}

// wrongCode returns a code that is not code.
func wrongCode(code string) string {
	var n int
	fmt.Sscanf(code, "%d", &n)
	return fmt.Sprintf("%06d", (n+1)%1_000_000)
}

func TestAccountWrongCodes(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	ch, err := e.svc.RequestCode(ctx, "0912345678", "")
	if err != nil {
		t.Fatal(err)
	}
	code := e.sms.lastCode(t, "+84912345678")
	for left := 4; left >= 0; left-- {
		_, err := e.svc.VerifyCode(ctx, ch.ID, wrongCode(code))
		wantKind(t, "wrong code", err, fault.ErrUnauthenticated)
		want := fmt.Sprintf("wrong code, %d tries left", left)
		if left == 0 {
			want = "wrong code, no tries left; ask for a new code"
		}
		if msg := fault.Message(err); msg != want {
			t.Errorf("message %q, want %q", msg, want)
		}
	}
	_, err = e.svc.VerifyCode(ctx, ch.ID, code)
	wantKind(t, "right code after 5 wrong ones", err, fault.ErrUnauthenticated)
	if msg := fault.Message(err); !strings.Contains(msg, "too many wrong codes") {
		t.Errorf("message %q", msg)
	}
}

func TestAccountConcurrentGuesses(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	ch, err := e.svc.RequestCode(ctx, "0912345678", "")
	if err != nil {
		t.Fatal(err)
	}
	code := e.sms.lastCode(t, "+84912345678")
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		judged, refused int
	)
	for range 20 {
		wg.Go(func() {
			_, err := e.svc.VerifyCode(ctx, ch.ID, wrongCode(code))
			mu.Lock()
			defer mu.Unlock()
			switch msg := fault.Message(err); {
			case strings.HasPrefix(msg, "wrong code"):
				judged++
			case strings.HasPrefix(msg, "too many wrong codes"):
				refused++
			default:
				t.Errorf("guess: %v", err)
			}
		})
	}
	wg.Wait()
	if judged != 5 || refused != 15 {
		t.Errorf("of 20 concurrent wrong guesses %d were judged and %d refused; want 5 and 15", judged, refused)
	}
	if _, err := e.svc.VerifyCode(ctx, ch.ID, code); !errors.Is(err, fault.ErrUnauthenticated) {
		t.Errorf("right code after the tries ran out: %v", err)
	}
}

func TestAccountCodeExpires(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	ch, err := e.svc.RequestCode(ctx, "0912345678", "")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute)
	_, err = e.svc.VerifyCode(ctx, ch.ID, e.sms.lastCode(t, "+84912345678"))
	wantKind(t, "expired code", err, fault.ErrUnauthenticated)
	if msg := fault.Message(err); !strings.Contains(msg, "expired") {
		t.Errorf("message %q", msg)
	}

	// Purging removes the expired challenge and counters; the code is then simply unknown.
	e.clock.Advance(2 * time.Hour)
	if err := e.svc.PurgeExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.store.db.Collection(colChallenges).FindOne(ctx, byID(ch.ID)).Err(); err == nil {
		t.Error("the expired challenge survived PurgeExpired")
	}
	for _, id := range []string{
		fmt.Sprintf("limit:otp-phone:+84912345678:%d#1", accountT0.Unix()),
		"attempt:" + ch.ID + "#1",
	} {
		if err := e.store.db.Collection(colClaims).FindOne(ctx, byID(id)).Err(); err == nil {
			t.Errorf("the expired claim %s survived PurgeExpired", id)
		}
	}
}

func TestAccountResendLimits(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	if _, err := e.svc.RequestCode(ctx, "0912345678", ""); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(15 * time.Second)
	_, err := e.svc.RequestCode(ctx, "+84 912 345 678", "")
	wantRetryAfter(t, "request within the cooldown", err, 45*time.Second)

	// Five codes an hour per number; the sixth waits for the next hour.
	for range 4 {
		e.clock.Advance(time.Minute)
		if _, err := e.svc.RequestCode(ctx, "0912345678", ""); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(time.Minute) // 5m15s into the hour
	_, err = e.svc.RequestCode(ctx, "0912345678", "")
	wantRetryAfter(t, "sixth code in an hour", err, 54*time.Minute+45*time.Second)
	if n := e.sms.count(); n != 5 {
		t.Errorf("%d SMS sent, want 5", n)
	}
	// Another number is not affected.
	if _, err := e.svc.RequestCode(ctx, "0987654321", ""); err != nil {
		t.Error(err)
	}
	e.clock.Advance(55 * time.Minute)
	if _, err := e.svc.RequestCode(ctx, "0912345678", ""); err != nil {
		t.Errorf("next hour: %v", err)
	}
}

func TestAccountPerIPLimit(t *testing.T) {
	e := newAccountEnv(t, func(c *account.Config) { c.PerIPSends = 3 })
	ctx := e.ctx(t)
	for i := range 3 {
		if _, err := e.svc.RequestCode(ctx, fmt.Sprintf("091234567%d", i), "198.51.100.9"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.svc.RequestCode(ctx, "0912345679", "198.51.100.9")
	wantRetryAfter(t, "fourth request from one address", err, time.Hour)
	if _, err := e.svc.RequestCode(ctx, "0912345679", "2001:db8::1"); err != nil {
		t.Errorf("another address: %v", err)
	}
}

func TestAccountSMSFailure(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	e.sms.failWith(fault.New(fault.ErrUnavailable, "gateway down"))
	_, err := e.svc.RequestCode(ctx, "0912345678", "")
	wantKind(t, "send failure", err, fault.ErrUnavailable)

	// The failed send did not use up the cooldown nor the hourly quota.
	e.sms.failWith(nil)
	for range 5 {
		if _, err := e.svc.RequestCode(ctx, "0912345678", ""); err != nil {
			t.Fatalf("after a failed send: %v", err)
		}
		e.clock.Advance(time.Minute)
	}
}

func TestAccountPhoneSpellingsShareOneAccount(t *testing.T) {
	e := newAccountEnv(t)
	var ids []string
	for _, raw := range []string{"0912345678", "+84 912 345 678", "84912345678", "0084 912-345-678"} {
		ids = append(ids, e.signIn(t, raw).User.ID)
		e.clock.Advance(time.Minute)
	}
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("user IDs %v, want one", ids)
		}
	}
}

func TestAccountFirstSignInRace(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	for i := range 5 {
		raw := fmt.Sprintf("090000000%d", i)
		var chs [2]account.Challenge
		var codes [2]string
		for j := range chs {
			var err error
			if chs[j], err = e.svc.RequestCode(ctx, raw, ""); err != nil {
				t.Fatal(err)
			}
			codes[j] = e.sms.lastCode(t, chs[j].Phone.String())
			e.clock.Advance(time.Minute)
		}
		var ids [2]string
		var wg sync.WaitGroup
		for j := range chs {
			wg.Go(func() {
				tok, err := e.svc.VerifyCode(ctx, chs[j].ID, codes[j])
				if err != nil {
					t.Errorf("verify %d: %v", j, err)
					return
				}
				ids[j] = tok.User.ID
			})
		}
		wg.Wait()
		if ids[0] != ids[1] {
			t.Errorf("%s: two first sign-ins made users %v", raw, ids)
		}
		var m phoneDoc
		if err := e.store.db.Collection(colPhones).FindOne(ctx, byID(chs[0].Phone.String())).Decode(&m); err != nil || m.UserID != ids[0] {
			t.Errorf("phone mapping %+v, %v; want user %s", m, err, ids[0])
		}
	}
}

func TestAccountRefresh(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	first := e.signIn(t, "0912345678")

	e.clock.Advance(10 * time.Minute)
	second, err := e.svc.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == first.RefreshToken || second.User.ID != first.User.ID {
		t.Errorf("refresh gave %+v", second)
	}
	if p := e.principal(t, second); p.UserID != first.User.ID || p.Role != auth.RoleResident {
		t.Errorf("principal %+v", p)
	}
	third, err := e.svc.Refresh(ctx, second.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}

	// The first token comes back: reuse. The whole family is revoked, the newest token too.
	_, err = e.svc.Refresh(ctx, first.RefreshToken)
	wantKind(t, "reused token", err, fault.ErrUnauthenticated)
	_, err = e.svc.Refresh(ctx, third.RefreshToken)
	wantKind(t, "newest token after reuse", err, fault.ErrUnauthenticated)

	for _, junk := range []string{"", "abc", "x.y", strings.Repeat("a", 600), first.RefreshToken + "x"} {
		_, err := e.svc.Refresh(ctx, junk)
		wantKind(t, fmt.Sprintf("refresh %q", junk), err, fault.ErrUnauthenticated)
	}

	// Idle for the whole idle timeout: expired.
	idle := e.signIn(t, "0987654321")
	e.clock.Advance(30 * 24 * time.Hour)
	_, err = e.svc.Refresh(ctx, idle.RefreshToken)
	wantKind(t, "idle token", err, fault.ErrUnauthenticated)
}

func TestAccountConcurrentRefresh(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	tok := e.signIn(t, "0912345678")
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []account.Tokens
	)
	for range 10 {
		wg.Go(func() {
			next, err := e.svc.Refresh(ctx, tok.RefreshToken)
			if err != nil {
				wantKind(t, "losing refresh", err, fault.ErrUnauthenticated)
				return
			}
			mu.Lock()
			winners = append(winners, next)
			mu.Unlock()
		})
	}
	wg.Wait()
	// One request at most exchanges the token; the others are reuse and revoke the family, so the winner's
	// new token (if the winner finished before the revocation) stops working too.
	if len(winners) > 1 {
		t.Fatalf("%d of 10 concurrent refreshes of one token succeeded, want at most 1", len(winners))
	}
	for _, w := range winners {
		_, err := e.svc.Refresh(ctx, w.RefreshToken)
		wantKind(t, "winner's token after the race", err, fault.ErrUnauthenticated)
	}
	_, err := e.svc.Refresh(ctx, tok.RefreshToken)
	wantKind(t, "the raced token", err, fault.ErrUnauthenticated)
}

func TestAccountLogout(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	a := e.signIn(t, "0912345678")
	e.clock.Advance(time.Minute)
	b := e.signIn(t, "0987654321")

	// Someone else's token: nothing happens, nothing is said.
	if err := e.svc.Logout(ctx, e.principal(t, b), a.RefreshToken, ""); err != nil {
		t.Fatal(err)
	}
	a2, err := e.svc.Refresh(ctx, a.RefreshToken)
	if err != nil {
		t.Fatalf("token survives another user's logout: %v", err)
	}
	if err := e.svc.Logout(ctx, e.principal(t, a2), a2.RefreshToken, ""); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Refresh(ctx, a2.RefreshToken)
	wantKind(t, "refresh after logout", err, fault.ErrUnauthenticated)
	if err := e.svc.Logout(ctx, e.principal(t, a2), a2.RefreshToken, ""); err != nil {
		t.Errorf("second logout: %v", err)
	}
	wantInvalid(t, "malformed", e.svc.Logout(ctx, e.principal(t, a2), "junk", ""), "body.refresh_token")
}

// seedDemo creates the demo accounts and returns them by role.
func (e *accountEnv) seedDemo(t *testing.T) map[auth.Role]account.DemoAccount {
	t.Helper()
	list, err := e.svc.SeedDemo(e.ctx(t), "ubnd-ha-long")
	if err != nil {
		t.Fatal(err)
	}
	out := map[auth.Role]account.DemoAccount{}
	for _, d := range list {
		out[d.Role] = d
	}
	return out
}

func (e *accountEnv) login(t *testing.T, username, pw string) account.Tokens {
	t.Helper()
	tok, err := e.svc.StaffLogin(e.ctx(t), username, pw, "")
	if err != nil {
		t.Fatalf("StaffLogin(%s): %v", username, err)
	}
	return tok
}

func TestAccountSeedDemo(t *testing.T) {
	e := newAccountEnv(t)
	demo := e.seedDemo(t)
	again := e.seedDemo(t) // idempotent
	if diff := cmp.Diff(demo, again); diff != "" {
		t.Errorf("second SeedDemo differs:\n%s", diff)
	}
	for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleDispatcher, auth.RoleAgencyAdmin, auth.RoleOfficer} {
		d, ok := demo[role]
		if !ok {
			t.Fatalf("no demo %s", role)
		}
		if err := password.CheckPolicy(d.Password, d.Username); err != nil {
			t.Errorf("demo %s password: %v", role, err)
		}
		tok := e.login(t, d.Username, d.Password)
		p := e.principal(t, tok)
		want := auth.Principal{UserID: tok.User.ID, Role: role}
		if role.BelongsToAgency() {
			want.AgencyID = "ubnd-ha-long"
		}
		if p != want {
			t.Errorf("demo %s signs in as %+v, want %+v", role, p, want)
		}
	}
	_, err := e.svc.SeedDemo(e.ctx(t), "no-such-agency")
	if err != nil {
		wantInvalid(t, "SeedDemo for an unknown agency", err, "body.agency_id")
	}
}

func TestAccountStaffLogin(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	admin := e.seedDemo(t)[auth.RoleAdmin]

	tok := e.login(t, "  Demo.Admin ", admin.Password) // usernames ignore case and spaces
	if tok.User.Username != "demo.admin" || tok.User.Role != auth.RoleAdmin {
		t.Errorf("user %+v", tok.User)
	}

	_, wrong := e.svc.StaffLogin(ctx, admin.Username, "not the password", "")
	_, unknown := e.svc.StaffLogin(ctx, "nobody", admin.Password, "")
	wantKind(t, "wrong password", wrong, fault.ErrUnauthenticated)
	wantKind(t, "unknown user", unknown, fault.ErrUnauthenticated)
	if fault.Message(wrong) != fault.Message(unknown) {
		t.Errorf("wrong password says %q, unknown user %q", fault.Message(wrong), fault.Message(unknown))
	}

	// The back-off: the first failure is free, the second makes the next attempt wait 1s.
	_, err := e.svc.StaffLogin(ctx, admin.Username, "still wrong", "")
	wantKind(t, "second failure", err, fault.ErrUnauthenticated)
	_, err = e.svc.StaffLogin(ctx, admin.Username, admin.Password, "")
	wantRetryAfter(t, "right password during the back-off", err, time.Second)
	e.clock.Advance(time.Second)
	e.login(t, admin.Username, admin.Password) // clears the failures
	for range 2 {
		_, err = e.svc.StaffLogin(ctx, admin.Username, "wrong again", "")
		wantKind(t, "fresh failure", err, fault.ErrUnauthenticated)
	}
	_, err = e.svc.StaffLogin(ctx, admin.Username, admin.Password, "")
	wantRetryAfter(t, "success reset the count", err, time.Second)

	// Ten failures lock the account for 15 minutes, even for the right password.
	for i := 2; i < 10; i++ {
		e.clock.Advance(5 * time.Minute)
		_, err = e.svc.StaffLogin(ctx, admin.Username, "wrong again", "")
		wantKind(t, fmt.Sprintf("failure %d", i+1), err, fault.ErrUnauthenticated)
	}
	e.clock.Advance(time.Minute)
	_, err = e.svc.StaffLogin(ctx, admin.Username, admin.Password, "")
	wantRetryAfter(t, "locked", err, 14*time.Minute)
	if !strings.Contains(fault.Message(err), "locked") {
		t.Errorf("message %q", fault.Message(err))
	}
	e.clock.Advance(14 * time.Minute)
	e.login(t, admin.Username, admin.Password)
}

func TestAccountCreateStaff(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	admin := auth.Principal{UserID: "admin-000001", Role: auth.RoleAdmin}
	haLongAdmin := auth.Principal{UserID: "agadmin-0001", Role: auth.RoleAgencyAdmin, AgencyID: "ubnd-ha-long"}
	officer := auth.Principal{UserID: "officer-0001", Role: auth.RoleOfficer, AgencyID: "ubnd-ha-long"}
	const pw = "Vinh-Ha-Long-2026"

	u, err := e.svc.CreateStaff(ctx, haLongAdmin, account.NewStaff{Username: "nguyen.van.a", Password: pw, DisplayName: "Nguyễn Văn A", Role: auth.RoleOfficer})
	if err != nil {
		t.Fatal(err)
	}
	want := account.User{ID: u.ID, Role: auth.RoleOfficer, AgencyID: "ubnd-ha-long", Username: "nguyen.van.a",
		DisplayName: "Nguyễn Văn A", Language: "vi", CreatedAt: accountT0}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	got, err := e.svc.GetStaff(ctx, admin, u.ID)
	if err != nil || got != u {
		t.Errorf("GetStaff = %+v, %v", got, err)
	}

	for _, tc := range []struct {
		name  string
		actor auth.Principal
		in    account.NewStaff
		kind  error
		field string
	}{
		{"agency admin, other agency", haLongAdmin, account.NewStaff{Username: "tran.b", Password: pw, Role: auth.RoleOfficer, AgencyID: "ubnd-cam-pha"}, fault.ErrForbidden, ""},
		{"agency admin, dispatcher", haLongAdmin, account.NewStaff{Username: "tran.b", Password: pw, Role: auth.RoleDispatcher}, fault.ErrForbidden, ""},
		{"officer", officer, account.NewStaff{Username: "tran.b", Password: pw, Role: auth.RoleOfficer}, fault.ErrForbidden, ""},
		{"username taken", admin, account.NewStaff{Username: "Nguyen.Van.A", Password: pw, Role: auth.RoleDispatcher}, fault.ErrConflict, ""},
		{"weak password", admin, account.NewStaff{Username: "tran.b", Password: "1234567890", Role: auth.RoleDispatcher}, nil, "body.password"},
		{"password has username", admin, account.NewStaff{Username: "tran.b", Password: "tran.b-2026-!!", Role: auth.RoleDispatcher}, nil, "body.password"},
		{"no agency", admin, account.NewStaff{Username: "tran.b", Password: pw, Role: auth.RoleOfficer}, nil, "body.agency_id"},
		{"unknown agency", admin, account.NewStaff{Username: "tran.b", Password: pw, Role: auth.RoleOfficer, AgencyID: "ubnd-nowhere"}, nil, "body.agency_id"},
		{"resident role", admin, account.NewStaff{Username: "tran.b", Password: pw, Role: auth.RoleResident}, nil, "body.role"},
		{"bad username", admin, account.NewStaff{Username: "a", Password: pw, Role: auth.RoleDispatcher}, nil, "body.username"},
	} {
		_, err := e.svc.CreateStaff(ctx, tc.actor, tc.in)
		if tc.field != "" {
			wantInvalid(t, tc.name, err, tc.field)
		} else {
			wantKind(t, tc.name, err, tc.kind)
		}
	}
	if _, err := e.svc.StaffLogin(ctx, "tran.b", pw, ""); !errors.Is(err, fault.ErrUnauthenticated) {
		t.Errorf("a refused account can sign in: %v", err)
	}
}

func TestAccountListAndUpdateStaff(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	demo := e.seedDemo(t)
	admin := e.principal(t, e.login(t, demo[auth.RoleAdmin].Username, demo[auth.RoleAdmin].Password))
	haLongAdmin := e.principal(t, e.login(t, demo[auth.RoleAgencyAdmin].Username, demo[auth.RoleAgencyAdmin].Password))
	camPhaAdmin := auth.Principal{UserID: "agadmin-0002", Role: auth.RoleAgencyAdmin, AgencyID: "ubnd-cam-pha"}
	officerTok := e.login(t, demo[auth.RoleOfficer].Username, demo[auth.RoleOfficer].Password)
	officerID := officerTok.User.ID

	usernames := func(list []account.User) []string {
		var out []string
		for _, u := range list {
			out = append(out, u.Username)
		}
		return out
	}
	all, err := e.svc.ListStaff(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"demo.admin", "demo.agency-admin", "demo.call-taker", "demo.dispatcher", "demo.officer"}, usernames(all)); diff != "" {
		t.Errorf("admin's list (-want +got):\n%s", diff)
	}
	mine, err := e.svc.ListStaff(ctx, haLongAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"demo.agency-admin", "demo.officer"}, usernames(mine)); diff != "" {
		t.Errorf("agency admin's list (-want +got):\n%s", diff)
	}
	if list, err := e.svc.ListStaff(ctx, camPhaAdmin); err != nil || len(list) != 0 {
		t.Errorf("other agency's list = %v, %v", usernames(list), err)
	}
	// An officer lists their agency's staff (whom to assign a ticket to); a dispatcher lists none.
	colleagues, err := e.svc.ListStaff(ctx, e.principal(t, officerTok))
	if diff := cmp.Diff([]string{"demo.agency-admin", "demo.officer"}, usernames(colleagues)); err != nil || diff != "" {
		t.Errorf("officer's list (-want +got): %v\n%s", err, diff)
	}
	_, err = e.svc.ListStaff(ctx, auth.Principal{UserID: "d", Role: auth.RoleDispatcher})
	wantKind(t, "dispatcher lists staff", err, fault.ErrForbidden)
	if err := e.svc.CheckAccess(ctx, e.principal(t, officerTok)); err != nil {
		t.Errorf("CheckAccess of an enabled officer: %v", err)
	}

	// Another agency's admin does not see the officer at all.
	_, err = e.svc.GetStaff(ctx, camPhaAdmin, officerID)
	wantKind(t, "other agency's officer", err, fault.ErrNotFound)
	yes := true
	_, err = e.svc.UpdateStaff(ctx, camPhaAdmin, officerID, account.StaffUpdate{Disabled: &yes})
	wantKind(t, "other agency disables", err, fault.ErrNotFound)
	_, err = e.svc.UpdateStaff(ctx, haLongAdmin, admin.UserID, account.StaffUpdate{Disabled: &yes})
	wantKind(t, "agency admin disables the admin", err, fault.ErrNotFound)
	_, err = e.svc.UpdateStaff(ctx, admin, admin.UserID, account.StaffUpdate{Disabled: &yes})
	wantKind(t, "admin disables themselves", err, fault.ErrForbidden)

	// Disabling signs the officer out and keeps them out.
	u, err := e.svc.UpdateStaff(ctx, haLongAdmin, officerID, account.StaffUpdate{Disabled: &yes})
	if err != nil || !u.Disabled {
		t.Fatalf("disable = %+v, %v", u, err)
	}
	_, err = e.svc.Refresh(ctx, officerTok.RefreshToken)
	wantKind(t, "refresh of a disabled officer", err, fault.ErrUnauthenticated)
	// Their access token is refused at once by this replica (it disabled them), though seen enabled just before.
	err = e.svc.CheckAccess(ctx, e.principal(t, officerTok))
	wantKind(t, "a disabled officer's access token", err, fault.ErrUnauthenticated)
	_, err = e.svc.StaffLogin(ctx, demo[auth.RoleOfficer].Username, demo[auth.RoleOfficer].Password, "")
	wantKind(t, "sign-in of a disabled officer", err, fault.ErrUnauthenticated)
	if msg := fault.Message(err); !strings.Contains(msg, "disabled") {
		t.Errorf("message %q", msg)
	}

	// Enabled again with a new password, set by the admin.
	no, newPw, name := false, "Yen-Tu-Mountain-2026", "Cán bộ Hạ Long"
	_, err = e.svc.UpdateStaff(ctx, admin, officerID, account.StaffUpdate{Password: ptr("short")})
	wantInvalid(t, "weak password", err, "body.password")
	u, err = e.svc.UpdateStaff(ctx, admin, officerID, account.StaffUpdate{Disabled: &no, Password: &newPw, DisplayName: &name})
	if err != nil || u.Disabled || u.DisplayName != name {
		t.Fatalf("enable = %+v, %v", u, err)
	}
	_, err = e.svc.StaffLogin(ctx, demo[auth.RoleOfficer].Username, demo[auth.RoleOfficer].Password, "")
	wantKind(t, "old password", err, fault.ErrUnauthenticated)
	e.login(t, demo[auth.RoleOfficer].Username, newPw)
}

func ptr[T any](v T) *T { return &v }

func TestAccountChangePassword(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	d := e.seedDemo(t)[auth.RoleDispatcher]
	tok := e.login(t, d.Username, d.Password)
	other := e.login(t, d.Username, d.Password)
	p := e.principal(t, tok)

	wantInvalid(t, "wrong current", e.svc.ChangePassword(ctx, p, "not it", "Tuan-Chau-Island-2026"), "body.current_password")
	e.clock.Advance(time.Minute)
	wantInvalid(t, "weak new", e.svc.ChangePassword(ctx, p, d.Password, "password123"), "body.new_password")
	if err := e.svc.ChangePassword(ctx, p, d.Password, "Tuan-Chau-Island-2026"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []account.Tokens{tok, other} {
		_, err := e.svc.Refresh(ctx, s.RefreshToken)
		wantKind(t, "session after a password change", err, fault.ErrUnauthenticated)
	}
	e.login(t, d.Username, "Tuan-Chau-Island-2026")

	resident := e.principal(t, e.signIn(t, "0912345678"))
	wantKind(t, "resident", e.svc.ChangePassword(ctx, resident, "x", "Tuan-Chau-Island-2026"), fault.ErrForbidden)
}

func TestAccountProfileUpdate(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	p := e.principal(t, e.signIn(t, "0912345678"))
	u, err := e.svc.UpdateProfile(ctx, p, ptr("  Trần Thị Bình "), ptr("en"))
	if err != nil {
		t.Fatal(err)
	}
	if u.DisplayName != "Trần Thị Bình" || u.Language != "en" {
		t.Errorf("updated %+v", u)
	}
	_, err = e.svc.UpdateProfile(ctx, p, ptr(" "), ptr("fr"))
	wantInvalid(t, "bad update", err, "body.display_name")
	wantInvalid(t, "bad update", err, "body.language")
	if got, _ := e.svc.Profile(ctx, p); got != u {
		t.Errorf("profile %+v after a refused update, want %+v", got, u)
	}
}

func TestAccountDeleteResident(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	tok := e.signIn(t, "0912345678")
	p := e.principal(t, tok)
	if _, err := e.svc.UpdateProfile(ctx, p, ptr("Lê Văn C"), nil); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteResident(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteResident(ctx, p); err != nil {
		t.Errorf("second delete: %v", err)
	}
	_, err := e.svc.Profile(ctx, p)
	wantKind(t, "profile of a deleted account", err, fault.ErrUnauthenticated)
	_, err = e.svc.Refresh(ctx, tok.RefreshToken)
	wantKind(t, "refresh of a deleted account", err, fault.ErrUnauthenticated)

	// What stays is an anonymous record.
	var raw bson.M
	if err := e.store.db.Collection(colUsers).FindOne(ctx, byID(p.UserID)).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"phone", "display_name", "devices"} {
		if _, ok := raw[k]; ok {
			t.Errorf("deleted user keeps %s: %v", k, raw)
		}
	}
	if _, ok := raw["deleted_at"]; !ok {
		t.Errorf("deleted user has no deleted_at: %v", raw)
	}
	if err := e.store.db.Collection(colPhones).FindOne(ctx, byID("+84912345678")).Err(); err == nil {
		t.Error("the phone mapping survived the deletion")
	}

	// The number signs up again as a new person.
	e.clock.Advance(time.Minute)
	again := e.signIn(t, "0912345678")
	if again.User.ID == p.UserID || again.User.DisplayName != "" {
		t.Errorf("signing in again gave %+v", again.User)
	}
	// A late retry of the old deletion leaves the new account alone.
	if err := e.svc.DeleteResident(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Profile(ctx, e.principal(t, again)); err != nil {
		t.Errorf("new account after the old one's late deletion: %v", err)
	}
	e.clock.Advance(time.Minute)
	if tok := e.signIn(t, "0912345678"); tok.User.ID != again.User.ID {
		t.Errorf("the number now signs in as %s, want %s", tok.User.ID, again.User.ID)
	}

	staff := auth.Principal{UserID: "x-00000001", Role: auth.RoleOfficer, AgencyID: "ubnd-ha-long"}
	wantKind(t, "staff deletes", e.svc.DeleteResident(ctx, staff), fault.ErrForbidden)
}

func TestAccountExport(t *testing.T) {
	e := newAccountEnv(t)
	ctx := e.ctx(t)
	first := e.signIn(t, "0912345678")
	p := e.principal(t, first)
	e.clock.Advance(time.Hour)
	e.signIn(t, "0912345678")
	e.clock.Advance(time.Hour)
	if _, err := e.svc.Refresh(ctx, first.RefreshToken); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	ex, err := e.svc.Export(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	want := account.Export{
		Profile: first.User,
		Sessions: []account.SessionInfo{
			{CreatedAt: accountT0, LastUsedAt: accountT0.Add(2 * time.Hour)},
			{CreatedAt: accountT0.Add(time.Hour), LastUsedAt: accountT0.Add(time.Hour)},
		},
		Devices:    []notify.Device{},
		ExportedAt: accountT0.Add(2*time.Hour + time.Minute),
	}
	if diff := cmp.Diff(want, ex, cmpopts.IgnoreUnexported(account.Export{})); diff != "" {
		t.Errorf("export (-want +got):\n%s", diff)
	}
}

func TestSMSSink(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	clock := &testClock{t: accountT0}
	sink := &sms.Sink{Store: s, Now: clock.Now}
	to, _ := phone.Parse("0912345678")
	other, _ := phone.Parse("0987654321")
	for i := range 3 {
		if err := sink.Send(ctx, to, fmt.Sprintf("message %d", i)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	if err := sink.Send(ctx, other, "not yours"); err != nil {
		t.Fatal(err)
	}
	got, err := sink.Messages(ctx, "+84 912 345 678", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []sms.Message{
		{To: "+84912345678", Text: "message 2", SentAt: accountT0.Add(2 * time.Second)},
		{To: "+84912345678", Text: "message 1", SentAt: accountT0.Add(time.Second)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	_, err = sink.Messages(ctx, "hello", 10)
	wantInvalid(t, "bad number", err, "query.phone")
}

// TestRotateSessionHasOneWinner: ten exchanges of one token at once move the family once; the others are
// told another request exchanged it, and a family that is gone says so.
func TestRotateSessionHasOneWinner(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	old := refresh.Hash{1}
	if err := s.InsertSession(ctx, account.Session{FamilyID: "fam-1", UserID: "u1", Hash: old, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			errs[i] = s.RotateSession(ctx, old, account.Session{FamilyID: "fam-1", UserID: "u1", Hash: refresh.Hash{byte(10 + i)},
				LastUsedAt: now, ExpiresAt: now.Add(2 * time.Hour)})
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("exchanges %d and %d both won", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, fault.ErrConflict):
			t.Errorf("exchange %d: %v, want a conflict", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no exchange won")
	}
	got, err := s.Session(ctx, "fam-1")
	if err != nil || got.Hash != (refresh.Hash{byte(10 + won)}) || !got.ExpiresAt.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("session after the race: %+v, %v; want the winner's hash and expiry", got, err)
	}
	err = s.RotateSession(ctx, old, account.Session{FamilyID: "fam-gone", Hash: refresh.Hash{2}})
	if !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("rotating a family that is gone: %v, want not found", err)
	}
}
