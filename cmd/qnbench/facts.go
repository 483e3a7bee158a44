package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// machineFacts describes the machine the figures come from.
func machineFacts() string {
	model, mem := "unknown CPU", "unknown RAM"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if kb, err := procStatusLike("/proc/meminfo", "MemTotal"); err == nil {
		mem = fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
	}
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("%d CPUs (GOMAXPROCS %d), %s, %s; %s %s/%s; load average %s at start (the machine may be shared: each figure's note says how busy other processes kept the CPUs)",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), model, mem, runtime.Version(), runtime.GOOS, runtime.GOARCH, load)
}
