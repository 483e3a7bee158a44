package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestAccountChangesEndTokensOnEveryRoute: an access token stops working on every route as soon as its
// account is erased, and a disabled officer's at once on the replica that disabled them and within
// account.DefaultStateCacheTTL on another replica sharing the database.
func TestAccountChangesEndTokensOnEveryRoute(t *testing.T) {
	t.Parallel()
	srv := testenv.Shared(t)
	a := testapp.Start(t, srv, map[string]string{"SEED_DEMO": "true"})
	shared := map[string]string{}
	for _, k := range []string{"MONGO_DATABASE", "S3_BUCKET", "DEV_KEY_DIR"} {
		shared[k] = a.Env[k]
	}
	b := testapp.Start(t, srv, shared) // a second replica: same database, bucket and signing key
	ca, cb := newClient(t, a), newClient(t, b)
	ctx := context.Background()

	// A resident erases their account; the same access token then gets 401 everywhere, on both replicas.
	tp := signInResident(t, ca, "0912345001")
	me := bearer(tp.AccessToken)
	if r, _ := cb.ListMyReportsWithResponse(ctx, &api.ListMyReportsParams{}, me); r.StatusCode() != http.StatusOK {
		t.Fatalf("before erasure: %d %s", r.StatusCode(), r.Body)
	}
	if d, _ := ca.DeleteMeWithResponse(ctx, me); d.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete me: %d %s", d.StatusCode(), d.Body)
	}
	erased := time.Now()
	lang := api.Vi
	for _, c := range []*api.ClientWithResponses{ca, cb} {
		for {
			var codes []int
			r1, _ := c.ListMyReportsWithResponse(ctx, &api.ListMyReportsParams{}, me)
			r2, _ := c.CreateUploadWithResponse(ctx, api.UploadRequest{ContentType: api.Imagejpeg, SizeBytes: 1000}, me)
			r3, _ := c.PutMyDeviceWithResponse(ctx, "tok-erased-resident-1", api.PushDeviceInput{Platform: api.Android, Language: &lang}, me)
			r4 := submit(t, c, me, "key-erased-0000001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 320, 240, nil)))
			r5, _ := c.GetMeWithResponse(ctx, me)
			codes = append(codes, r1.StatusCode(), r2.StatusCode(), r3.StatusCode(), r4.StatusCode(), r5.StatusCode())
			all := true
			for _, code := range codes {
				all = all && code == http.StatusUnauthorized
			}
			if all {
				break
			}
			if c == ca || time.Since(erased) > account.DefaultStateCacheTTL+time.Second {
				t.Fatalf("%v after erasure: list, upload, device, submit, me answer %v; want 401 everywhere", time.Since(erased), codes)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// An officer reads the queue on both replicas; an admin disables them through replica A.
	admin := staffLogin(t, ca, "demo.admin", "Quang-Ninh-Admin-2026")
	agency := "ubnd-06673"
	mk, err := ca.CreateStaffWithResponse(ctx, api.StaffCreate{Username: "officer.revoked", Password: "Ha-Long-Bay-Revoked-1",
		Role: api.StaffCreateRoleOfficer, AgencyId: &agency}, admin)
	if err != nil || mk.JSON201 == nil {
		t.Fatalf("create officer: %v %s", err, mk.Body)
	}
	officer := staffLogin(t, ca, "officer.revoked", "Ha-Long-Bay-Revoked-1")
	for _, c := range []*api.ClientWithResponses{ca, cb} {
		if r, _ := c.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officer); r.StatusCode() != http.StatusOK {
			t.Fatalf("officer's queue: %d %s", r.StatusCode(), r.Body)
		}
	}
	disabled := true
	if r, _ := ca.UpdateStaffWithResponse(ctx, mk.JSON201.Id, api.StaffUpdate{Disabled: &disabled}, admin); r.JSON200 == nil {
		t.Fatalf("disable: %d %s", r.StatusCode(), r.Body)
	}
	at := time.Now()
	if r, _ := ca.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officer); r.StatusCode() != http.StatusUnauthorized {
		t.Errorf("disabled officer on the replica that disabled them: %d, want 401 at once", r.StatusCode())
	}
	for {
		r, _ := cb.ListTicketsWithResponse(ctx, &api.ListTicketsParams{}, officer)
		if r.StatusCode() == http.StatusUnauthorized {
			t.Logf("the other replica refused the disabled officer after %v", time.Since(at).Round(time.Millisecond))
			break
		}
		if time.Since(at) > account.DefaultStateCacheTTL+time.Second {
			t.Fatalf("the other replica still serves a disabled officer %v later: %d", time.Since(at), r.StatusCode())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
