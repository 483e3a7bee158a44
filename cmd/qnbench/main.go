// Command qnbench runs the project's benchmarks against the real servers and prints every figure twice:
// as a table for people and as JSON lines ({"name","value","unit","note"}) for tools. Each note says the
// data sizes and conditions behind its figure.
//
// Sections (-only picks some): http (GET routes beside a bare gin handler in the same run: the ratio is the
// figure, machines differ, ratios travel); access (what checking every access token against its account
// costs: a resident's GET /v1/reports/{id} with the check beside the same without it); intake (report submission with a ~2 MB photo beside raw S3 +
// MongoDB writes); rss (peak memory of the service process under 64 concurrent 10 MB uploads); signin
// (staff logins/s); map (1,000,000 resolved reports seeded into the public map's tiles, then map queries at
// zooms 8, 12 and 16 through the API beside the same query done with the driver, and publishing); open311
// (Open311 GET requests in JSON and XML beside the public map, at the http section's concurrency); push;
// duplicates (the photo fingerprint's precision and recall on the evaluation set, its CPU cost on a 12 MP
// photo, and the possible-duplicate lookup with 100,000 open reports); gobench (`go test -bench` of the
// domain packages, converted).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/quangninh/feedback/internal/testenv"
)

var sections = []string{"http", "access", "tracing", "intake", "rss", "signin", "map", "open311", "push", "duplicates", "gobench"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "qnbench:", err)
		os.Exit(1)
	}
}

