// Package mongostore keeps the service's documents in MongoDB (6+) or FerretDB (1.24).
//
// Compatibility rule: only what both servers do. No transactions, change streams, TTL or partial indexes,
// 2dsphere or geo operators, $facet, $lookup, or distinct under a deadline. Consistency comes from
// single-document atomicity: a change and what must happen because of it live in one document and are
// written by one update. Every query shape has a declared index (see indexes.go; a test checks it).
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/quangninh/feedback/internal/fault"
)

// Store is the MongoDB adapter. It is safe for concurrent use.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	wake   atomic.Pointer[func()] // called after writes that add notifications (OnOutbox)

	// Writes that concurrent submissions share (combiner).
	codeNumbers *combiner[string, int64]
	received    *combiner[receivedReport, struct{}]
	hints       *combiner[[]any, struct{}]
	jobs        *combiner[jobDoc, struct{}]

	queueTurns sync.Map     // queue shard ID → *queueTurn
	hintFault  func() error // tests: fails hint inserts while it returns an error

	closing   chan struct{} // closed by Close: background retries make their last try
	closeOnce sync.Once
	retrying  sync.WaitGroup // background retries (retryHints)
}

// Options tune Open.
type Options struct {
	// StartupTimeout bounds the wait for the server to answer a ping.
	StartupTimeout time.Duration
	// Monitor, when set, sees every command (tests use it to check index coverage).
	Monitor *event.CommandMonitor
}

// Open connects to uri, waits (up to StartupTimeout) until the server answers and returns the store for the
// database. It returns an error naming the server when it does not answer in time.
func Open(ctx context.Context, uri, database string, o Options) (*Store, error) {
	if o.StartupTimeout == 0 {
		o.StartupTimeout = 30 * time.Second
	}
	co := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(2 * time.Second).
		SetConnectTimeout(3 * time.Second).
		SetMaxPoolSize(200).
		SetAppName("qnfeedback")
	if o.Monitor != nil {
		co.SetMonitor(o.Monitor)
	}
	client, err := mongo.Connect(co)
	if err != nil {
		return nil, fmt.Errorf("mongodb: bad connection settings: %w", err)
	}
	s := &Store{client: client, db: client.Database(database), closing: make(chan struct{})}
	s.codeNumbers = newCombiner(s.takeCodeNumbers)
	s.received = newCombiner(s.countReceived)
	s.hints = newCombiner(s.insertHintBatches)
	s.jobs = newCombiner(s.insertJobs)
	deadline := time.Now().Add(o.StartupTimeout)
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = client.Ping(pctx, readpref.Primary())
		cancel()
		if err == nil {
			return s, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = client.Disconnect(context.Background())
			return nil, fmt.Errorf("mongodb did not answer within %s: %w", o.StartupTimeout, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Close lets background retries make their last try (until ctx ends), then disconnects.
func (s *Store) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closing) })
	done := make(chan struct{})
	go func() { s.retrying.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return s.client.Disconnect(ctx)
}

// Ping reports whether the server answers; the error is fault.ErrUnavailable when it does not.
func (s *Store) Ping(ctx context.Context) error {
	return mapErr(s.client.Ping(ctx, readpref.Primary()), "database")
}

// Drop removes the whole database (tests only).
func (s *Store) Drop(ctx context.Context) error { return s.db.Drop(ctx) }

// mapErr turns a driver error into the domain's kinds: not found, conflict (duplicate key), unavailable
// (network, timeout, no server, a connection pool cleared by another operation's network error), or the
// error itself wrapped for the log.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var (
		sse topology.ServerSelectionError
		rpe driver.RetryablePoolError
	)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return fault.Wrap(fault.ErrNotFound, "no such "+what, err)
	case mongo.IsDuplicateKeyError(err):
		return fault.Wrap(fault.ErrConflict, what+" already exists", err)
	case errors.As(err, &sse), mongo.IsNetworkError(err), mongo.IsTimeout(err), errors.As(err, &rpe) && rpe.Retryable(),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, mongo.ErrClientDisconnected):
		return fault.Wrap(fault.ErrUnavailable, "the database does not answer", err)
	}
	return fmt.Errorf("mongodb %s: %w", what, err)
}

// isDuplicate reports a duplicate-key error: two writers raced to insert the same _id, and one lost.
func isDuplicate(err error) bool { return mongo.IsDuplicateKeyError(err) }
