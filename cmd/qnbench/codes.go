package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/quangninh/feedback/internal/mongostore"
)

// codeNumberDiag times one step of intake on its own: mongostore's NextCodeNumber (the QN-YYMM-NNNNN
// counter, claimed by unique inserts), alone and from conns goroutines at once, counting the MongoDB
// commands each number costs. It says how much of intake's latency is this counter under contention.
func codeNumberDiag(rs *results, st *stack, dur time.Duration, conns int) error {
	ctx := context.Background()
	var cmds atomic.Int64
	mon := &event.CommandMonitor{Started: func(context.Context, *event.CommandStartedEvent) { cmds.Add(1) }}
	store, err := mongostore.Open(ctx, st.srv.MongoURI, st.database("codes"), mongostore.Options{Monitor: mon})
	if err != nil {
		return err
	}
	defer store.Close(ctx)
	if err := store.EnsureIndexes(ctx); err != nil {
		return err
	}
	for i, c := range []int{1, conns} {
		month := fmt.Sprintf("99%02d", i+1) // a month of its own for each run
		if _, err := store.NextCodeNumber(ctx, month); err != nil {
			return err
		}
		cmds.Store(0)
		s := drive(c, dur, func(int, int) error {
			_, err := store.NextCodeNumber(ctx, month)
			return err
		})
		name := fmt.Sprintf("intake.diag.code_number.c%d", c)
		note := fmt.Sprintf("mongostore.NextCodeNumber alone (one step of intake), %d goroutines for %s, straight to FerretDB", c, dur)
		s.report(rs, name, "numbers/s", note)
		if s.ok > 0 {
			rs.add(name+".commands_per_number", float64(cmds.Load())/float64(s.ok), "commands", "MongoDB commands sent per number handed out (lost unique-insert races included)")
		}
	}
	return nil
}
