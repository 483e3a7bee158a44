// Command qndispatch runs only the push dispatcher: it sends the notifications that API replicas write to
// the outbox, with the same configuration (environment) as qnfeedback. Any number may run beside API
// replicas that also dispatch; hints are leased. It serves its metrics at GET /metrics on
// DISPATCH_METRICS_ADDR (default :9464). It stops on SIGINT or SIGTERM.
package main

import "github.com/quangninh/feedback/internal/app"

func main() { app.Main("qndispatch", app.RunDispatcher) }
