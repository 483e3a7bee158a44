package e2e

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
	"github.com/quangninh/feedback/openapi"
)

// pathExamples fill path parameters with values that pass the spec's patterns.
var pathExamples = map[string]string{
	"{id}": "abcdefgh12345678", "{token}": "fcm-token-example-0001", "{code}": "road_damage", "{category}": "road_damage", "{commune}": "06673",
	"{year}": "2026", "{date}": "2026-11-24",
}

// TestAccessMatrixFromSpec calls every operation of the spec as every role (and anonymously) and checks
// that the roles the spec lists get past authorization and all others are stopped: 401 without a token,
// 403 with the wrong role. An operation without an explicit `security` rule fails the test, so a route
// added later without one cannot slip through.
func TestAccessMatrixFromSpec(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	// Real accounts: the demo staff and a resident signed in by SMS code.
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	tokens := map[auth.Role]string{auth.RoleResident: signInResident(t, c, "0901234567").AccessToken}
	for role, login := range map[auth.Role][2]string{
		auth.RoleAdmin: {"demo.admin", "Quang-Ninh-Admin-2026"}, auth.RoleDispatcher: {"demo.dispatcher", "Ha-Long-Dispatch-2026"},
		auth.RoleAgencyAdmin: {"demo.agency-admin", "Bai-Chay-Agency-2026"}, auth.RoleOfficer: {"demo.officer", "Cam-Pha-Officer-2026"},
		auth.RoleCallTaker: {"demo.call-taker", "Uong-Bi-Hotline-2026"},
	} {
		r, err := c.StaffLoginWithResponse(context.Background(), api.StaffLogin{Username: login[0], Password: login[1]})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("login %s: %v %s", login[0], err, r.Body)
		}
		tokens[role] = r.JSON200.AccessToken
	}
	call := func(method, path, tok string, withBody bool) int {
		var body *bytes.Reader
		if withBody {
			body = bytes.NewReader([]byte(`{}`))
		} else {
			body = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, a.URL+path, body)
		if withBody {
			req.Header.Set("Content-Type", "application/json")
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp := do(t, req)
		return resp.StatusCode
	}
	type operation struct {
		method, path string
		op           *openapi3.Operation
	}
	var ops []operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, operation{method, path, op})
		}
	}
	// Deleting one's own account goes last: it signs the resident out for the rest.
	slices.SortFunc(ops, func(x, y operation) int {
		lastX, lastY := x.method == http.MethodDelete && x.path == "/v1/me", y.method == http.MethodDelete && y.path == "/v1/me"
		switch {
		case lastX != lastY && lastX:
			return 1
		case lastX != lastY:
			return -1
		}
		return strings.Compare(x.path+x.method, y.path+y.method)
	})
	checked := 0
	for _, o := range ops {
		method, path, op := o.method, o.path, o.op
		url := path
		for k, v := range pathExamples {
			url = strings.ReplaceAll(url, k, v)
		}
		{
			name := method + " " + path
			if op.Security == nil {
				t.Errorf("%s declares no security rule (use `security: []` for public routes)", name)
				continue
			}
			public := len(*op.Security) == 0
			var allowed []auth.Role
			for _, req := range *op.Security {
				for _, scope := range req["bearer"] {
					allowed = append(allowed, auth.Role(scope))
				}
			}
			withBody := op.RequestBody != nil
			st := call(method, url, "", withBody)
			if public && (st == 401 || st == 403) || !public && st != 401 {
				t.Errorf("%s anonymous: %d", name, st)
			}
			for _, r := range auth.Roles() {
				st := call(method, url, tokens[r], withBody)
				switch {
				case public || slices.Contains(allowed, r):
					if st == 401 || st == 403 {
						t.Errorf("%s as %s (allowed): %d", name, r, st)
					}
				case st != 403:
					t.Errorf("%s as %s (not allowed): %d, want 403", name, r, st)
				}
			}
			checked++
		}
	}
	if checked < 30 {
		t.Errorf("only %d operations checked", checked)
	}
}

// TestOthersObjectsAreNotFound: the object-level half of the matrix. A resident's report is invisible to
// other residents, and an agency admin cannot see another agency's staff: 404, never 403.
func TestOthersObjectsAreNotFound(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), map[string]string{"SEED_DEMO": "true"})
	c := newClient(t, a)
	ctx := context.Background()
	owner := resident(t, a, "resident-owner")
	r := submit(t, c, owner, "key-matrix-00001", reportPart(t, pothole(&baiChay)), photoPart(testapp.JPEG(t, 120, 90, nil)))
	if r.JSON201 == nil {
		t.Fatalf("create: %s", r.Body)
	}
	stranger := resident(t, a, "resident-stranger")
	if g, _ := c.GetMyReportWithResponse(ctx, r.JSON201.Id, stranger); g.StatusCode() != http.StatusNotFound {
		t.Errorf("stranger reads report: %d", g.StatusCode())
	}
	if g, _ := c.UnfollowReportWithResponse(ctx, r.JSON201.Id, stranger); g.StatusCode() != http.StatusNotFound {
		t.Errorf("stranger unfollows: %d", g.StatusCode())
	}
	if g, _ := c.GetMyReportWithResponse(ctx, r.JSON201.Id, owner); g.StatusCode() != http.StatusOK {
		t.Errorf("owner reads report: %d", g.StatusCode())
	}
	admin, _ := c.StaffLoginWithResponse(ctx, api.StaffLogin{Username: "demo.admin", Password: "Quang-Ninh-Admin-2026"})
	other := "so-y-te"
	st, _ := c.CreateStaffWithResponse(ctx, api.StaffCreate{Username: "officer.soyte", Password: "So-Y-Te-Officer-2026", Role: api.StaffCreateRoleOfficer, AgencyId: &other}, bearer(admin.JSON200.AccessToken))
	if st.JSON201 == nil {
		t.Fatalf("create staff: %s", st.Body)
	}
	aa := a.Token(t, auth.Principal{UserID: "aa-1", Role: auth.RoleAgencyAdmin, AgencyID: "ubnd-06673"})
	disabled := true
	if g, _ := c.GetStaffWithResponse(ctx, st.JSON201.Id, bearer(aa)); g.StatusCode() != http.StatusNotFound {
		t.Errorf("agency admin reads other agency's officer: %d", g.StatusCode())
	}
	if g, _ := c.UpdateStaffWithResponse(ctx, st.JSON201.Id, api.StaffUpdate{Disabled: &disabled}, bearer(aa)); g.StatusCode() != http.StatusNotFound {
		t.Errorf("agency admin disables other agency's officer: %d", g.StatusCode())
	}
}
