package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cpuTicks returns the CPU time (user + system, in clock ticks) of this process and each of its descendants,
// summed by command name: this process ("qnbench": the load client and any in-process service), the dev
// stack (FerretDB with SQLite runs inside it), versitygw, a separately started qnfeedback.
func cpuTicks() map[string]int64 {
	type proc struct {
		ppid  int
		comm  string
		ticks int64
	}
	procs := map[int]proc{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		f := strings.Fields(s[close+1:]) // f[0] is the state, field 3 of stat
		if len(f) < 13 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		procs[pid] = proc{ppid: ppid, comm: s[open+1 : close], ticks: ut + st}
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil { // cpu user nice system idle iowait irq softirq steal
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		var busy int64
		for i, v := range f[1:min(len(f), 9)] {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && i != 3 && i != 4 { // not idle, iowait
				busy += n
			}
		}
		procs[-1] = proc{ppid: -1, comm: machineBusy, ticks: busy}
	}
	self := os.Getpid()
	out := map[string]int64{machineBusy: procs[-1].ticks}
	for pid, p := range procs {
		for q, hops := pid, 0; q > 1 && hops < 10; q, hops = procs[q].ppid, hops+1 {
			if q == self {
				name := p.comm
				if pid == self {
					name = "qnbench"
				}
				out[name] += p.ticks
				break
			}
		}
	}
	return out
}

// machineBusy is the key of the whole machine's busy time in a cpuTicks snapshot.
const machineBusy = "(machine)"

// cpuUse says how busy each process was between two cpuTicks snapshots, in cores (CPU seconds per second).
func cpuUse(before, after map[string]int64, elapsed time.Duration) string {
	const hz = 100 // USER_HZ on Linux
	var parts []string
	total := 0.0
	for name, t := range after {
		cores := float64(t-before[name]) / hz / elapsed.Seconds()
		if name == machineBusy || cores < 0.005 {
			continue
		}
		total += cores
		parts = append(parts, fmt.Sprintf("%s %.2f", name, cores))
	}
	sort.Strings(parts)
	if m, ok := after[machineBusy]; ok {
		all := float64(m-before[machineBusy]) / hz / elapsed.Seconds()
		return fmt.Sprintf("CPU cores busy: %s (total %.2f); other processes on the machine %.2f", strings.Join(parts, ", "), total, max(0, all-total))
	}
	return fmt.Sprintf("CPU cores busy: %s (total %.2f)", strings.Join(parts, ", "), total)
}
