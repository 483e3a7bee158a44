package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// goBenchmarks runs `go test -bench` on pkgs (from the repository root) and turns every reported metric into a
// result named go.<package>.<benchmark>.
// A package that fails or exceeds timeout still contributes the benchmarks it finished; the failure is
// returned after them.
func goBenchmarks(rs *results, root, pkgs string, timeout time.Duration) error {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "1s", "-timeout", timeout.String(), pkgs)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stderr = os.Stderr
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	runErr := cmd.Run()
	var failed []string
	note := fmt.Sprintf("go test -bench, -benchtime 1s, GOMAXPROCS %d", runtime.GOMAXPROCS(0))
	pkg := ""
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p[strings.LastIndex(p, "/")+1:]
			continue
		}
		if p, ok := strings.CutPrefix(line, "FAIL\t"); ok {
			failed = append(failed, strings.Fields(p)[0])
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
			*rs = append(*rs, Result{Name: "go." + pkg + "." + strings.TrimPrefix(m[1], "Benchmark"), Value: v, Unit: fields[i+1], Note: note})
		}
	}
	if runErr != nil {
		return fmt.Errorf("go test -bench (timeout %s per package): %w; failed: %s (its output is above on stderr)", timeout, runErr, strings.Join(failed, ", "))
	}
	return sc.Err()
}
