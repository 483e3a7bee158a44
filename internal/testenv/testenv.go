// Package testenv starts the real servers the tests talk to: an embedded FerretDB (MongoDB wire protocol,
// SQLite backend) and versitygw (S3, POSIX backend), through the dev-stack tool, on free loopback ports.
// It builds the pinned tools first when they are missing, so plain `go test ./...` runs every integration
// test instead of skipping it. Each test gets its own database and bucket, so tests run in parallel.
// The servers stop when the test process ends, even when it is killed (they watch its stdin).
package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Servers is one running dev stack.
type Servers struct {
	MongoURI    string `json:"mongo_uri"`
	S3Endpoint  string `json:"s3_endpoint"`
	S3AccessKey string `json:"s3_access_key"`
	S3SecretKey string `json:"s3_secret_key"`

	dataDir string
	mu      sync.Mutex
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	done    chan struct{}
}

// Root returns the repository's top folder.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", "install.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testenv: repository root (with tools/install.sh) not found above the working directory")
		}
		dir = parent
	}
}

var installOnce = sync.OnceValue(func() error {
	root, err := Root()
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(root, "tools", "install.sh"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("testenv: tools/install.sh: %w", err)
	}
	return nil
})

// Start starts a new dev stack with its data in dataDir. It returns when both servers answer.
func Start(dataDir string) (*Servers, error) {
	if err := installOnce(); err != nil {
		return nil, err
	}
	s := &Servers{dataDir: dataDir}
	return s, s.start("127.0.0.1:0", "127.0.0.1:0")
}

func (s *Servers) start(mongoAddr, s3Addr string) error {
	root, err := Root()
	if err != nil {
		return err
	}
	bin := filepath.Join(root, ".bin")
	cmd := exec.Command(filepath.Join(bin, "devstack"), "-watch-stdin", "-data", s.dataDir,
		"-mongo-addr", mongoAddr, "-s3-addr", s3Addr, "-versitygw", filepath.Join(bin, "versitygw"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &lockedWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testenv: start devstack: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		if err := json.Unmarshal([]byte(line), s); err != nil {
			_ = cmd.Process.Kill()
			return fmt.Errorf("testenv: devstack said %q: %w", line, err)
		}
	case <-done:
		return fmt.Errorf("testenv: devstack exited: %s", stderr.String())
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return errors.New("testenv: devstack did not start within 60s")
	}
	s.mu.Lock()
	s.cmd, s.stdin, s.done = cmd, stdin, done
	s.mu.Unlock()
	return nil
}

// Stop stops both servers (kills them, as an outage would) and waits until they are gone.
func (s *Servers) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Restart starts the servers again on the same ports with the same data.
func (s *Servers) Restart() error {
	mongo := strings.TrimSuffix(strings.TrimPrefix(s.MongoURI, "mongodb://"), "/")
	var err error
	for range 50 { // the old listener's port may take a moment to free
		if err = s.start(mongo, s.S3Endpoint); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

var (
	sharedOnce sync.Once
	shared     *Servers
	sharedErr  error
)

// Shared returns the dev stack shared by every test of this test binary, starting it on first use.
// It fails the test (never skips it) when the servers cannot start.
func Shared(tb testing.TB) *Servers {
	tb.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "qnfeedback-testenv-")
		if err != nil {
			sharedErr = err
			return
		}
		shared, sharedErr = Start(dir)
	})
	if sharedErr != nil {
		tb.Fatalf("testenv: %v", sharedErr)
	}
	return shared
}

// Owned starts a dev stack for this test alone (for tests that stop and restart the servers).
func Owned(tb testing.TB) *Servers {
	tb.Helper()
	s, err := Start(tb.TempDir())
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// UniqueName returns a name for a database or bucket derived from the test's name: lower-case letters,
// digits and hyphens, at most 40 characters, unique per call.
func UniqueName(tb testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	base := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(tb.Name()), "-"), "-")
	if len(base) > 30 {
		base = base[len(base)-30:]
	}
	return strings.Trim("t-"+base, "-") + "-" + hex.EncodeToString(b[:])
}

// Env returns the environment for the service against these servers, with a fresh database and bucket.
func (s *Servers) Env(tb testing.TB) map[string]string {
	name := UniqueName(tb)
	return map[string]string{
		"MONGO_URI":      s.MongoURI,
		"MONGO_DATABASE": strings.ReplaceAll(name, "-", "_"),
		"S3_ENDPOINT":    s.S3Endpoint,
		"S3_ACCESS_KEY":  s.S3AccessKey,
		"S3_SECRET_KEY":  s.S3SecretKey,
		"S3_BUCKET":      name,
		"S3_USE_TLS":     "false",
	}
}

// Context returns a context ending with the test.
func Context(tb testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	return ctx
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// StopS3 stops the S3 server alone (MongoDB keeps answering) and waits until its port refuses connections.
func (s *Servers) StopS3() {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGUSR1)
	for range 100 {
		c, err := net.DialTimeout("tcp", s.S3Endpoint, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
}

// StartS3 starts the S3 server again on the same port and waits until it accepts connections.
func (s *Servers) StartS3() {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGUSR2)
	for range 200 {
		c, err := net.DialTimeout("tcp", s.S3Endpoint, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
