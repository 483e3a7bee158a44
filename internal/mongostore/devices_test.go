package mongostore

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/testenv"
)

// putDevice registers token for user, failing the test on an error.
func putDevice(t *testing.T, s *Store, user, token, lang string) {
	t.Helper()
	d := notify.Device{Token: token, UserID: user, Platform: notify.Android, AppVersion: "3.2.0", Language: lang,
		UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := s.PutDevice(testenv.Context(t), d); err != nil {
		t.Fatal(err)
	}
}

// devicesOf lists the users' devices as "user/token/language", sorted.
func devicesOf(t *testing.T, s *Store, users ...string) []string {
	t.Helper()
	ds, err := s.DevicesOf(testenv.Context(t), users)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.UserID+"/"+d.Token+"/"+d.Language)
	}
	slices.Sort(out)
	return out
}

func wantDevices(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: devices %v, want %v", what, got, want)
	}
}

// wantOwner checks whom the devices collection says the token belongs to ("" for nobody).
func wantOwner(t *testing.T, s *Store, token, want string) {
	t.Helper()
	got, err := s.owner(testenv.Context(t), token)
	if err != nil || got != want {
		t.Errorf("owner of %s: %q %v, want %q", token, got, err, want)
	}
}

// TestDevicesRegisterMoveUnregister: registering adds a device to its user's set and registering it again
// updates it there; a token registered by another user moves to them; a user unregisters only their own.
func TestDevicesRegisterMoveUnregister(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	putDevice(t, s, "u1", "tok-phone", "vi")
	putDevice(t, s, "u1", "tok-tablet", "vi")
	putDevice(t, s, "u1", "tok-tablet", "en") // the same token again: updated, not added
	wantDevices(t, "registered", devicesOf(t, s, "u1"), "u1/tok-phone/vi", "u1/tok-tablet/en")
	ds, err := s.DevicesOf(ctx, []string{"u1"})
	if err != nil || len(ds) != 2 || ds[0].Platform != notify.Android || ds[0].AppVersion != "3.2.0" || ds[0].UpdatedAt.IsZero() {
		t.Errorf("details: %+v %v", ds, err)
	}

	// u2 signs in on u1's tablet: the token moves.
	putDevice(t, s, "u2", "tok-tablet", "vi")
	wantDevices(t, "after the move", devicesOf(t, s, "u1", "u2"), "u1/tok-phone/vi", "u2/tok-tablet/vi")
	wantOwner(t, s, "tok-tablet", "u2")

	// u1 cannot unregister what is now u2's, nor an unknown token.
	if err := s.DeleteUserDevice(ctx, "u1", "tok-tablet"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUserDevice(ctx, "u1", "tok-unknown"); err != nil {
		t.Fatal(err)
	}
	wantDevices(t, "after u1 unregistered u2's token", devicesOf(t, s, "u1", "u2"), "u1/tok-phone/vi", "u2/tok-tablet/vi")

	if err := s.DeleteUserDevice(ctx, "u2", "tok-tablet"); err != nil {
		t.Fatal(err)
	}
	wantDevices(t, "after u2 unregistered it", devicesOf(t, s, "u1", "u2"), "u1/tok-phone/vi")
	wantOwner(t, s, "tok-tablet", "")

	// FCM says the phone's token is gone: forgotten whoever had it; an unknown one changes nothing.
	if err := s.DeleteDevice(ctx, "tok-phone"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDevice(ctx, "tok-phone"); err != nil {
		t.Fatal(err)
	}
	wantDevices(t, "after FCM pruned the phone", devicesOf(t, s, "u1", "u2"))
	wantOwner(t, s, "tok-phone", "")

	// Forgotten tokens can be registered again.
	putDevice(t, s, "u1", "tok-phone", "vi")
	wantDevices(t, "registered again", devicesOf(t, s, "u1", "u2"), "u1/tok-phone/vi")
}

// TestDevicesOfErasedUser: an erased user's devices are all forgotten, but not a token of theirs that has
// since moved to someone else, nor anyone else's.
func TestDevicesOfErasedUser(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	putDevice(t, s, "erased", "tok-e1", "vi")
	putDevice(t, s, "erased", "tok-e2", "en")
	putDevice(t, s, "erased", "tok-sold", "vi")
	putDevice(t, s, "buyer", "tok-sold", "vi")
	putDevice(t, s, "other", "tok-o1", "vi")
	if err := s.DeleteUserDevices(ctx, "erased"); err != nil {
		t.Fatal(err)
	}
	wantDevices(t, "after erasure", devicesOf(t, s, "erased", "buyer", "other"), "buyer/tok-sold/vi", "other/tok-o1/vi")
	for _, tok := range []string{"tok-e1", "tok-e2"} {
		wantOwner(t, s, tok, "")
	}
	wantOwner(t, s, "tok-sold", "buyer")
	if err := s.DeleteUserDevices(ctx, "erased"); err != nil {
		t.Errorf("erasing again: %v", err)
	}
	if err := s.DeleteUserDevices(ctx, "never-registered"); err != nil {
		t.Errorf("erasing a user without devices: %v", err)
	}
}

// TestDevicesConcurrentRegistrationOfOneToken: two users registering one token at once (from nobody's, and
// from a third user's) leave it in exactly one set, its owner's.
func TestDevicesConcurrentRegistrationOfOneToken(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	const rounds = 20
	for round := range rounds {
		token := fmt.Sprintf("tok-race-%02d", round)
		if round%2 == 1 {
			putDevice(t, s, "racer-c", token, "vi")
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, u := range []string{"racer-a", "racer-b"} {
			wg.Go(func() {
				<-start
				errs[i] = s.PutDevice(ctx, notify.Device{Token: token, UserID: u, Platform: notify.IOS, Language: "vi", UpdatedAt: time.Now().UTC()})
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		owner, err := s.owner(ctx, token)
		if err != nil || (owner != "racer-a" && owner != "racer-b") {
			t.Fatalf("round %d: owner %q %v", round, owner, err)
		}
		var in []string
		for _, d := range devicesOf(t, s, "racer-a", "racer-b", "racer-c") {
			if strings.Contains(d, "/"+token+"/") {
				in = append(in, d)
			}
		}
		if want := owner + "/" + token + "/vi"; len(in) != 1 || in[0] != want {
			t.Errorf("round %d: the token is in the sets %v, want only %s (its owner's)", round, in, want)
		}
	}
}

// TestDevicesOfManyUsers: one read returns the devices of more users than one query takes, each as its own
// user's; users without devices add nothing.
func TestDevicesOfManyUsers(t *testing.T) {
	s := openTestStore(t)
	n := 2*devicesChunk + 10
	users := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		users[i] = fmt.Sprintf("many-%04d", i)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			put := func(token, lang string) { // not putDevice: t.Fatal must not be called off the test's goroutine
				d := notify.Device{Token: token, UserID: users[i], Platform: notify.Web, Language: lang, UpdatedAt: time.Now().UTC()}
				if err := s.PutDevice(testenv.Context(t), d); err != nil {
					t.Error(err)
				}
			}
			put("tok-a-"+users[i], "vi")
			if i%7 == 0 {
				put("tok-b-"+users[i], "en")
			}
		})
	}
	wg.Wait()
	want := n + (n+6)/7
	users = append(users, "nobody")
	ds, err := s.DevicesOf(testenv.Context(t), users)
	if err != nil || len(ds) != want {
		t.Fatalf("DevicesOf(%d users): %d devices, want %d (%v)", len(users), len(ds), want, err)
	}
	seen := map[string]bool{}
	for _, d := range ds {
		if !strings.HasSuffix(d.Token, d.UserID) || seen[d.Token] {
			t.Errorf("device %s reported as %s's (or twice)", d.Token, d.UserID)
		}
		seen[d.Token] = true
	}
	wantDevices(t, "three users", devicesOf(t, s, users[:3]...),
		"many-0000/tok-a-many-0000/vi", "many-0000/tok-b-many-0000/en", "many-0001/tok-a-many-0001/vi", "many-0002/tok-a-many-0002/vi")
	wantDevices(t, "nobody", devicesOf(t, s))
}
