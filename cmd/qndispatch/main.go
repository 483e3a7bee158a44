// Command qndispatch runs only the push dispatcher: it sends the notifications that API replicas write to
// the outbox, with the same configuration (environment) as qnfeedback. Any number may run beside API
// replicas that also dispatch; hints are leased. It serves its metrics at GET /metrics on
// DISPATCH_METRICS_ADDR (default :9464). It stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/quangninh/feedback/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.RunDispatcher(ctx, os.Getenv, os.Stdout, app.Options{})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "qndispatch:", err)
		var ce *app.ConfigError
		if errors.As(err, &ce) {
			os.Exit(app.ExitConfig)
		}
		os.Exit(1)
	}
}
