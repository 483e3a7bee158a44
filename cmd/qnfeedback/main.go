// Command qnfeedback serves the Smart Quảng Ninh Feedback API. Configuration comes from environment
// variables (see README.md); it stops gracefully on SIGINT or SIGTERM.
package main

import "github.com/quangninh/feedback/internal/app"

func main() { app.Main("qnfeedback", app.Run) }
