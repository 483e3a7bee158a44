package testenv_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/testenv"
)

// TestFidelity proves that the dev stack's FerretDB behaves like MongoDB where tools/devstack/ferretdb.patch
// fixes it: read-then-write commands are atomic under contention, a $set of an embedded document with other keys
// is applied, and an _id lookup (also by $in) does not scan the collection.
func TestFidelity(t *testing.T) {
	srv := testenv.Shared(t)
	ctx := testenv.Context(t)
	client, err := mongo.Connect(options.Client().ApplyURI(srv.MongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	db := client.Database(dbName(t))

	t.Run("ConcurrentInc", func(t *testing.T) {
		col := db.Collection("inc")
		mustInsert(t, col, bson.D{{Key: "_id", Value: "doc"}, {Key: "n", Value: 0}})
		inParallel(t, 20, func(int) error {
			_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: "doc"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}})
			return err
		})
		if n := intField(t, col, "doc", "n"); n != 20 {
			t.Errorf("20 concurrent $inc of n from 0: n = %d, want 20 (lost updates)", n)
		}
	})

	t.Run("CompareAndSwap", func(t *testing.T) {
		col := db.Collection("cas")
		for round := range 10 { // a race is not lost every time: ten rounds, each on its own document
			id := fmt.Sprint("doc", round)
			mustInsert(t, col, bson.D{{Key: "_id", Value: id}, {Key: "v", Value: 0}})
			var mu sync.Mutex
			winners := 0
			inParallel(t, 20, func(int) error {
				res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "v", Value: 0}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: 1}}}})
				if err != nil {
					return err
				}
				mu.Lock()
				winners += int(res.ModifiedCount)
				mu.Unlock()
				return nil
			})
			if winners != 1 {
				t.Errorf("round %d: 20 concurrent UpdateOne({_id, v: 0}, {$set: {v: 1}}): %d modified the document, want exactly 1",
					round, winners)
			}
		}
	})

	t.Run("FindOneAndUpdateDistinct", func(t *testing.T) {
		col := db.Collection("fam")
		mustInsert(t, col, bson.D{{Key: "_id", Value: "doc"}, {Key: "n", Value: 0}})
		var mu sync.Mutex
		var got []int
		inParallel(t, 20, func(int) error {
			var d struct{ N int }
			err := col.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "doc"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
				options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
			if err != nil {
				return err
			}
			mu.Lock()
			got = append(got, d.N)
			mu.Unlock()
			return nil
		})
		slices.Sort(got)
		if len(slices.Compact(slices.Clone(got))) != 20 || intField(t, col, "doc", "n") != 20 {
			t.Errorf("20 concurrent findOneAndUpdate $inc returned %v (want 1..20, each once), n = %d",
				got, intField(t, col, "doc", "n"))
		}
	})

	t.Run("ConcurrentUpsert", func(t *testing.T) {
		col := db.Collection("upsert")
		var mu sync.Mutex
		inserted := 0
		errs := goroutines(20, func(int) error {
			res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: "doc"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
				options.UpdateOne().SetUpsert(true))
			if err != nil {
				return err
			}
			mu.Lock()
			inserted += int(res.UpsertedCount)
			mu.Unlock()
			return nil
		})
		failed := 0
		for _, err := range errs {
			if err != nil {
				failed++
				t.Log(err)
			}
		}
		if n := intField(t, col, "doc", "n"); failed != 0 || inserted != 1 || n != 20 {
			t.Errorf("20 concurrent upserting $inc of a new document: %d failed, %d inserted, n = %d; want 0, 1, 20",
				failed, inserted, n)
		}
	})

	t.Run("SetEmbeddedDocument", func(t *testing.T) {
		col := db.Collection("embedded")
		for _, c := range []struct{ name, old, new string }{
			{"other key, same value", `{"a": {"x": 1}}`, `{"a": {"y": 1}}`},
			{"nested", `{"a": {"b": {"x": 1}, "c": 2}}`, `{"a": {"b": {"y": 1}, "c": 2}}`},
			{"array of documents", `{"a": [{"x": 1}, {"x": 2}]}`, `{"a": [{"x": 1}, {"y": 2}]}`},
			{"key order", `{"a": {"x": 1, "y": 2}}`, `{"a": {"y": 2, "x": 1}}`},
		} {
			var old, set bson.D
			if err := bson.UnmarshalExtJSON([]byte(c.old), false, &old); err != nil {
				t.Fatal(err)
			}
			if err := bson.UnmarshalExtJSON([]byte(c.new), false, &set); err != nil {
				t.Fatal(err)
			}
			mustInsert(t, col, append(bson.D{{Key: "_id", Value: c.name}}, old...))
			res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: c.name}}, bson.D{{Key: "$set", Value: set}})
			if err != nil {
				t.Fatal(err)
			}
			var got bson.D
			if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: c.name}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 0}})).Decode(&got); err != nil {
				t.Fatal(err)
			}
			want, _ := bson.MarshalExtJSON(set, false, false)
			if have, _ := bson.MarshalExtJSON(got, false, false); string(have) != string(want) || res.ModifiedCount != 1 {
				t.Errorf("%s: %s then $set %s: document %s (modified %d), want %s (modified 1)",
					c.name, c.old, c.new, have, res.ModifiedCount, want)
			}
		}
	})

	// The _id lookup subtests time the same operation in a collection of 1,000 and one of 100,000 documents, filled
	// by the first of them to run.
	small, big := db.Collection("small"), db.Collection("big")
	filled := false
	fillSmallAndBig := func(t *testing.T) {
		if filled {
			return
		}
		start := time.Now()
		fill(t, small, 1_000)
		fill(t, big, 100_000)
		filled = true
		t.Logf("inserted 101,000 documents in %v", time.Since(start).Round(time.Millisecond))
	}
	// The i-th key of a collection of n documents: spread over the whole collection (a key inserted early would be
	// found early by a scan, which then stops), each operation on its own keys (i from 0, 100, ..., 400 up in
	// IDLookupDoesNotScan, which deletes those of 400 up; 500 to 999 in IDInDoesNotScan).
	key := func(col *mongo.Collection, i int) string {
		n := 1_000
		if col == big {
			n = 100_000
		}
		return fmt.Sprintf("k%06d", i*7919%n) // 7919 is prime: i -> key is one-to-one for i < n
	}

	t.Run("IDLookupDoesNotScan", func(t *testing.T) {
		fillSmallAndBig(t)
		ops := []struct {
			name string
			run  func(col *mongo.Collection, i int) error
		}{
			{"FindOne({_id})", func(col *mongo.Collection, i int) error {
				return col.FindOne(ctx, bson.D{{Key: "_id", Value: key(col, i)}}).Err()
			}},
			{"UpdateOne({_id, v})", func(col *mongo.Collection, i int) error {
				return expectOne(col.UpdateOne(ctx, bson.D{{Key: "_id", Value: key(col, i+100)}, {Key: "v", Value: 0}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "w", Value: i}}}}))
			}},
			{"FindOneAndUpdate({_id, v})", func(col *mongo.Collection, i int) error {
				return col.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: key(col, i+200)}, {Key: "v", Value: 0}},
					bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}).Err()
			}},
			{"CountDocuments({_id})", func(col *mongo.Collection, i int) error {
				n, err := col.CountDocuments(ctx, bson.D{{Key: "_id", Value: key(col, i+300)}})
				if err == nil && n != 1 {
					err = fmt.Errorf("counted %d", n)
				}
				return err
			}},
			{"DeleteOne({_id, v})", func(col *mongo.Collection, i int) error {
				res, err := col.DeleteOne(ctx, bson.D{{Key: "_id", Value: key(col, i+400)}, {Key: "v", Value: 0}})
				if err == nil && res.DeletedCount != 1 {
					err = fmt.Errorf("deleted %d", res.DeletedCount)
				}
				return err
			}},
		}
		for _, op := range ops {
			smallMedian := medianOf(t, op.name, func(i int) error { return op.run(small, i) })
			bigMedian := medianOf(t, op.name, func(i int) error { return op.run(big, i) })
			// 5x, with a floor so that a sub-millisecond median on a busy 2-core machine does not flake.
			limit := max(5*smallMedian, 2*time.Millisecond)
			t.Logf("%-27s median 1k docs %8v  100k docs %8v", op.name, smallMedian, bigMedian)
			if bigMedian > limit {
				t.Errorf("%s: median %v in 100,000 documents, %v in 1,000: more than %v, so it scans the collection",
					op.name, bigMedian, smallMedian, limit)
			}
		}
	})

	t.Run("IDInDoesNotScan", func(t *testing.T) {
		fillSmallAndBig(t)
		// keys returns n keys of the collection, of indexes 500 + from, 500 + from + 1, ... (999 wraps round to 500).
		keys := func(col *mongo.Collection, from, n int) []any {
			ks := make([]any, n)
			for j := range ks {
				ks[j] = key(col, 500+(from+j)%500)
			}
			return ks
		}
		in := func(ids []any) bson.D { return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}} }

		// Right documents: present ones only, other keys applied, duplicates once, mixed _id types, lists of any length.
		missing := []any{"k999999x", "nope", bson.NewObjectID()}
		present := keys(big, 0, 50)
		for _, c := range []struct {
			name   string
			filter bson.D
			want   []any
		}{
			{"present and missing", in(append(slices.Clone(missing), present...)), present},
			{"only missing", in(missing), nil},
			{"other key matching", append(in(present), bson.E{Key: "v", Value: 0}), present},
			{"other key first", append(bson.D{{Key: "v", Value: 0}}, in(present)...), present},
			{"other key not matching", append(in(present), bson.E{Key: "v", Value: 1}), nil},
			{"duplicates", in(append(slices.Clone(present), present...)), present},
			{"one value", in(present[:1]), present[:1]},
		} {
			checkIDs(t, big, c.name, c.filter, c.want)
		}
		all := keys(small, 0, 500) // at most 1,000 values are pushed down: a longer list is matched by a scan
		all = append(all, keys(small, 0, 500)...)
		checkIDs(t, small, "1,000 values", in(all[:1_000]), all[:500])
		checkIDs(t, small, "1,001 values", in(append(all[:1_000:1_000], "nope")), all[:500])

		mixed := db.Collection("mixed")
		oid, otherOID := bson.NewObjectID(), bson.NewObjectID()
		for _, id := range []any{oid, otherOID, "a", "b", int32(7), 8.5} {
			mustInsert(t, mixed, bson.D{{Key: "_id", Value: id}})
		}
		for _, c := range []struct {
			name string
			ids  []any
			want []any
		}{
			{"ObjectIDs and strings", []any{oid, "a", "c", bson.NewObjectID()}, []any{oid, "a"}},
			{"number of another type", []any{"b", 7.0}, []any{"b", int32(7)}},
			{"numbers", []any{int64(8), 8.5}, []any{8.5}},
			{"empty", []any{}, nil},
		} {
			checkIDs(t, mixed, c.name, in(c.ids), c.want)
		}

		// Served from the _id index, as explain shows.
		var explain bson.M
		if err := db.RunCommand(ctx, bson.D{{Key: "explain", Value: bson.D{{Key: "find", Value: "big"},
			{Key: "filter", Value: append(in(present), bson.E{Key: "v", Value: 0})}}}}).Decode(&explain); err != nil {
			t.Fatal(err)
		}
		if plan := fmt.Sprint(explain["queryPlanner"]); explain["filterPushdown"] != true || !strings.Contains(plan, "USING INDEX") {
			t.Errorf("explain of find {_id: {$in: [50 ids]}, v: 0}: filterPushdown %v, plan %s; want true and the _id index",
				explain["filterPushdown"], plan)
		}

		// Not slower in 100,000 documents than in 1,000 (each run on 100 other keys, spread over the collection).
		find := func(col *mongo.Collection) func(i int) error {
			return func(i int) error {
				ids := keys(col, 100*i, 100)
				got, err := findIDs(ctx, col, in(ids))
				if err == nil && !sameIDs(got, ids) {
					err = fmt.Errorf("found %d documents %v, want the %d of %v", len(got), got, len(ids), ids)
				}
				return err
			}
		}
		const name = "Find({_id: {$in: [100]}})"
		smallMedian := medianOf(t, name, find(small))
		bigMedian := medianOf(t, name, find(big))
		limit := max(5*smallMedian, 2*time.Millisecond)
		t.Logf("%-27s median 1k docs %8v  100k docs %8v", name, smallMedian, bigMedian)
		if bigMedian > limit {
			t.Errorf("%s: median %v in 100,000 documents, %v in 1,000: more than %v, so it scans the collection",
				name, bigMedian, smallMedian, limit)
		}
	})
}