func run() error {
	only := flag.String("only", strings.Join(sections, ","), "comma-separated sections to run: "+strings.Join(sections, ","))
	dur := flag.Duration("duration", 5*time.Second, "how long each GET load of the http section runs")
	conns := flag.Int("c", 64, "concurrent connections of the http section")
	intakeDur := flag.Duration("intake-duration", 30*time.Second, "how long the intake load and its baseline run, each (long enough to average over the dispatcher's batches)")
	intakeConns := flag.Int("intake-c", 32, "concurrent submitters of the intake section")
	rssClients := flag.Int("rss-clients", 64, "clients uploading one big photo each at once in the rss section")
	rssSettle := flag.Duration("rss-settle", 10*time.Second, "how long after release the rss section keeps watching (photo worker)")
	serverBin := flag.String("server-bin", "", "qnfeedback binary for the rss section (empty: build it from this tree)")
	signinDur := flag.Duration("signin-duration", 5*time.Second, "how long the sign-in load runs")
	signinConns := flag.Int("signin-c", 8, "concurrent clients of the sign-in section")
	goBench := flag.String("go-bench", "./internal/...", "packages whose Go benchmarks the gobench section runs")
	goBenchTimeout := flag.Duration("go-bench-timeout", 30*time.Second, "go test -timeout for each package's benchmarks (keeps the default run short)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (client and in-process service) to this file")
	heapProfile := flag.String("memprofile", "", "write an allocation profile of this process (client and in-process service) to this file at the end")
	mapN := flag.Int("map-reports", 1000000, "reports seeded into the public map's tile documents for the map section")
	mapRounds := flag.Int("map-rounds", 30, "map queries per zoom level and path in the map section")
	open311N := flag.Int("open311-reports", 10000, "open311 section: public reports published before the GET requests load")
	pushReports := flag.Int("push-notifications", 100, "push section: notifications in the backlog")
	pushDevices := flag.Int("push-devices", 50, "push section: devices each notification goes to")
	pushWorkers := flag.Int("push-workers", 16, "push section: dispatcher workers (concurrent FCM batches)")
	dupVariants := flag.Int("dup-variants", 6, "duplicates section: generated variants of each evaluation photograph")
	dupReports := flag.Int("dup-reports", 100000, "duplicates section: open reports seeded into the spatial buckets")
	dupRounds := flag.Int("dup-rounds", 200, "duplicates section: candidate lookups timed")
	flag.Parse()
	if *heapProfile != "" {
		defer func() {
			if f, err := os.Create(*heapProfile); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	want := map[string]bool{}
	for s := range strings.SplitSeq(*only, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.Contains(sections, s) {
			return fmt.Errorf("-only: unknown section %q (have %s)", s, strings.Join(sections, ","))
		}
		want[s] = true
	}
	root, err := testenv.Root()
	if err != nil {
		return err
	}

	fmt.Printf("# qnbench %s\n# machine: %s\n", time.Now().Format(time.RFC3339), machineFacts())
	var small, big photo
	if want["intake"] {
		if small, err = intakePhoto(); err != nil {
			return err
		}
		fmt.Printf("# intake: %d submitters × %s, each report with 1 photo: %s\n", *intakeConns, *intakeDur, small)
	}
	if want["rss"] {
		if big, err = bigPhoto(); err != nil {
			return err
		}
		fmt.Printf("# rss: %d clients at once, each report with 1 photo: %s\n", *rssClients, big)
	}
	if want["http"] {
		fmt.Printf("# http: GET, %d connections × %s per route\n", *conns, *dur)
	}
	if want["signin"] {
		fmt.Printf("# signin: %d clients × %s, staff login %s\n", *signinConns, *signinDur, demoUser)
	}
	fmt.Println()

	var rs results
	var errs []error
	if want["map"] {
		fmt.Printf("# map: %d resolved reports seeded straight into the tile documents; %d queries per zoom and path\n", *mapN, *mapRounds)
	}
	if want["http"] || want["access"] || want["tracing"] || want["intake"] || want["rss"] || want["signin"] || want["map"] || want["open311"] || want["duplicates"] {
		st, err := startStack()
		if err != nil {
			return err
		}
		step := func(name string, f func() error) {
			if !want[name] {
				return
			}
			t0 := time.Now()
			if err := f(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			fmt.Fprintf(os.Stderr, "qnbench: %s took %s\n", name, time.Since(t0).Round(100*time.Millisecond))
		}
		step("http", func() error { return httpBenchmarks(&rs, st, *dur, *conns) })
		step("access", func() error { return accessCheckBenchmark(&rs, st, *dur, *conns) })
		step("tracing", func() error { return tracingBenchmarks(&rs, st, *dur, *conns) })
		step("intake", func() error { return intakeBenchmarks(&rs, st, small, *intakeDur, *intakeConns) })
		step("rss", func() error { return rssBenchmarks(&rs, st, root, *serverBin, big, *rssClients, *rssSettle) })
		step("signin", func() error { return signinBenchmarks(&rs, st, *signinDur, *signinConns) })
		step("map", func() error {
			svc, err := st.startApp("map", nil)
			if err != nil {
				return err
			}
			defer svc.stop()
			var out []Result
			err = mapBenchmark(&out, svc.url, st.srv.MongoURI, st.database("map"), *mapN, *mapRounds)
			rs = append(rs, out...)
			return err
		})
		step("open311", func() error { return open311Benchmark(&rs, st, *open311N, *dur, *conns) })
		step("duplicates", func() error { return duplicatesBenchmarks(&rs, st, *dupVariants, *dupReports, *dupRounds) })
		st.stop()
	}
	if want["push"] {
		t0 := time.Now()
		var out []Result
		if err := pushBenchmarks(&out, *pushReports, *pushDevices-1, *pushWorkers); err != nil {
			errs = append(errs, fmt.Errorf("push: %w", err))
		}
		rs = append(rs, out...)
		fmt.Fprintf(os.Stderr, "qnbench: push took %s\n", time.Since(t0).Round(100*time.Millisecond))
	}
	if want["gobench"] {
		t0 := time.Now()
		if err := goBenchmarks(&rs, root, *goBench, *goBenchTimeout); err != nil {
			errs = append(errs, fmt.Errorf("gobench: %w", err))
		}
		fmt.Fprintf(os.Stderr, "qnbench: gobench took %s\n", time.Since(t0).Round(100*time.Millisecond))
	}
	argon2Ceiling(&rs)
	print(rs)
	return errors.Join(errs...)
}
