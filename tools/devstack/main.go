// Command devstack runs the servers the service needs on one machine, for `make run` and for the tests:
// an embedded FerretDB (SQLite backend, MongoDB wire protocol) and a versitygw S3 gateway (POSIX backend).
//
// It lives in its own module so that FerretDB and its dependencies stay out of the service's dependency graph.
//
// When both servers answer, it prints one JSON line to stdout:
//
//	{"mongo_uri":"mongodb://127.0.0.1:port/","s3_endpoint":"127.0.0.1:port","s3_access_key":"...","s3_secret_key":"..."}
//
// With arguments after `--` it then runs that command (the API) with the servers' addresses in its environment
// and stops everything when the command exits or on Ctrl-C. With -watch-stdin it also stops when its stdin
// closes, so a test process that dies never leaves servers behind.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only when DEVSTACK_PPROF names an address
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

type ready struct {
	MongoURI    string `json:"mongo_uri"`
	S3Endpoint  string `json:"s3_endpoint"`
	S3AccessKey string `json:"s3_access_key"`
	S3SecretKey string `json:"s3_secret_key"`
}

func run(args []string) error {
	// FerretDB allocates a document's decoded copies on every command; at Go's default GOGC=100 its collector
	// took about a fifth of its CPU. This process is a dev and test server with memory to spare: collect less
	// often (GOGC in the environment still decides when set).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// DEVSTACK_PPROF=127.0.0.1:6061 serves Go's profiler, to see where FerretDB spends its time under a benchmark.
	if addr := os.Getenv("DEVSTACK_PPROF"); addr != "" {
		go func() { fmt.Fprintln(os.Stderr, "devstack: pprof:", http.ListenAndServe(addr, nil)) }()
	}
	fs := flag.NewFlagSet("devstack", flag.ContinueOnError)
	dataDir := fs.String("data", ".data", "folder for the SQLite files (ferretdb/) and the S3 objects (s3/)")
	mongoAddr := fs.String("mongo-addr", "127.0.0.1:0", "FerretDB listen address (port 0: a free port)")
	s3Addr := fs.String("s3-addr", "127.0.0.1:0", "versitygw listen address (port 0: a free port)")
	gw := fs.String("versitygw", "versitygw", "path of the versitygw v1.8.0 binary")
	access := fs.String("s3-access-key", "devstack", "S3 access key")
	secret := fs.String("s3-secret-key", "devstack-secret-key", "S3 secret key")
	watchStdin := fs.Bool("watch-stdin", false, "stop when stdin closes")
	verbose := fs.Bool("v", false, "log FerretDB and versitygw output")
	if err := fs.Parse(args); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	dbDir, err := filepath.Abs(filepath.Join(*dataDir, "ferretdb"))
	if err != nil {
		return err
	}
	s3Dir := filepath.Join(filepath.Dir(dbDir), "s3")
	for _, d := range []string{dbDir, s3Dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}

	level := slog.LevelError
	if *verbose {
		level = slog.LevelInfo
	}
	fcfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *mongoAddr},
		Handler:  "sqlite",
		// WAL with synchronous=NORMAL: a commit survives a crash of the process but waits for no fsync, as a
		// MongoDB write with the default write concern is acknowledged before its journal is flushed. Reads
		// through a memory map and a WAL checkpointed every 40 MB instead of 4 MB: a page written again and
		// again (an index's root, a counter) is copied into the database once per checkpoint.
		SQLiteURL: "file:" + dbDir + "/?_pragma=synchronous(normal)&_pragma=mmap_size(1073741824)&_pragma=wal_autocheckpoint(10000)",
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}
	// DEVSTACK_POSTGRESQL_URL=postgres://… puts FerretDB on its PostgreSQL backend instead (a server you run):
	// several writers at once, where SQLite has one. For comparing benchmarks; the tests use SQLite.
	if u := os.Getenv("DEVSTACK_POSTGRESQL_URL"); u != "" {
		fcfg.Handler, fcfg.SQLiteURL, fcfg.PostgreSQLURL = "postgresql", "", u
	}
	fdb, err := ferretdb.New(fcfg)
	if err != nil {
		return fmt.Errorf("ferretdb: %w", err)
	}
	fdbDone := make(chan struct{})
	go func() {
		defer close(fdbDone)
		_ = fdb.Run(ctx)
	}()
	mongoURI := fdb.MongoDBURI()

	s3Listen, err := freeAddr(*s3Addr)
	if err != nil {
		return err
	}
	gwCmd := exec.CommandContext(ctx, *gw, "--access", *access, "--secret", *secret, "--port", s3Listen, "posix", s3Dir)
	gwCmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	gwCmd.Stdout = io.Discard
	gwCmd.Stderr = io.Discard
	if *verbose {
		gwCmd.Stdout, gwCmd.Stderr = os.Stderr, os.Stderr
	}
	if err := gwCmd.Start(); err != nil {
		return fmt.Errorf("versitygw: %w (run `make tools` to build it)", err)
	}
	gwDone := make(chan error, 1)
	go func() { gwDone <- gwCmd.Wait() }()

	if err := waitTCP(ctx, s3Listen, gwDone); err != nil {
		return fmt.Errorf("versitygw did not start: %w", err)
	}

	info := ready{MongoURI: mongoURI, S3Endpoint: s3Listen, S3AccessKey: *access, S3SecretKey: *secret}
	line, _ := json.Marshal(info)
	fmt.Println(string(line))

	// SIGUSR1 stops the S3 server alone and SIGUSR2 starts it again on the same port, so tests can make S3
	// fail in the middle of a request while MongoDB keeps answering.
	go func() {
		sigs := make(chan os.Signal, 4)
		signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
		for sig := range sigs {
			switch sig {
			case syscall.SIGUSR1:
				if gwCmd.Process != nil {
					_ = gwCmd.Process.Kill()
				}
			case syscall.SIGUSR2:
				c := exec.CommandContext(ctx, *gw, "--access", *access, "--secret", *secret, "--port", s3Listen, "posix", s3Dir)
				c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
				c.Stdout, c.Stderr = gwCmd.Stdout, gwCmd.Stderr
				if err := c.Start(); err == nil {
					gwCmd = c
					go func() { _ = c.Wait() }()
					_ = waitTCP(ctx, s3Listen, make(chan error))
					fmt.Fprintln(os.Stderr, "devstack: s3 restarted")
				}
			}
		}
	}()

	rest := fs.Args()
	if len(rest) > 0 {
		err = runChild(ctx, rest, info)
		stop()
	} else {
		<-ctx.Done()
		_ = gwDone
	}
	stop()
	<-fdbDone
	return err
}

// runChild runs the command with the servers' addresses in its environment until it exits or ctx ends.
func runChild(ctx context.Context, argv []string, info ready) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = os.Stdout, os.Stderr, os.Stdin
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Env = append(os.Environ(),
		"MONGO_URI="+info.MongoURI,
		"S3_ENDPOINT="+info.S3Endpoint,
		"S3_ACCESS_KEY="+info.S3AccessKey,
		"S3_SECRET_KEY="+info.S3SecretKey,
		"S3_USE_TLS=false",
	)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		return nil
	}
}

// freeAddr returns addr, or with port 0 an address with a port that was free a moment ago.
func freeAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if port != "0" {
		return addr, nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitTCP(ctx context.Context, addr string, exited <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("no answer on " + addr + " after 30s")
}
