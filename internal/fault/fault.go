// Package fault names the few kinds of failure the domain and its adapters report, so that the HTTP layer can
// map them to statuses in one place. Adapters wrap driver errors into these kinds; domain code returns them
// (or a *Invalid listing bad fields) with a message meant for the caller.
package fault

import (
	"errors"
	"strings"
)

// Kinds of failure. Wrap them with fmt.Errorf("...: %w", fault.ErrNotFound) or use the constructors below.
var (
	// ErrNotFound: no such object, or one the caller may not see (never reveal that it exists).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the object is not in a state that allows the change.
	ErrConflict = errors.New("conflict")
	// ErrPrecondition: the caller's version of the object is stale (If-Match).
	ErrPrecondition = errors.New("precondition failed")
	// ErrUnavailable: a storage server does not answer; nothing was changed, the caller may retry.
	ErrUnavailable = errors.New("temporarily unavailable")
	// ErrUnprocessable: well-formed input that the domain refuses (outside the province, reused key ...).
	ErrUnprocessable = errors.New("unprocessable")
	// ErrUnauthenticated: no valid credentials.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: valid credentials, wrong role.
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited: too many attempts; see RetryAfter.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnsupportedMedia: a file of a type the service does not accept.
	ErrUnsupportedMedia = errors.New("unsupported media type")
	// ErrTooLarge: a body or file over its size limit.
	ErrTooLarge = errors.New("too large")
)

// Error carries a kind, a message safe to show the caller, and the underlying cause (logged, never shown).
type Error struct {
	Kind    error
	Message string
	Cause   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Cause != nil {
		b.WriteString(": " + e.Cause.Error())
	}
	return b.String()
}

// Is reports the kind, so errors.Is(err, fault.ErrNotFound) works.
func (e *Error) Is(target error) bool { return e.Kind == target }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// New returns an error of the given kind with a message for the caller.
func New(kind error, message string) error { return &Error{Kind: kind, Message: message} }

// Wrap returns an error of the given kind around cause; the message is for the caller, the cause is not.
func Wrap(kind error, message string, cause error) error {
	return &Error{Kind: kind, Message: message, Cause: cause}
}

// Message returns the caller-facing message of err, or "" when it has none.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}

// FieldError is one invalid input field.
type FieldError struct {
	Field   string // where: "body.description", "query.limit"
	Message string
}

// Invalid lists every invalid field of one input.
type Invalid struct {
	Fields []FieldError
}

func (e *Invalid) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a bad field.
func (e *Invalid) Add(field, message string) { e.Fields = append(e.Fields, FieldError{field, message}) }

// Err returns e when it holds a field, nil otherwise.
func (e *Invalid) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}
