// Package sms delivers text messages: HTTPGateway hands them to an SMS provider's HTTP API, and Sink keeps
// them in a store instead, for the dev stack and tests, where nothing may reach a real phone.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/fault"
)

var (
	_ account.SMS = (*HTTPGateway)(nil)
	_ account.SMS = (*Sink)(nil)
)

// HTTPGateway sends messages through a provider's HTTP API: a POST of {"to": "+84…", "text": "…"} to URL,
// authenticated with a bearer token.
type HTTPGateway struct {
	URL    string
	Token  string
	Client *http.Client // nil: a client with a 10-second timeout
}

var defaultClient = &http.Client{Timeout: 10 * time.Second}

type gatewayRequest struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

// Send posts one message. It returns nil when the gateway answers 2xx; an error wrapping
// fault.ErrUnavailable when it cannot be reached, times out, or answers 429 or 5xx (worth retrying later);
// and another error for any other answer (the request itself is wrong: bad token, rejected number).
func (g *HTTPGateway) Send(ctx context.Context, to phone.Number, text string) error {
	body, err := json.Marshal(gatewayRequest{To: to.String(), Text: text})
	if err != nil {
		return fmt.Errorf("sms: encode message: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms: gateway URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.Token)
	client := g.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fault.Wrap(fault.ErrUnavailable, "the SMS gateway does not answer", err)
	}
	defer resp.Body.Close()
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fault.Wrap(fault.ErrUnavailable, "the SMS gateway is busy",
			fmt.Errorf("sms gateway answered %s: %q", resp.Status, detail))
	}
	return fmt.Errorf("sms: gateway refused the message to %s: %s: %q", to.Redacted(), resp.Status, detail)
}

// Message is one text message kept by a Sink.
type Message struct {
	To     string // E.164
	Text   string
	SentAt time.Time
}

// SinkStore keeps the messages of a Sink.
type SinkStore interface {
	// SaveSMS keeps one message.
	SaveSMS(ctx context.Context, to, text string, at time.Time) error
	// SMSFor returns the newest messages to one number (E.164), newest first, at most limit.
	SMSFor(ctx context.Context, to string, limit int) ([]Message, error)
}

// Sink "sends" messages by keeping them in a store, where the dev stack shows them (GET /dev/sms) and
// tests read sign-in codes. Never use it in production: codes would be readable by anyone.
type Sink struct {
	Store SinkStore
	Now   func() time.Time // nil: time.Now
}

// Send keeps the message. It fails with the store's error (fault.ErrUnavailable when it does not answer).
func (s *Sink) Send(ctx context.Context, to phone.Number, text string) error {
	if to.IsZero() {
		return errors.New("sms: no recipient")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return s.Store.SaveSMS(ctx, to.String(), text, now().UTC())
}

// Messages returns the newest messages sent to the number written rawPhone (any usual form), newest first,
// at most limit. It fails with a *fault.Invalid for query.phone when rawPhone is not a Vietnamese mobile
// number, and with the store's error.
func (s *Sink) Messages(ctx context.Context, rawPhone string, limit int) ([]Message, error) {
	to, err := phone.Parse(rawPhone)
	if err != nil {
		inv := &fault.Invalid{}
		inv.Add("query.phone", err.Error())
		return nil, inv
	}
	return s.Store.SMSFor(ctx, to.String(), limit)
}
