// Package e2e holds black-box tests: the service runs through app.Run on a free port against the real
// servers of internal/testenv and is driven through the generated client (raw HTTP only where a test must
// send what the client cannot, such as malformed bodies).
package e2e
