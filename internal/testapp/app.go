// Package testapp runs the service in the test process against the servers of internal/testenv.
package testapp

import (
	"bytes"
	"context"
	"maps"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quangninh/feedback/internal/app"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/testenv"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// App is a running instance of the service for one test.
type App struct {
	URL string // http://127.0.0.1:port
	// MetricsURL is where its Prometheus metrics are served (METRICS_ADDR): http://127.0.0.1:port/metrics.
	MetricsURL string
	Env        map[string]string // the environment it runs with
	logs       *syncBuffer
	stop       context.CancelFunc
	done       chan error
}

// StartApp runs the service in this process on a free port against srv, with a fresh database and bucket,
// plus the given overrides. It stops at the end of the test; its logs are printed when the test fails.
func Start(tb testing.TB, srv *testenv.Servers, overrides map[string]string) *App {
	tb.Helper()
	env := srv.Env(tb)
	env["HTTP_ADDR"] = "127.0.0.1:0"
	env["METRICS_ADDR"] = "127.0.0.1:0"
	env["STARTUP_TIMEOUT"] = "20s"
	env["RETRY_AFTER"] = "2s"
	env["SHUTDOWN_TIMEOUT"] = "5s"
	env["DEV_KEY_DIR"] = tb.TempDir()
	env["SMS_PROVIDER"] = "sink"
	maps.Copy(env, overrides)
	a := &App{Env: env, logs: &syncBuffer{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	a.stop = cancel
	ready, metricsReady := make(chan string, 1), make(chan string, 1)
	go func() {
		a.done <- app.Run(ctx, func(k string) string { return env[k] }, a.logs, app.Options{
			Ready: func(addr string) { ready <- addr }, MetricsReady: func(addr string) { metricsReady <- addr }})
	}()
	select {
	case addr := <-ready:
		a.URL = "http://" + addr
		if env["METRICS_ADDR"] != "" {
			a.MetricsURL = "http://" + <-metricsReady + "/metrics"
		}
	case err := <-a.done:
		cancel()
		tb.Fatalf("service did not start: %v\nlogs:\n%s", err, a.logs.String())
	case <-time.After(3 * time.Minute): // a hang guard: a loaded CI machine seeds slowly
		cancel()
		tb.Fatalf("service did not start within 3 min\nlogs:\n%s", a.logs.String())
	}
	tb.Cleanup(func() {
		if err := a.Stop(); err != nil {
			tb.Errorf("service stopped with error: %v", err)
		}
		if tb.Failed() {
			tb.Logf("service logs:\n%s", a.logs.String())
		}
	})
	return a
}

// Stop shuts the service down gracefully and returns Run's error. Calling it again returns nil.
func (a *App) Stop() error {
	a.stop()
	select {
	case err, ok := <-a.done:
		if ok {
			close(a.done)
		}
		return err
	case <-time.After(30 * time.Second):
		return context.DeadlineExceeded
	}
}

// Logs returns what the service logged so far.
func (a *App) Logs() string { return a.logs.String() }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Token signs an access token for p with the instance's key, as sign-in would, and creates p's account
// unless it exists.
func (a *App) Token(tb testing.TB, p auth.Principal) string {
	tb.Helper()
	mc, err := mongo.Connect(options.Client().ApplyURI(a.Env["MONGO_URI"]))
	if err != nil {
		tb.Fatal(err)
	}
	defer mc.Disconnect(context.Background())
	if err := EnsureAccount(context.Background(), mc.Database(a.Env["MONGO_DATABASE"]), p); err != nil {
		tb.Fatal(err)
	}
	priv, err := token.GenerateKeyFile(filepath.Join(a.Env["DEV_KEY_DIR"], app.DevKeyFile))
	if err != nil {
		tb.Fatal(err)
	}
	ks, err := token.NewKeySet(priv)
	if err != nil {
		tb.Fatal(err)
	}
	iss, aud := a.Env["JWT_ISSUER"], a.Env["JWT_AUDIENCE"]
	if iss == "" {
		iss = "smartqn-feedback"
	}
	if aud == "" {
		aud = "smartqn-app"
	}
	au, err := token.NewAuthority(ks, token.Config{Issuer: iss, Audience: aud})
	if err != nil {
		tb.Fatal(err)
	}
	issued, err := au.Sign(p, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return issued.Token
}
