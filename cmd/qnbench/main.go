// Command qnbench runs the project's benchmarks against the real servers and prints every figure twice:
// as a table for people and as JSON lines ({"name","value","unit"}) for tools.
//
// HTTP figures: requests/s and p50/p99 latency under concurrent connections, each beside a bare gin handler
// measured in the same run (the ratio is the figure: machines differ, ratios travel). Go micro-benchmarks of
// the domain packages (`go test -bench`) are run and reported in the same table.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/quangninh/feedback/internal/app"
	"github.com/quangninh/feedback/internal/testenv"
)

// Result is one figure.
type Result struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	Note  string  `json:"note,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "qnbench:", err)
		os.Exit(1)
	}
}

func run() error {
	dur := flag.Duration("duration", 5*time.Second, "how long each HTTP load runs")
	conns := flag.Int("c", 64, "concurrent connections")
	goBench := flag.String("go-bench", "./internal/...", "packages whose Go benchmarks run (empty: none)")
	only := flag.String("only", "http,push,go", "which benchmarks run: a comma-separated subset of http, push, go")
	pushReports := flag.Int("push-notifications", 100, "push throughput: notifications in the backlog")
	pushDevices := flag.Int("push-devices", 50, "push throughput: devices each notification goes to")
	pushWorkers := flag.Int("push-workers", 16, "push throughput: dispatcher workers (concurrent FCM batches)")
	flag.Parse()
	sel := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		sel[strings.TrimSpace(s)] = true
	}

	var results []Result
	if sel["http"] {
		if err := httpBenchmarks(&results, *dur, *conns); err != nil {
			return err
		}
	}
	if sel["push"] {
		if err := pushBenchmarks(&results, *pushReports, *pushDevices-1, *pushWorkers); err != nil {
			return err
		}
	}
	if sel["go"] && *goBench != "" {
		if err := goBenchmarks(&results, *goBench); err != nil {
			return err
		}
	}
	print(results)
	return nil
}

func httpBenchmarks(results *[]Result, dur time.Duration, conns int) error {
	dir, err := os.MkdirTemp("", "qnbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := testenv.Start(dir)
	if err != nil {
		return err
	}
	defer srv.Stop()

	env := map[string]string{
		"HTTP_ADDR": "127.0.0.1:0", "MONGO_URI": srv.MongoURI, "MONGO_DATABASE": "bench",
		"S3_ENDPOINT": srv.S3Endpoint, "S3_ACCESS_KEY": srv.S3AccessKey, "S3_SECRET_KEY": srv.S3SecretKey,
		"S3_BUCKET": "bench", "LOG_LEVEL": "error",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, func(k string) string { return env[k] }, io.Discard, app.Options{Ready: func(a string) { ready <- a }})
	}()
	var base string
	select {
	case a := <-ready:
		base = "http://" + a
	case err := <-done:
		return fmt.Errorf("service: %w", err)
	}

	bare, stopBare, err := bareGin()
	if err != nil {
		return err
	}
	defer stopBare()

	bareStats := load(bare+"/bare", dur, conns)
	bareStats.report(results, "http.bare_gin", conns)
	for _, route := range []struct{ name, path string }{
		{"http.readyz", "/readyz"},
		{"http.get_category", "/v1/categories/road_damage"},
		{"http.list_categories", "/v1/categories"},
	} {
		st := load(base+route.path, dur, conns)
		st.report(results, route.name, conns)
		*results = append(*results, Result{Name: route.name + ".ratio_to_bare_gin", Value: round(st.rps / bareStats.rps), Unit: "ratio"})
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

type stats struct {
	rps       float64
	p50, p99  time.Duration
	errors    int
	completed int
}

func (s stats) report(results *[]Result, name string, conns int) {
	note := fmt.Sprintf("%d connections", conns)
	*results = append(*results,
		Result{name + ".rps", round(s.rps), "req/s", note},
		Result{name + ".p50", round(float64(s.p50.Microseconds()) / 1000), "ms", note},
		Result{name + ".p99", round(float64(s.p99.Microseconds()) / 1000), "ms", note},
	)
	if s.errors > 0 {
		*results = append(*results, Result{name + ".errors", float64(s.errors), "count", note})
	}
}

// load sends GET url from conns goroutines for dur and measures every request.
func load(url string, dur time.Duration, conns int) stats {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	// warm up
	for range conns {
		if resp, err := client.Get(url); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	stop := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for time.Now().Before(stop) {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					bad++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					bad++
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	s := stats{completed: len(all), errors: errs}
	if len(all) > 0 {
		s.rps = float64(len(all)) / elapsed.Seconds()
		s.p50 = all[len(all)/2]
		s.p99 = all[len(all)*99/100]
	}
	return s
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// goBenchmarks runs `go test -bench` on pkgs and turns every reported metric into a result.
func goBenchmarks(results *[]Result, pkgs string) error {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "1s", pkgs)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test -bench: %w\n%s", err, out.String())
	}
	pkg := ""
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "pkg: ") {
			pkg = strings.TrimPrefix(line, "pkg: ")
			pkg = pkg[strings.LastIndex(pkg, "/")+1:]
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[2])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			*results = append(*results, Result{Name: "go." + pkg + "." + strings.TrimPrefix(m[1], "Benchmark"), Value: v, Unit: fields[i+1]})
		}
	}
	return sc.Err()
}

func round(v float64) float64 {
	return float64(int64(v*100+0.5)) / 100
}

func print(results []Result) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\tvalue\tunit\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%g\t%s\t\n", r.Name, r.Value, r.Unit)
	}
	_ = tw.Flush()
	fmt.Println()
	enc := json.NewEncoder(os.Stdout)
	for _, r := range results {
		_ = enc.Encode(r)
	}
}
