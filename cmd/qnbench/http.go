package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
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
	return nil
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

// load sends GET url from conns goroutines for dur, after one warm-up request per connection.
func load(url string, dur time.Duration, conns int) stats {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	for range conns {
		if resp, err := client.Get(url); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	return drive(conns, dur, func(int, int) error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	})
}
