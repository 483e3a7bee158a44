package mongostore

import (
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/quangninh/feedback/internal/testenv"
)

// TestInsertGrouped: concurrent inserts into one collection share writes, and each caller learns its own
// document's outcome: stored, or a duplicate key (also when the duplicate is in the same group).
func TestInsertGrouped(t *testing.T) {
	s := openTestStore(t)
	ctx := testenv.Context(t)
	const n = 64
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Callers 0-31 insert distinct documents; 32-63 each insert the _id of one of them again.
			id := fmt.Sprintf("doc-%02d", i%32)
			errs[i] = s.insertGrouped(ctx, "grouped", bson.D{{Key: "_id", Value: id}, {Key: "caller", Value: i}})
		})
	}
	wg.Wait()
	stored := map[string]int{}
	for i, err := range errs {
		switch {
		case err == nil:
			stored[fmt.Sprintf("doc-%02d", i%32)]++
		case !isDuplicate(err):
			t.Errorf("caller %d: %v", i, err)
		}
	}
	// Exactly one of the two callers of each _id succeeded; the other was told of the duplicate.
	for i := range 32 {
		if id := fmt.Sprintf("doc-%02d", i); stored[id] != 1 {
			t.Errorf("%s: %d callers told it was stored", id, stored[id])
		}
	}
	var ids []string
	for i := range 40 {
		ids = append(ids, fmt.Sprintf("doc-%02d", i))
	}
	cur, err := s.db.Collection("grouped").Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		t.Fatal(err)
	}
	var all []bson.Raw
	if err := cur.All(ctx, &all); err != nil || len(all) != 32 {
		t.Errorf("stored %d documents (%v), want 32", len(all), err)
	}
	// Every document a caller was told about is there with that caller's content.
	for i, err := range errs {
		if err != nil {
			continue
		}
		var d struct {
			Caller int `bson:"caller"`
		}
		if err := s.db.Collection("grouped").FindOne(ctx, byID(fmt.Sprintf("doc-%02d", i%32))).Decode(&d); err != nil || d.Caller != i {
			t.Errorf("doc-%02d: caller %d stored, %+v %v", i%32, i, d, err)
		}
	}
}