// findIDs returns the _id of every document the filter finds.
func findIDs(ctx context.Context, col *mongo.Collection, filter bson.D) ([]any, error) {
	cur, err := col.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []struct {
		ID any `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	ids := make([]any, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// sameIDs reports whether got holds each of want's distinct values exactly once, in any order.
func sameIDs(got, want []any) bool {
	key := func(ids []any) []string {
		ks := make([]string, len(ids))
		for i, id := range ids {
			ks[i] = fmt.Sprintf("%T %v", id, id)
		}
		slices.Sort(ks)
		return ks
	}
	return slices.Equal(key(got), slices.Compact(key(want)))
}

// checkIDs fails the test unless the filter finds exactly the documents with the wanted _id.
func checkIDs(t *testing.T, col *mongo.Collection, name string, filter bson.D, want []any) {
	t.Helper()
	got, err := findIDs(context.Background(), col, filter)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !sameIDs(got, want) {
		ext, _ := bson.MarshalExtJSON(filter, false, false)
		t.Errorf("%s: %s found %v, want %v", name, ext, got, want)
	}
}

func dbName(t *testing.T) string {
	name := []byte(testenv.UniqueName(t))
	for i, c := range name {
		if c == '-' {
			name[i] = '_'
		}
	}
	return string(name)
}

func mustInsert(t *testing.T, col *mongo.Collection, doc bson.D) {
	t.Helper()
	if _, err := col.InsertOne(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
}

// inParallel runs f in n goroutines released together, and fails the test if any returns an error.
func inParallel(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	if err := errors.Join(goroutines(n, f)...); err != nil {
		t.Fatal(err)
	}
}

// goroutines runs f in n goroutines released together and returns their errors.
func goroutines(n int, f func(i int) error) []error {
	var wg sync.WaitGroup
	gate := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-gate
			errs[i] = f(i)
		})
	}
	close(gate)
	wg.Wait()
	return errs
}

func intField(t *testing.T, col *mongo.Collection, id, field string) int {
	t.Helper()
	var d bson.M
	if err := col.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	switch v := d[field].(type) {
	case int32:
		return int(v)
	case int64:
		return int(v)
	}
	t.Fatalf("%s.%s = %#v", id, field, d[field])
	return 0
}

// fill inserts n small documents {_id: "k000000", v: 0, ...} in batches of 10,000.
func fill(t *testing.T, col *mongo.Collection, n int) {
	t.Helper()
	for from := 0; from < n; from += 10_000 {
		docs := make([]any, 0, 10_000)
		for i := from; i < min(n, from+10_000); i++ {
			docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("k%06d", i)}, {Key: "v", Value: 0}})
		}
		if _, err := col.InsertMany(context.Background(), docs); err != nil {
			t.Fatal(err)
		}
	}
}

func expectOne(res *mongo.UpdateResult, err error) error {
	if err == nil && res.ModifiedCount != 1 {
		err = fmt.Errorf("modified %d", res.ModifiedCount)
	}
	return err
}

// medianOf runs f 50 times (fewer when it is so slow that 50 would take over 10s, at least 5) and returns the
// median duration.
func medianOf(t *testing.T, name string, f func(i int) error) time.Duration {
	t.Helper()
	var ds []time.Duration
	start := time.Now()
	for i := 0; i < 50 && (i < 5 || time.Since(start) < 10*time.Second); i++ {
		t0 := time.Now()
		if err := f(i); err != nil {
			t.Fatalf("%s #%d: %v", name, i, err)
		}
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
