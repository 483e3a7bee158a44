package mongostore

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
)

var (
	cmdMu    sync.Mutex
	cmdStart = map[int64]struct {
		key string
		t   time.Time
	}{}
	cmdStats = map[string][2]float64{}
)

var wsem chan struct{}
var wheld sync.Map

func isWrite(n string) bool {
	return n == "insert" || n == "update" || n == "delete" || n == "findAndModify"
}

func chainStats(m *event.CommandMonitor) *event.CommandMonitor {
	if os.Getenv("QN_CMDSTATS") == "" {
		return m
	}
	if v := os.Getenv("QN_WSEM"); v != "" {
		n := 0
		fmt.Sscan(v, &n)
		wsem = make(chan struct{}, n)
	}
	out := &event.CommandMonitor{}
	out.Started = func(ctx context.Context, e *event.CommandStartedEvent) {
		key := e.CommandName
		if el, err := e.Command.IndexErr(0); err == nil {
			if s, ok := el.Value().StringValueOK(); ok {
				key += " " + s
			}
		}
		if wsem != nil && isWrite(e.CommandName) {
			wsem <- struct{}{}
			wheld.Store(e.RequestID, true)
		}
		cmdMu.Lock()
		cmdStart[e.RequestID] = struct {
			key string
			t   time.Time
		}{key, time.Now()}
		cmdMu.Unlock()
		if m != nil && m.Started != nil {
			m.Started(ctx, e)
		}
	}
	done := func(id int64) {
		if _, ok := wheld.LoadAndDelete(id); ok {
			<-wsem
		}
		cmdMu.Lock()
		s, ok := cmdStart[id]
		if ok {
			delete(cmdStart, id)
			v := cmdStats[s.key]
			v[0]++
			v[1] += time.Since(s.t).Seconds()
			cmdStats[s.key] = v
		}
		cmdMu.Unlock()
	}
	out.Succeeded = func(ctx context.Context, e *event.CommandSucceededEvent) {
		done(e.RequestID)
		if m != nil && m.Succeeded != nil {
			m.Succeeded(ctx, e)
		}
	}
	out.Failed = func(ctx context.Context, e *event.CommandFailedEvent) {
		done(e.RequestID)
		if m != nil && m.Failed != nil {
			m.Failed(ctx, e)
		}
	}
	return out
}

// DumpCmdStats returns and resets the command stats.
func DumpCmdStats() string {
	cmdMu.Lock()
	defer cmdMu.Unlock()
	keys := make([]string, 0, len(cmdStats))
	for k := range cmdStats {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return cmdStats[keys[i]][1] > cmdStats[keys[j]][1] })
	out := ""
	for _, k := range keys {
		v := cmdStats[k]
		out += fmt.Sprintf("%-40s n %6.0f  total %7.2fs  avg %6.1fms\n", k, v[0], v[1], 1000*v[1]/v[0])
	}
	cmdStats = map[string][2]float64{}
	return out
}
