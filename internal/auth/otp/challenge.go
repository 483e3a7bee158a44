package otp

import (
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/quangninh/feedback/internal/auth/phone"
)

// Errors returned by Challenge.Verify and Issuer.Reissue.
var (
	ErrCodeExpired      = errors.New("code has expired")
	ErrTooManyAttempts  = errors.New("too many wrong codes")
	ErrCodeMismatch     = errors.New("code does not match")
	ErrChallengeUsed    = errors.New("challenge was already verified")
	ErrResendTooSoon    = errors.New("a new code was sent too recently")
	ErrTooManySends     = errors.New("too many codes sent for this challenge")
	ErrInvalidPolicy    = errors.New("invalid otp policy")
	ErrInvalidRecipient = errors.New("challenge needs a phone number")
)

// Policy bounds a challenge. It is copied into each Challenge when issued, so
// changing the policy does not affect codes already sent.
type Policy struct {
	TTL            time.Duration // how long a code is valid after it is sent
	MaxAttempts    int           // wrong codes allowed per code sent
	ResendCooldown time.Duration // minimum time between two sends
	MaxSends       int           // codes sent per challenge, the first included
}

// DefaultPolicy returns the policy for SMS sign-in: codes valid for 5 minutes,
// 5 wrong tries per code, 60 seconds between sends, at most 5 sends.
func DefaultPolicy() Policy {
	return Policy{TTL: 5 * time.Minute, MaxAttempts: 5, ResendCooldown: 60 * time.Second, MaxSends: 5}
}

// Validate returns nil, or an error wrapping ErrInvalidPolicy naming the bad field.
func (p Policy) Validate() error {
	switch {
	case p.TTL <= 0:
		return fmt.Errorf("%w: TTL %v must be positive", ErrInvalidPolicy, p.TTL)
	case p.MaxAttempts <= 0:
		return fmt.Errorf("%w: MaxAttempts %d must be positive", ErrInvalidPolicy, p.MaxAttempts)
	case p.ResendCooldown < 0:
		return fmt.Errorf("%w: ResendCooldown %v must not be negative", ErrInvalidPolicy, p.ResendCooldown)
	case p.MaxSends <= 0:
		return fmt.Errorf("%w: MaxSends %d must be positive", ErrInvalidPolicy, p.MaxSends)
	}
	return nil
}

// Challenge is the stored state of one phone sign-in. It holds no secret:
// CodeHash is an HMAC keyed with the server's Pepper.
type Challenge struct {
	Phone      phone.Number
	Salt       []byte    // random per code sent
	CodeHash   []byte    // HMAC-SHA256 of the current code
	SentAt     time.Time // when the current code was sent
	ExpiresAt  time.Time // the current code is refused from this instant on
	Attempts   int       // wrong codes entered against the current code
	Sends      int       // codes sent so far
	VerifiedAt time.Time // zero until a code matched
	Policy     Policy
}

// AttemptsLeft returns how many more wrong codes the current code tolerates.
func (c Challenge) AttemptsLeft() int { return max(0, c.Policy.MaxAttempts-c.Attempts) }

// Verified reports whether a code already matched.
func (c Challenge) Verified() bool { return !c.VerifiedAt.IsZero() }

// Verify checks code against c at time now and returns the next state.
//
// On a match it returns c marked verified and nil. On a wrong code it returns
// c with one more attempt counted and ErrCodeMismatch; that state must be
// saved, or the attempt limit means nothing. Otherwise it returns c unchanged
// and ErrChallengeUsed (a code already matched: codes are single use),
// ErrTooManyAttempts, or ErrCodeExpired, checked in that order. The
// comparison takes constant time.
func (c Challenge) Verify(now time.Time, code Code, pepper Pepper) (Challenge, error) {
	switch {
	case c.Verified():
		return c, ErrChallengeUsed
	case c.Attempts >= c.Policy.MaxAttempts:
		return c, ErrTooManyAttempts
	case !now.Before(c.ExpiresAt):
		return c, ErrCodeExpired
	}
	if len(c.CodeHash) == 0 || !hmac.Equal(pepper.hash(code, c.Phone, c.Salt), c.CodeHash) {
		c.Attempts++
		return c, ErrCodeMismatch
	}
	c.VerifiedAt = now
	return c, nil
}

// CanResend reports whether a new code may be sent at time now. When it may
// not, retryAfter is how long to wait, or 0 if waiting will not help because
// the challenge is verified or out of sends; the caller then has to start a
// new challenge, which the store should rate-limit per phone number.
func (c Challenge) CanResend(now time.Time) (ok bool, retryAfter time.Duration) {
	if c.Verified() || c.Sends >= c.Policy.MaxSends {
		return false, 0
	}
	if wait := c.SentAt.Add(c.Policy.ResendCooldown).Sub(now); wait > 0 {
		return false, wait
	}
	return true, 0
}

// Issuer creates challenges and sends new codes for them.
type Issuer struct {
	Pepper Pepper
	Policy Policy
	Rand   io.Reader // nil means crypto/rand
}

// Issue starts a challenge for a code sent to to at time now. It returns the
// challenge to store and the code to send, which must not be stored. It fails
// with ErrInvalidRecipient for the zero phone number, an error wrapping
// ErrInvalidPolicy or ErrShortPepper if the Issuer is misconfigured, or the
// error of the random source.
func (is Issuer) Issue(to phone.Number, now time.Time) (Challenge, Code, error) {
	if to.IsZero() {
		return Challenge{}, "", ErrInvalidRecipient
	}
	if err := is.Policy.Validate(); err != nil {
		return Challenge{}, "", err
	}
	return is.send(Challenge{Phone: to, Policy: is.Policy}, now)
}

// Reissue sends a new code for c at time now, replacing the old one: the
// old code stops working, the expiry restarts and the attempt count resets.
// It returns the next state and the code to send, or c unchanged and
// ErrChallengeUsed, ErrTooManySends, or an error wrapping ErrResendTooSoon
// that says how long to wait.
func (is Issuer) Reissue(c Challenge, now time.Time) (Challenge, Code, error) {
	if c.Verified() {
		return c, "", ErrChallengeUsed
	}
	ok, wait := c.CanResend(now)
	if !ok {
		if wait == 0 {
			return c, "", ErrTooManySends
		}
		return c, "", fmt.Errorf("%w: retry in %v", ErrResendTooSoon, wait.Round(time.Second))
	}
	return is.send(c, now)
}

func (is Issuer) send(c Challenge, now time.Time) (Challenge, Code, error) {
	if len(is.Pepper.key) < MinPepperLen {
		return c, "", ErrShortPepper
	}
	r := is.Rand
	if r == nil {
		r = rand.Reader
	}
	code, err := NewCode(r)
	if err != nil {
		return c, "", err
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(r, salt); err != nil {
		return c, "", fmt.Errorf("read salt: %w", err)
	}
	next := c
	next.Salt = salt
	next.CodeHash = is.Pepper.hash(code, c.Phone, salt)
	next.SentAt = now
	next.ExpiresAt = now.Add(c.Policy.TTL)
	next.Attempts = 0
	next.Sends = c.Sends + 1
	return next, code, nil
}
