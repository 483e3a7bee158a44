package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// httpBenchmarks measures GET routes of the service beside a bare gin handler in the same run; the ratio
// travels between machines, the absolute figures do not.
func httpBenchmarks(rs *results, st *stack, dur time.Duration, conns int) error {
	svc, err := st.startApp("http", nil)
	if err != nil {
		return err
	}
	defer svc.stop()
	bare, stopBare, err := bareGin()
	if err != nil {
		return err
	}
	defer stopBare()

	note := fmt.Sprintf("GET, %d keep-alive connections, %s, client in the same process", conns, dur)
	bareStats := load(bare+"/bare", dur, conns)
	bareStats.report(rs, "http.bare_gin", "req/s", note+"; gin.New() handler writing {\"status\":\"ok\"}")
	for _, route := range []struct{ name, path string }{
		{"http.readyz", "/readyz"},
		{"http.get_category", "/v1/categories/road_damage"},
		{"http.list_categories", "/v1/categories"},
	} {
		s := load(svc.url+route.path, dur, conns)
		s.report(rs, route.name, "req/s", note+"; "+route.path)
		if bareStats.rps > 0 {
			rs.add(route.name+".ratio_to_bare_gin", s.rps/bareStats.rps, "ratio", "req/s of "+route.path+" ÷ req/s of the bare gin handler")
		}
	}
	return idReadBenchmark(rs, st, svc, dur, conns)
}

func bareGin() (string, func(), error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/bare", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	s := &http.Server{Handler: r}
	go func() { _ = s.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = s.Close() }, nil
}

// load sends GET url from conns goroutines for dur, after one warm-up request per connection, with the
// Authorization header auth when it is not empty.
func load(url string, dur time.Duration, conns int, auth ...string) stats {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	get := func() error {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if len(auth) > 0 {
			req.Header.Set("Authorization", auth[0])
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	for range conns {
		_ = get()
	}
	return drive(conns, dur, func(int, int) error { return get() })
}

// idReadDocs is how many reports the `_id` read benchmark's collection holds.
const idReadDocs = 10000

// idReadBenchmark measures GET /v1/reports/{id} (a resident reading their report: token check, one read
// by _id, the JSON view) beside the bare driver's FindOne by _id of the same document, at the same
// concurrency, in the same run: the ratio is the service's own cost around one _id read.
func idReadBenchmark(rs *results, st *stack, svc *inproc, dur time.Duration, conns int) error {
	ctx := context.Background()
	mc, err := st.mongo()
	if err != nil {
		return err
	}
	defer mc.Disconnect(ctx)
	col := mc.Database(st.database("http")).Collection("reports")
	const resident = "bench-http-resident"
	ph := photo{bytes: []byte("x"), width: 4000, height: 3000}
	docs := make([]any, 0, 1000)
	for i := range idReadDocs {
		d := reportDoc(fmt.Sprintf("bench-read-%05d", i), "originals/bench/p1", ph)
		for j := range d {
			switch d[j].Key {
			case "reporter_id":
				d[j].Value = resident
			case "code":
				d[j].Value = fmt.Sprintf("QN-2604-%05d", i+1)
			}
		}
		docs = append(docs, d)
		if len(docs) == cap(docs) {
			if _, err := col.InsertMany(ctx, docs); err != nil {
				return fmt.Errorf("seed reports: %w", err)
			}
			docs = docs[:0]
		}
	}
	tok, err := residentToken(svc.env, resident)
	if err != nil {
		return err
	}
	id := fmt.Sprintf("bench-read-%05d", idReadDocs/2)
	note := fmt.Sprintf("%d keep-alive connections, %s, client in the same process; one report of %d in the collection", conns, dur, idReadDocs)
	raw := drive(conns, dur, func(int, int) error {
		var out bson.Raw
		return col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&out)
	})
	raw.report(rs, "http.id_read.driver", "reads/s", note+"; mongo-driver FindOne({_id}) decoded to bson.Raw")
	svcStats := load(svc.url+"/v1/reports/"+id, dur, conns, "Bearer "+tok)
	svcStats.report(rs, "http.id_read.get_report", "req/s", note+"; GET /v1/reports/{id} as its reporter (token check, one _id read, JSON)")
	if raw.rps > 0 {
		rs.add("http.id_read.ratio_to_driver", svcStats.rps/raw.rps, "ratio", "req/s of GET /v1/reports/{id} ÷ reads/s of the bare FindOne by _id, same concurrency, same run (goal ≥ 0.7); "+note)
	}
	return nil
}
