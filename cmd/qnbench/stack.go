package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/app"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/testapp"
	"github.com/quangninh/feedback/internal/testenv"
)

// stack is the dev stack (embedded FerretDB + versitygw) every section talks to. Each section gets its own
// database and bucket.
type stack struct {
	srv *testenv.Servers
	dir string
}

func startStack() (*stack, error) {
	dir, err := os.MkdirTemp("", "qnbench-")
	if err != nil {
		return nil, err
	}
	srv, err := testenv.Start(filepath.Join(dir, "data"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &stack{srv: srv, dir: dir}, nil
}

func (s *stack) stop() {
	s.srv.Stop()
	os.RemoveAll(s.dir)
}

// env is the service's environment for section name: database bench_<name>, bucket bench-<name>, a dev
// signing key in its own folder, the SMS sink, errors-only logs, plus extra.
func (s *stack) env(name string, extra map[string]string) map[string]string {
	env := map[string]string{
		"HTTP_ADDR": "127.0.0.1:0", "METRICS_ADDR": "127.0.0.1:0", "MONGO_URI": s.srv.MongoURI, "MONGO_DATABASE": s.database(name),
		"S3_ENDPOINT": s.srv.S3Endpoint, "S3_ACCESS_KEY": s.srv.S3AccessKey, "S3_SECRET_KEY": s.srv.S3SecretKey,
		"S3_BUCKET": "bench-" + name, "S3_USE_TLS": "false", "DEV_KEY_DIR": filepath.Join(s.dir, "keys-"+name),
		"SMS_PROVIDER": "sink", "LOG_LEVEL": "error", "STARTUP_TIMEOUT": "30s",
	}
	// The dispatcher's batch, to compare settings (the service's default when unset).
	if v := os.Getenv("QNBENCH_PUSH_BATCH"); v != "" {
		env["PUSH_BATCH"] = v
	}
	maps.Copy(env, extra)
	return env
}

func (s *stack) database(name string) string { return "bench_" + strings.ReplaceAll(name, "-", "_") }

// inproc is the service running in this process (app.Run), as the tests run it.
type inproc struct {
	url    string
	env    map[string]string
	cancel context.CancelFunc
	done   chan error

	stopOnce sync.Once
}

func (s *stack) startApp(name string, extra map[string]string) (*inproc, error) {
	return s.startAppWith(name, extra, app.Options{})
}

// startAppWith starts the service for section name with the given options (Ready is set here).
func (s *stack) startAppWith(name string, extra map[string]string, o app.Options) (*inproc, error) {
	env := s.env(name, extra)
	ctx, cancel := context.WithCancel(context.Background())
	a := &inproc{env: env, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		o.Ready = func(addr string) { ready <- addr }
		a.done <- app.Run(ctx, func(k string) string { return env[k] }, io.Discard, o)
	}()
	select {
	case addr := <-ready:
		a.url = "http://" + addr
		return a, nil
	case err := <-a.done:
		cancel()
		return nil, fmt.Errorf("service (%s): %w", name, err)
	case <-time.After(60 * time.Second):
		cancel()
		return nil, fmt.Errorf("service (%s) did not start within 60s", name)
	}
}

// stop shuts the service down (its photo worker too) and waits for it.
func (a *inproc) stop() {
	a.stopOnce.Do(a.halt)
}

func (a *inproc) halt() {
	a.cancel()
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
	}
}

// residentToken creates a resident's account in the service's database (env's MONGO_URI and
// MONGO_DATABASE) unless it exists, and signs an access token for it with the service's DEV_KEY_DIR key,
// default issuer and audience, as sign-in would.
func residentToken(env map[string]string, userID string) (string, error) {
	p := auth.Principal{UserID: userID, Role: auth.RoleResident}
	mc, err := mongo.Connect(options.Client().ApplyURI(env["MONGO_URI"]))
	if err != nil {
		return "", err
	}
	defer mc.Disconnect(context.Background())
	if err := testapp.EnsureAccount(context.Background(), mc.Database(env["MONGO_DATABASE"]), p); err != nil {
		return "", err
	}
	priv, err := token.GenerateKeyFile(filepath.Join(env["DEV_KEY_DIR"], app.DevKeyFile))
	if err != nil {
		return "", err
	}
	ks, err := token.NewKeySet(priv)
	if err != nil {
		return "", err
	}
	au, err := token.NewAuthority(ks, token.Config{Issuer: "smartqn-feedback", Audience: "smartqn-app"})
	if err != nil {
		return "", err
	}
	issued, err := au.Sign(p, time.Now())
	if err != nil {
		return "", err
	}
	return issued.Token, nil
}

func (s *stack) mongo() (*mongo.Client, error) {
	return mongo.Connect(options.Client().ApplyURI(s.srv.MongoURI))
}

// photoProgress counts the reports in database db and those whose photos the worker has made derivatives of.
func photoProgress(ctx context.Context, c *mongo.Client, db string) (reports, ready int64, err error) {
	col := c.Database(db).Collection("reports")
	if reports, err = col.CountDocuments(ctx, bson.D{}); err != nil {
		return 0, 0, err
	}
	ready, err = col.CountDocuments(ctx, bson.D{{Key: "photos.state", Value: "ready"}})
	return reports, ready, err
}
