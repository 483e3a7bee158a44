package mongostore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/quangninh/feedback/internal/testenv"
)

// queryShape is what an index must serve: equality/range fields of the filter, then the sort.
type queryShape struct {
	Collection string
	Command    string
	Filter     []string
	Sort       []string
	ByID       bool
}

func (q queryShape) String() string {
	return fmt.Sprintf("%s on %s filter %v sort %v", q.Command, q.Collection, q.Filter, q.Sort)
}

// recorder collects the shape of every query command the store sends.
type recorder struct {
	mu     sync.Mutex
	shapes []queryShape
}

func (r *recorder) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		shapes := shapesOf(e.CommandName, e.Command)
		r.mu.Lock()
		r.shapes = append(r.shapes, shapes...)
		r.mu.Unlock()
	}}
}

func shapesOf(name string, cmd bson.Raw) []queryShape {
	col, _ := cmd.Lookup(name).StringValueOK()
	shape := func(filter, sort bson.Raw) queryShape {
		_, err := filter.LookupErr("_id")
		return queryShape{Collection: col, Command: name, Filter: fieldsOf(filter), Sort: keysOf(sort), ByID: err == nil}
	}
	doc := func(v bson.RawValue) bson.Raw { d, _ := v.DocumentOK(); return d }
	switch name {
	case "find":
		return []queryShape{shape(doc(cmd.Lookup("filter")), doc(cmd.Lookup("sort")))}
	case "findAndModify":
		return []queryShape{shape(doc(cmd.Lookup("query")), doc(cmd.Lookup("sort")))}
	case "count":
		return []queryShape{shape(doc(cmd.Lookup("query")), nil)}
	case "update", "delete":
		key := map[string]string{"update": "updates", "delete": "deletes"}[name]
		field := map[string]string{"update": "q", "delete": "q"}[name]
		arr, _ := cmd.Lookup(key).ArrayOK()
		vals, _ := arr.Values()
		var out []queryShape
		for _, v := range vals {
			out = append(out, shape(doc(doc(v).Lookup(field)), nil))
		}
		return out
	case "aggregate":
		arr, _ := cmd.Lookup("pipeline").ArrayOK()
		vals, _ := arr.Values()
		var match, srt bson.Raw
		for _, v := range vals {
			st := doc(v)
			if m, ok := st.Lookup("$match").DocumentOK(); ok && match == nil {
				match = m
			}
			if s, ok := st.Lookup("$sort").DocumentOK(); ok && srt == nil {
				srt = s
			}
		}
		return []queryShape{shape(match, srt)}
	}
	return nil
}

// fieldsOf lists the fields a filter constrains, looking through $and/$or.
func fieldsOf(filter bson.Raw) []string {
	var out []string
	elems, _ := filter.Elements()
	for _, e := range elems {
		k := e.Key()
		if k == "$and" || k == "$or" {
			arr, _ := e.Value().ArrayOK()
			vals, _ := arr.Values()
			for _, v := range vals {
				d, _ := v.DocumentOK()
				out = append(out, fieldsOf(d)...)
			}
			continue
		}
		if !strings.HasPrefix(k, "$") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func keysOf(d bson.Raw) []string {
	elems, _ := d.Elements()
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		out = append(out, e.Key())
	}
	return out
}

// smallCollections hold a few dozen documents (the catalogue) and may be read whole.
// The outbox is kept small by deleting what was sent; the metrics read it whole.
var smallCollections = map[string]bool{colCategories: true, colAgencies: true, colOverrides: true, colQueues: true, colHolidays: true, colOutbox: true}

// covered reports whether a declared index (or _id) serves the shape: the filter's fields are the index's
// leading keys, and the sort's fields come right after them.
func covered(q queryShape) bool {
	if len(q.Filter) == 0 && smallCollections[q.Collection] {
		return true
	}
	if q.ByID {
		return true // a top-level _id condition picks the documents; the others only guard them
	}
	if len(q.Filter) == 0 && slices.Equal(q.Sort, []string{"_id"}) {
		return true // a page of the whole collection in _id order walks the _id index
	}
	candidates := [][]string{{"_id"}}
	for _, ix := range Indexes {
		if ix.Collection == q.Collection {
			candidates = append(candidates, keysOf(mustRaw(ix.Keys)))
		}
	}
	for _, keys := range candidates {
		if len(q.Filter) == 0 || len(keys) < len(q.Filter) {
			continue
		}
		lead := append([]string(nil), keys[:len(q.Filter)]...)
		sort.Strings(lead)
		filter := append([]string(nil), q.Filter...)
		sort.Strings(filter)
		if !slices.Equal(lead, filter) {
			continue
		}
		rest := keys[len(q.Filter):]
		sortKeys := slices.DeleteFunc(append([]string(nil), q.Sort...), func(k string) bool { return slices.Contains(q.Filter, k) })
		if len(sortKeys) == 0 || (len(sortKeys) <= len(rest) && slices.Equal(rest[:len(sortKeys)], sortKeys)) ||
			(len(sortKeys) == 1 && sortKeys[0] == "_id") {
			return true
		}
	}
	return false
}

func mustRaw(d bson.D) bson.Raw {
	b, err := bson.Marshal(d)
	if err != nil {
		panic(err)
	}
	return b
}

// openTestStore opens a store on its own database of the shared test servers. When the test ends, it checks
// that every query the test caused has an index, and drops the database.
func openTestStore(t *testing.T) *Store {
	t.Helper()
	srv := testenv.Shared(t)
	rec := &recorder{}
	name := strings.ReplaceAll(testenv.UniqueName(t), "-", "_")
	s, err := Open(testenv.Context(t), srv.MongoURI, name, Options{Monitor: rec.monitor()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIndexes(testenv.Context(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Copy under the lock, then check and drop without it: Drop itself goes through the monitor.
		rec.mu.Lock()
		shapes := append([]queryShape(nil), rec.shapes...)
		rec.mu.Unlock()
		for _, q := range shapes {
			if !covered(q) {
				t.Errorf("no declared index serves %s", q)
			}
		}
		_ = s.Drop(context.Background())
		_ = s.Close(context.Background())
	})
	return s
}

func TestCoveredRule(t *testing.T) {
	saved := Indexes
	t.Cleanup(func() { Indexes = saved })
	Indexes = []Index{{Collection: "reports", Name: "by_owner", Keys: bson.D{{Key: "owner", Value: 1}, {Key: "created", Value: -1}}}}
	for _, tc := range []struct {
		q    queryShape
		want bool
	}{
		{queryShape{Collection: "reports", Filter: []string{"_id"}}, true},
		{queryShape{Collection: "reports", Filter: []string{"owner"}, Sort: []string{"created"}}, true},
		{queryShape{Collection: "reports", Filter: []string{"owner", "created"}}, true},
		{queryShape{Collection: "reports", Filter: []string{"status"}}, false},
		{queryShape{Collection: "reports", Filter: []string{"created"}}, false},
		{queryShape{Collection: "reports", Filter: nil}, false},
		{queryShape{Collection: "reports", Filter: nil, Sort: []string{"_id"}}, true},
		{queryShape{Collection: "reports", Filter: nil, Sort: []string{"created"}}, false},
		{queryShape{Collection: colCategories, Filter: nil, Sort: []string{"_id"}}, true},
	} {
		if got := covered(tc.q); got != tc.want {
			t.Errorf("covered(%s) = %v, want %v", tc.q, got, tc.want)
		}
	}
}
