package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/event"
)

// commandCounts counts the MongoDB commands a service sends, by command name and collection.
type commandCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *commandCounts) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		name := e.CommandName
		if col, ok := e.Command.Lookup(e.CommandName).StringValueOK(); ok {
			name += " " + col
		}
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[name]++
		c.mu.Unlock()
	}}
}

func (c *commandCounts) reset() {
	c.mu.Lock()
	c.n = map[string]int{}
	c.mu.Unlock()
}

// snapshot returns the counts so far.
func (c *commandCounts) snapshot() commandTally {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(commandTally, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

type commandTally map[string]int

func (t commandTally) total() int {
	n := 0
	for _, v := range t {
		n += v
	}
	return n
}

// perOp lists the commands per operation, most frequent first ("insert reports 1.00, ...").
func (t commandTally) perOp(ops int) string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return t[keys[i]] > t[keys[j]] || t[keys[i]] == t[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.2f", k, float64(t[k])/float64(ops))
	}
	return strings.Join(parts, ", ")
}
