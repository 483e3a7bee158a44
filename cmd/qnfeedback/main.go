// Command qnfeedback serves the Smart Quảng Ninh Feedback API. Configuration comes from environment
// variables (see README.md); it stops gracefully on SIGINT or SIGTERM.
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
	err := app.Run(ctx, os.Getenv, os.Stdout, app.Options{})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "qnfeedback:", err)
		var ce *app.ConfigError
		if errors.As(err, &ce) {
			os.Exit(app.ExitConfig)
		}
		os.Exit(1)
	}
}
