// Package fcmstandin is a local stand-in for the FCM HTTP v1 API (messages:send), for tests and the dev
// stack, where Firebase cannot be reached. The real firebase-admin-go client talks to it unchanged when
// pointed at URL()+"/v1" with option.WithEndpoint and option.WithoutAuthentication.
//
// It checks request bodies the way FCM does, answers errors in FCM's exact format (so messaging.IsUnregistered
// and friends classify them), records every accepted message, and can inject faults per token or globally
// and delay every answer, so the sender's error handling and throughput can be exercised offline.
//
// Routes:
//
//	POST   /v1/projects/{project}/messages:send  the FCM API
//	GET    /standin/messages[?token=T]           recorded messages as JSON, oldest first
//	DELETE /standin/messages                     forget recorded messages
package fcmstandin

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// maxBody bounds a request body; real FCM messages are at most a few KB.
const maxBody = 1 << 20

// Server is the stand-in. Its methods are safe for concurrent use.
type Server struct {
	ts      *httptest.Server // nil when the caller serves Handler itself
	handler http.Handler
	prefix  string // makes message IDs unique across stand-ins
	seq     atomic.Uint64
	calls   atomic.Int64

	mu        sync.Mutex
	messages  []Message
	delay     time.Duration
	sticky    map[string]Fault   // token -> fault on every call
	nextToken map[string][]Fault // token -> faults for its next calls, in order
	next      []Fault            // faults for the next calls, whatever the token
	onMessage func(Message)
}

// New starts a stand-in on a free loopback port. Close it when done.
func New() *Server {
	s := NewUnstarted()
	s.ts = httptest.NewUnstartedServer(s.handler)
	s.ts.Config.Protocols = Protocols()
	s.ts.Start()
	return s
}

// Protocols are what a server of the stand-in should speak: HTTP/1.1 and, as FCM speaks HTTP/2, HTTP/2 without
// TLS (h2c with prior knowledge), which is what fcm.Sender uses for an http:// endpoint.
func Protocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return p
}

// NewUnstarted returns a stand-in that does not listen; serve Handler() with your own http.Server
// (the dev stack does), with Protocols(). URL returns "" for it.
func NewUnstarted() *Server {
	var b [4]byte
	_, _ = rand.Read(b[:])
	s := &Server{prefix: hex.EncodeToString(b[:])}
	s.resetLocked()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/projects/{project}/messages:send", s.send)
	mux.HandleFunc("GET /standin/messages", s.list)
	mux.HandleFunc("DELETE /standin/messages", s.forget)
	s.handler = mux
	return s
}

// URL is the server's base address, such as http://127.0.0.1:41234 (without /v1).
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Handler serves the FCM API and the /standin routes.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the listener started by New and waits for requests in flight.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Messages returns a copy of every accepted message, oldest first. Validate-only requests are not recorded:
// FCM does not deliver them.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// MessagesFor returns the accepted messages addressed to token, oldest first.
func (s *Server) MessagesFor(token string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Token == token {
			out = append(out, m)
		}
	}
	return out
}

// Calls is how many messages:send requests arrived, accepted or not. Comparing it with len(Messages())
// shows the client's own retries.
func (s *Server) Calls() int { return int(s.calls.Load()) }

// Reset forgets recorded messages, faults, the delay, the OnMessage callback and the call count.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	s.calls.Store(0)
}

func (s *Server) resetLocked() {
	s.messages = nil
	s.delay = 0
	s.sticky = map[string]Fault{}
	s.nextToken = map[string][]Fault{}
	s.next = nil
	s.onMessage = nil
}

// OnMessage sets a function called with every accepted message, before the answer is written, on the
// request's goroutine: it must be quick and safe for concurrent use. Benchmarks use it to timestamp arrival.
func (s *Server) OnMessage(f func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMessage = f
}

// SetDelay makes every messages:send answer wait d first. Requests wait concurrently, not in turn, like a
// remote server with a fixed latency.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Unregister makes every later message to these tokens fail with 404 UNREGISTERED, as FCM answers for an
// uninstalled app.
func (s *Server) Unregister(tokens ...string) {
	for _, t := range tokens {
		s.FailToken(t, Fault{Code: Unregistered})
	}
}

// FailToken makes every later message to token fail with f, until Reset.
func (s *Server) FailToken(token string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sticky[token] = f
}

// FailNext makes the next n messages:send calls fail with f, whatever their token. Calls are counted as they
// arrive, including the client's own retries.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.next = append(s.next, f)
	}
}

// FailNextFor makes the next n messages to token fail with f; later ones succeed.
func (s *Server) FailNextFor(token string, n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.nextToken[token] = append(s.nextToken[token], f)
	}
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	s.mu.Lock()
	delay := s.delay
	var global *Fault
	if len(s.next) > 0 {
		global = &s.next[0]
		s.next = s.next[1:]
	}
	s.mu.Unlock()

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, &apiError{status: http.StatusRequestEntityTooLarge, message: "Request body too large."})
		return
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			// The client gave up: count the message as not accepted, so tests see no phantom delivery.
			t.Stop()
			return
		}
	}
	if global != nil {
		writeError(w, global.apiError())
		return
	}
	m, validateOnly, apiErr := decode(body)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	if f, ok := s.tokenFault(m.Token); ok {
		writeError(w, f.apiError())
		return
	}
	project := r.PathValue("project")
	m.Project = project
	m.Name = fmt.Sprintf("projects/%s/messages/0:%s%%%d", project, s.prefix, s.seq.Add(1))
	if !validateOnly {
		m.Received = time.Now()
		s.mu.Lock()
		s.messages = append(s.messages, m)
		on := s.onMessage
		s.mu.Unlock()
		if on != nil {
			on(m)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(map[string]string{"name": m.Name})
}

func (s *Server) tokenFault(token string) (Fault, bool) {
	if token == "" {
		return Fault{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.nextToken[token]; len(q) > 0 {
		s.nextToken[token] = q[1:]
		return q[0], true
	}
	f, ok := s.sticky[token]
	return f, ok
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	var ms []Message
	if t := r.URL.Query().Get("token"); t != "" {
		ms = s.MessagesFor(t)
	} else {
		ms = s.Messages()
	}
	if ms == nil {
		ms = []Message{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ms)
}

func (s *Server) forget(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.messages = nil
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
