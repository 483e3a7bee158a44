package fcm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
)

// What a failed push means for the caller.
var (
	// ErrTokenGone: the registration token will never work again (app uninstalled, token expired or
	// malformed, or issued for another Firebase project). Delete it; do not retry.
	ErrTokenGone = errors.New("fcm: registration token no longer valid")
	// ErrRetryable: FCM was overloaded, failed, rate-limited us, could not be reached in time, or refused
	// our credentials (a configuration an operator fixes: the message itself is fine). Send the same push
	// again later, no sooner than RetryAfter says.
	ErrRetryable = errors.New("fcm: temporary failure")
	// ErrRejected: FCM refused this message for good (bad payload). Retrying the same message will fail
	// again; the token is kept.
	ErrRejected = errors.New("fcm: message rejected")
)

// sendError is a classified failure. It unwraps to the SDK's error, for logs.
type sendError struct {
	kind       error
	code       string // FCM error code, or the google.rpc status when FCM gave none
	retryAfter time.Duration
	cause      error
}

func (e *sendError) Error() string {
	return e.kind.Error() + " (" + e.code + "): " + e.cause.Error()
}

// Is makes errors.Is(err, ErrTokenGone) and the other sentinels work.
func (e *sendError) Is(target error) bool { return target == e.kind }

func (e *sendError) Unwrap() error { return e.cause }

// RetryAfter returns how long FCM asked us to wait (its Retry-After header) before retrying the failed
// push, and false when err carries no such request.
func RetryAfter(err error) (time.Duration, bool) {
	var se *sendError
	if errors.As(err, &se) && se.retryAfter > 0 {
		return se.retryAfter, true
	}
	return 0, false
}

// Code returns the FCM error code of a failed push (UNREGISTERED, INVALID_ARGUMENT, QUOTA_EXCEEDED ...;
// the google.rpc status when FCM gave no code; TRANSPORT when no answer came), and "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var se *sendError
	if errors.As(err, &se) && se.code != "" {
		return se.code
	}
	return "UNKNOWN"
}

// classify maps an error from firebase-admin-go to one of the sentinels.
//
// INVALID_ARGUMENT is split by what FCM blamed. A malformed token comes back as "The registration token is
// not a valid FCM registration token", with a field violation on message.token when FCM sends one: that is
// ErrTokenGone. Anything else (payload too large, reserved data key, bad header) is ErrRejected: treating
// a payload bug as a dead token would delete every resident's token on the first bad release.
//
// A 404 counts as a gone token only with FCM's UNREGISTERED code; a bare 404 means a wrong endpoint.
func classify(err error) error {
	if err == nil {
		return nil
	}
	resp := errorutils.HTTPResponse(err)
	var body []byte
	if resp != nil {
		// The SDK keeps a buffered copy of the body, so reading it here costs nothing on the wire.
		body, _ = io.ReadAll(resp.Body)
	}
	se := &sendError{kind: ErrRejected, cause: err, code: fcmCode(err, body)}
	switch {
	case messaging.IsUnregistered(err), messaging.IsSenderIDMismatch(err):
		se.kind = ErrTokenGone
	case errorutils.IsInvalidArgument(err):
		if blamesToken(err, body) {
			se.kind = ErrTokenGone
		}
	case messaging.IsQuotaExceeded(err), messaging.IsUnavailable(err), messaging.IsInternal(err),
		messaging.IsThirdPartyAuthError(err), errorutils.IsUnauthenticated(err), errorutils.IsPermissionDenied(err):
		// Refused credentials (ours, or the project's APNs key) are fixed by an operator, not by dropping
		// the push: it waits, and is parked for an admin's retry once its attempts run out.
		se.kind = ErrRetryable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// The SDK returns the bare context error when it gives up between its own retries.
		se.kind = ErrRetryable
		se.code = "DEADLINE_EXCEEDED"
		if errors.Is(err, context.Canceled) {
			se.code = "CANCELLED"
		}
	case resp != nil:
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			se.kind = ErrRetryable // 502 and 504 from Google's front ends carry no FCM code
		}
	case errorutils.IsDeadlineExceeded(err), errorutils.IsUnavailable(err), errorutils.IsUnknown(err):
		// No HTTP response: the SDK's wrapper for a network error (timeout, refused, reset). The request
		// may or may not have reached FCM; a retry risks a duplicate, which CollapseKey hides on the phone.
		se.kind = ErrRetryable
	}
	if resp != nil {
		se.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return se
}

// fcmError is the part of FCM's google.rpc.Status error body that classify reads.
type fcmError struct {
	Error struct {
		Status  string `json:"status"`
		Details []struct {
			Type            string `json:"@type"`
			ErrorCode       string `json:"errorCode"`
			FieldViolations []struct {
				Field string `json:"field"`
			} `json:"fieldViolations"`
		} `json:"details"`
	} `json:"error"`
}

func parseFCMError(body []byte) fcmError {
	var e fcmError
	_ = json.Unmarshal(body, &e) // a non-JSON body (a proxy's HTML page) leaves e empty
	return e
}

// fcmCode names the failure for logs: FCM's errorCode, else the rpc status, else "TRANSPORT".
func fcmCode(err error, body []byte) string {
	e := parseFCMError(body)
	for _, d := range e.Error.Details {
		if d.Type == "type.googleapis.com/google.firebase.fcm.v1.FcmError" && d.ErrorCode != "" {
			return d.ErrorCode
		}
	}
	if e.Error.Status != "" {
		return e.Error.Status
	}
	if body == nil && errorutils.HTTPResponse(err) == nil {
		return "TRANSPORT"
	}
	return "UNKNOWN"
}

func blamesToken(err error, body []byte) bool {
	for _, d := range parseFCMError(body).Error.Details {
		for _, v := range d.FieldViolations {
			if v.Field == "message.token" {
				return true
			}
		}
	}
	return strings.Contains(err.Error(), "registration token")
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date (RFC 9110 section 10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
