package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// TestStatsCountReportsAtReceipt: the public statistics count a report as received the day it arrives,
// while it is still open, once (its retry does not count again).
func TestStatsCountReportsAtReceipt(t *testing.T) {
	t.Parallel()
	a := testapp.Start(t, testenv.Shared(t), nil)
	c := newClient(t, a)
	ctx := context.Background()
	me := resident(t, a, "resident-stats")
	photo := photoPart(testapp.JPEG(t, 120, 90, nil))
	for _, key := range []string{"key-stats-00001", "key-stats-00002", "key-stats-00002"} {
		if r := submit(t, c, me, key, reportPart(t, pothole(&baiChay)), photo); r.StatusCode() >= 300 {
			t.Fatalf("submit: %s", r.Body)
		}
	}
	today := dateOf(time.Now().In(time.FixedZone("ICT", 7*3600)))
	for _, by := range []api.GetPublicStatsParamsBy{api.GetPublicStatsParamsByAgency, api.GetPublicStatsParamsByCommune, api.GetPublicStatsParamsByCategory} {
		s, err := c.GetPublicStatsWithResponse(ctx, &api.GetPublicStatsParams{From: today, To: today, By: by})
		if err != nil || s.JSON200 == nil {
			t.Fatalf("stats by %s: %v %s", by, err, s.Body)
		}
		want := map[api.GetPublicStatsParamsBy]string{api.GetPublicStatsParamsByAgency: "ubnd-06673",
			api.GetPublicStatsParamsByCommune: "06673", api.GetPublicStatsParamsByCategory: "road_damage"}[by]
		if len(s.JSON200.Items) != 1 || s.JSON200.Items[0].Key != want || s.JSON200.Items[0].Received != 2 || s.JSON200.Items[0].Resolved != 0 {
			t.Errorf("stats by %s: %s, want %s received 2, resolved 0", by, s.Body, want)
		}
	}
}
