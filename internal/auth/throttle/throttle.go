// Package throttle decides how long a sign-in must wait after failed
// attempts, so that password guessing gets slower the more it fails.
//
// It is pure: the store keeps, per account, the number of consecutive
// failures and the time of the last one, resets both on success, and asks
// Policy.Check before verifying a password.
package throttle

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned (wrapped, with the wait) by Policy.Check.
var (
	ErrTooSoon = errors.New("too many failed sign-ins; try again later")
	ErrLocked  = errors.New("account temporarily locked after too many failed sign-ins")
)

// Policy shapes the back-off. After FreeFailures failures each further one
// doubles the wait, starting at BaseDelay and capped at MaxDelay; from
// LockAfter failures on the account is locked for LockFor after each failure.
type Policy struct {
	FreeFailures int
	BaseDelay    time.Duration
	MaxDelay     time.Duration
	LockAfter    int
	LockFor      time.Duration
}

// DefaultPolicy waits 0, 0, 1s, 2s, 4s, ... 2m8s after 0..9 failures and
// locks the account for 15 minutes from the 10th.
func DefaultPolicy() Policy {
	return Policy{FreeFailures: 1, BaseDelay: time.Second, MaxDelay: 5 * time.Minute, LockAfter: 10, LockFor: 15 * time.Minute}
}

// Delay returns how long after the last failure another attempt is allowed,
// given failures consecutive failures.
func (p Policy) Delay(failures int) time.Duration {
	if p.LockAfter > 0 && failures >= p.LockAfter {
		return p.LockFor
	}
	extra := failures - p.FreeFailures // 1 for the first delayed attempt
	if extra <= 0 || p.BaseDelay <= 0 {
		return 0
	}
	d := p.BaseDelay
	for i := 1; i < extra; i++ {
		if d >= p.MaxDelay/2 {
			return p.MaxDelay
		}
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// Check returns nil if an attempt at now is allowed after failures
// consecutive failures, the last at lastFailure. Otherwise it returns how long
// to wait and an error wrapping ErrLocked (from LockAfter failures on) or
// ErrTooSoon.
//
// A lock ends LockFor after the last failure, and every failure while locked
// restarts it, so a patient attacker gets one guess per LockFor.
func (p Policy) Check(failures int, lastFailure, now time.Time) (retryAfter time.Duration, err error) {
	wait := lastFailure.Add(p.Delay(failures)).Sub(now)
	if wait <= 0 {
		return 0, nil
	}
	if p.LockAfter > 0 && failures >= p.LockAfter {
		return wait, fmt.Errorf("%w: retry in %v", ErrLocked, wait.Round(time.Second))
	}
	return wait, fmt.Errorf("%w: retry in %v", ErrTooSoon, wait.Round(time.Second))
}
