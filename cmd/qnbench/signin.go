package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"time"
)

// The demo officer SEED_DEMO=true creates.
const demoUser, demoPassword = "demo.officer", "Cam-Pha-Officer-2026"

// signinBenchmarks measures staff sign-in (issue 3): POST /v1/auth/login with a correct password, which
// costs one argon2id verification (m=19 MiB, t=2, p=1: deliberately expensive) plus the refresh-token write.
func signinBenchmarks(rs *results, st *stack, dur time.Duration, conns int) error {
	svc, err := st.startApp("signin", map[string]string{"SEED_DEMO": "true"})
	if err != nil {
		return err
	}
	defer svc.stop()
	body, _ := json.Marshal(map[string]string{"username": demoUser, "password": demoPassword})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	login := func(int, int) error {
		resp, err := client.Post(svc.url+"/v1/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d %.100s", resp.StatusCode, b)
		}
		return nil
	}
	if err := login(0, 0); err != nil {
		return fmt.Errorf("first login: %w", err)
	}
	c0, t0 := cpuTicks(), time.Now()
	s := drive(conns, dur, login)
	cpu := cpuUse(c0, cpuTicks(), time.Since(t0))
	s.report(rs, "signin.staff_login", "logins/s", cpu+"; "+fmt.Sprintf("POST /v1/auth/login as %s (correct password; the throttle only counts failures), %d concurrent clients for %s; each login verifies argon2id m=19 MiB t=2 p=1 (deliberately expensive) and stores a refresh token; %d CPUs shared with the client and FerretDB", demoUser, conns, dur, runtime.NumCPU()))
	return nil
}

// argon2Ceiling relates sign-in throughput to the password hash alone, when both were measured: the most
// logins per second the CPUs could do if they did nothing but argon2id.
func argon2Ceiling(rs *results) {
	rps, ok1 := rs.lookup("signin.staff_login.rps")
	ns, ok2 := rs.lookup("go.password.VerifyPassword")
	if !ok1 || !ok2 || ns <= 0 {
		return
	}
	ceiling := float64(runtime.NumCPU()) * 1e9 / ns
	rs.add("signin.argon2_ceiling", ceiling, "logins/s", fmt.Sprintf("%d CPUs ÷ %.1f ms per argon2id verification (go.password.VerifyPassword)", runtime.NumCPU(), ns/1e6))
	rs.add("signin.staff_login.ratio_to_argon2_ceiling", rps/ceiling, "ratio", "measured logins/s ÷ that ceiling")
}
