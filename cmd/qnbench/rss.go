package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// rssBenchmarks starts the service as its own process (so its memory is its own), lets clients upload one
// big photo each at the same moment, and reads the process's resident set from /proc while they do and
// while the photo worker then renders their derivatives.
func rssBenchmarks(rs *results, st *stack, root, serverBin string, ph photo, clients int, settle time.Duration) error {
	ctx := context.Background()
	bin, built := serverBin, ""
	if bin == "" {
		bin = filepath.Join(st.dir, "qnfeedback")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/qnfeedback")
		cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build qnfeedback: %w", err)
		}
		built = " (built fresh from this tree)"
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	env := st.env("rss", map[string]string{"HTTP_ADDR": addr})
	cmd := exec.Command(bin)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v) // the last value of a key wins
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	pid := cmd.Process.Pid
	base := "http://" + addr
	if err := waitReady(base, exited, 60*time.Second); err != nil {
		return fmt.Errorf("%s: %w\n%s", bin, err, logs.String())
	}
	time.Sleep(time.Second) // let start-up garbage settle
	rssIdle, hwmStart, err := rssOf(pid)
	if err != nil {
		return err
	}
	resetNote := "VmHWM reset after start-up (clear_refs), so the peak is the load's own"
	if err := resetPeak(pid); err != nil {
		resetNote = "VmHWM could not be reset after start-up (" + err.Error() + "): the peak may be start-up's"
	}

	ct, body := reportBody(ph.bytes)
	sub, err := newSubmitter(base, env, "rss", clients, ct, body)
	if err != nil {
		return err
	}
	defer sub.close()
	smp := sample(pid, 10*time.Millisecond)
	defer smp.close()

	gate := make(chan struct{})
	var mu sync.Mutex
	failures := map[string]int{}
	ok := 0
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			<-gate
			err := sub.submit(w, 0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures[errKind(err)]++
			} else {
				ok++
			}
		})
	}
	c0, t0 := cpuTicks(), time.Now()
	close(gate)
	wg.Wait()
	upload := time.Since(t0)
	cpu := cpuUse(c0, cpuTicks(), upload)
	sampledUploads := smp.take()
	rssUploads, hwmUploads, err := rssOf(pid)
	if err != nil {
		return err
	}

	// Then the worker renders the derivatives (one photo at a time): watch for settle at most.
	mc, err := st.mongo()
	if err != nil {
		return err
	}
	defer mc.Disconnect(ctx)
	var ready int64
	for deadline := time.Now().Add(settle); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if _, ready, err = photoProgress(ctx, mc, st.database("rss")); err == nil && ready >= int64(ok) {
			break
		}
	}
	watched := time.Since(t0)
	sampledAfter := smp.take()
	rssEnd, hwmEnd, err := rssOf(pid)
	if err != nil {
		return err
	}

	gc := "GOGC=" + orUnset(os.Getenv("GOGC")) + ", GOMEMLIMIT=" + orUnset(os.Getenv("GOMEMLIMIT"))
	proc := fmt.Sprintf("qnfeedback as a separate process%s, default config, %s", built, gc)
	load := fmt.Sprintf("%d clients each POST one report with 1 photo (%s, body %d bytes) at the same moment, fresh connections", clients, ph, len(body))
	rs.add("rss.before_load", mb(rssIdle), "MiB", "VmRSS after start-up, idle; "+proc)
	rs.add("rss.startup_peak", mb(hwmStart), "MiB", "VmHWM after start-up (catalogue, jurisdiction index), before any request")
	rs.add("rss.uploads.succeeded", float64(ok), "count", fmt.Sprintf("of %d uploads answered 201%s", clients, failureNote(failures)))
	rs.add("rss.uploads.wall_time", upload.Seconds(), "s", fmt.Sprintf("from release to the last answer (%.0f MiB/s in aggregate); %s", mb(int64(ok*len(body)))/upload.Seconds(), cpu))
	rs.add("rss.peak_during_uploads", mb(hwmUploads), "MiB", fmt.Sprintf("VmHWM when the last upload was answered (goal < 150 MB); the photo worker waits while submissions are being stored (Worker.Busy, at most 10 s in a row), so most of its renders come after, in the next figure; highest 10 ms VmRSS sample %.1f MiB, VmRSS then %.1f MiB; %s; %s", mb(sampledUploads), mb(rssUploads), resetNote, load))
	rs.add("rss.peak_with_derivatives", mb(hwmEnd), "MiB", fmt.Sprintf("VmHWM %.1f s after release, the worker having rendered %d of %d photos by then (one at a time; 12 MP each); highest sample after the uploads %.1f MiB", watched.Seconds(), ready, ok, mb(sampledAfter)))
	rs.add("rss.after_load", mb(rssEnd), "MiB", fmt.Sprintf("VmRSS %.1f s after release (Go returns freed memory to the OS gradually)", watched.Seconds()))
	return rssPixelBombs(rs, pid, base, env, clients, mc, st.database("rss"), 2*time.Minute)
}

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

func failureNote(failures map[string]int) string {
	if len(failures) == 0 {
		return ""
	}
	var parts []string
	for k, n := range failures {
		parts = append(parts, fmt.Sprintf("%d× %s", n, k))
	}
	sort.Strings(parts)
	return "; failed: " + strings.Join(parts, "; ")
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady polls GET /readyz until it answers 200.
func waitReady(base string, exited <-chan struct{}, limit time.Duration) error {
	c := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case <-exited:
			return errors.New("exited during start-up")
		default:
		}
		if resp, err := c.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("not ready within %s", limit)
}
