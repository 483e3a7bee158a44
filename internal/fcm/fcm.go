// Package fcm sends push notifications to residents' phones through Firebase Cloud Messaging (HTTP v1 API,
// through firebase-admin-go). It speaks in Push and Result; no firebase type crosses its boundary, and every
// failure is one of three sentinels that tell the caller what to do next: forget the token (ErrTokenGone),
// try again later (ErrRetryable, see RetryAfter and Backoff), or give up on this message (ErrRejected).
//
// In tests and the dev stack it talks to internal/fcmstandin instead of Google.
package fcm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"
)

// maxBatch is the most messages firebase-admin-go's SendEach accepts in one call.
const maxBatch = 500

// Config says which Firebase project to send for and how to reach FCM.
// Set exactly one of CredentialsFile (production) and Endpoint (tests, dev stack).
type Config struct {
	ProjectID string
	// CredentialsFile is a service-account JSON key with the Firebase Cloud Messaging API Admin role.
	CredentialsFile string
	// Endpoint is the base URL of an FCM-compatible server, such as the stand-in's http://127.0.0.1:4010.
	// "/v1" is appended unless present. Requests to it are not authenticated. Over http:// the sender speaks
	// HTTP/2 without TLS (h2c, prior knowledge), as FCM speaks HTTP/2: the server must too (the stand-in does).
	Endpoint string
}

// Sender sends pushes. It is safe for concurrent use.
type Sender struct {
	client *messaging.Client
}

// New returns a Sender for c. It does not contact FCM. It returns an error when the project is missing,
// when neither or both of CredentialsFile and Endpoint are set, when Endpoint is not an http(s) URL, or when
// the credentials file cannot be read.
func New(ctx context.Context, c Config) (*Sender, error) {
	if c.ProjectID == "" {
		return nil, errors.New("fcm: ProjectID is required")
	}
	var opts []option.ClientOption
	switch {
	case c.Endpoint != "" && c.CredentialsFile != "":
		return nil, errors.New("fcm: set Endpoint or CredentialsFile, not both")
	case c.Endpoint != "":
		endpoint, err := messagingEndpoint(c.Endpoint)
		if err != nil {
			return nil, err
		}
		// Send has 800 requests in flight. FCM speaks HTTP/2, which multiplexes them on a few connections;
		// over HTTP/1.1 each would need its own, opened and closed again beyond the two idle connections a
		// host keeps by default. So a plain-HTTP endpoint gets HTTP/2 too (h2c): against the stand-in that
		// is 9,400 messages/s instead of 5,700 (BenchmarkSendEach500, no delay), and the idle pool is sized
		// for an HTTP/1.1 endpoint behind https.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = sdkWorkers * concurrentBatches
		if strings.HasPrefix(endpoint, "http://") {
			t.Protocols = new(http.Protocols)
			t.Protocols.SetUnencryptedHTTP2(true)
		}
		opts = append(opts, option.WithEndpoint(endpoint), option.WithoutAuthentication(),
			option.WithHTTPClient(&http.Client{Transport: t}))
	case c.CredentialsFile != "":
		opts = append(opts, option.WithCredentialsFile(c.CredentialsFile))
	default:
		// Falling back to Application Default Credentials would make a forgotten setting fail at the first
		// status change instead of at start-up.
		return nil, errors.New("fcm: set CredentialsFile (FCM) or Endpoint (stand-in)")
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: c.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("fcm: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("fcm: %w", err)
	}
	return &Sender{client: client}, nil
}

// messagingEndpoint turns a server's base URL into what firebase-admin-go expects from option.WithEndpoint:
// the prefix it puts before "/projects/{p}/messages:send", which for FCM is https://fcm.googleapis.com/v1.
// A value without a scheme would be taken as host:port and produce unusable URLs, so it is refused.
func messagingEndpoint(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("fcm: Endpoint %q is not an http(s) URL", base)
	}
	e := strings.TrimRight(base, "/")
	if !strings.HasSuffix(e, "/v1") {
		e += "/v1"
	}
	return e, nil
}

// Push is one notification to one device.
type Push struct {
	Token string // the device's FCM registration token
	Title string
	Body  string // shortened to fit a lock screen, see maxBodyRunes
	Data  map[string]string
	// CollapseKey groups pushes about one thing (a report): a newer push replaces the older one on the
	// phone instead of stacking, and a push sent twice shows once.
	CollapseKey  string
	HighPriority bool   // wake the device and make a sound; for changes the resident must act on
	Lang         string // BCP 47 language of Title and Body; web push passes it to the browser
}

// Result is the outcome for the Push at the same index.
type Result struct {
	MessageID string // FCM's name for the accepted message; empty on failure
	Err       error  // nil, or wraps ErrTokenGone, ErrRetryable or ErrRejected
}

// Send sends every push through the SDK's SendEach, sendChunk per call, concurrentBatches calls at once,
// and returns one Result per push, in order. It never fails as a whole: a failure, including a cancelled
// ctx, is reported in each affected Result and wraps one of ErrTokenGone, ErrRetryable and ErrRejected.
func (s *Sender) Send(ctx context.Context, pushes []Push) []Result {
	results := make([]Result, len(pushes))
	var wg sync.WaitGroup
	sem := make(chan struct{}, concurrentBatches)
	for start := 0; start < len(pushes); start += sendChunk {
		end := min(start+sendChunk, len(pushes))
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s.sendBatch(ctx, pushes[start:end], results[start:end])
		})
	}
	wg.Wait()
	return results
}

// SendEach sends its messages sdkWorkers at a time, so a call of 500 takes ten round trips; Send gives each
// SendEach call sendChunk messages instead and runs concurrentBatches calls at once (800 requests in flight:
// FCM's HTTP/2 multiplexes them, opening more connections as streams run out).
const (
	sdkWorkers        = 50
	sendChunk         = sdkWorkers
	concurrentBatches = 16
)

func (s *Sender) sendBatch(ctx context.Context, pushes []Push, results []Result) {
	msgs := make([]*messaging.Message, 0, len(pushes))
	index := make([]int, 0, len(pushes))
	for i, p := range pushes {
		// The SDK refuses a whole batch when one message has no target, so an empty token is settled here.
		if p.Token == "" {
			results[i].Err = &sendError{kind: ErrTokenGone, code: "EMPTY_TOKEN", cause: errors.New("no registration token")}
			continue
		}
		msgs = append(msgs, message(p))
		index = append(index, i)
	}
	if len(msgs) == 0 {
		return
	}
	batch, err := s.client.SendEach(ctx, msgs)
	if err != nil {
		// Only the SDK's own checks fail the whole call; nothing was sent.
		err = classify(err)
		for _, i := range index {
			results[i].Err = err
		}
		return
	}
	for j, r := range batch.Responses {
		i := index[j]
		if r.Success {
			results[i].MessageID = r.MessageID
		} else {
			results[i].Err = classify(r.Error)
		}
	}
}
