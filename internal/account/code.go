package account

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/otp"
	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/fault"
)

// Challenge is a sign-in code on its way to a phone.
type Challenge struct {
	ID          string
	Phone       phone.Number
	ExpiresAt   time.Time     // the code is refused from this instant on
	ResendAfter time.Duration // before this, asking for another code for this number is refused
}

// RequestCode sends a one-time sign-in code by SMS to rawPhone, asked for from clientIP ("" when unknown).
//
// It fails with a *fault.Invalid for field body.phone when rawPhone is not a Vietnamese mobile number; with
// a *RetryAfterError (fault.ErrRateLimited) while the number's cooldown runs, after PerPhoneSends codes to
// the number or PerIPSends requests from clientIP in the current hour; and with fault.ErrUnavailable when
// the SMS gateway or the database does not answer. A code that could not be sent leaves no usable
// challenge, and gives the number its cooldown and hourly quota back.
func (s *Service) RequestCode(ctx context.Context, rawPhone, clientIP string) (Challenge, error) {
	to, err := phone.Parse(rawPhone)
	if err != nil {
		inv := &fault.Invalid{}
		inv.Add("body.phone", err.Error())
		return Challenge{}, inv
	}
	now := s.now()
	windowStart := now.Truncate(limitWindow)
	windowEnd := windowStart.Add(limitWindow)
	window := strconv.FormatInt(windowStart.Unix(), 10)

	// The address limit counts every request, refused or not, so that one client cannot walk through
	// numbers (SMS pumping); it is not given back when a send fails.
	if clientIP != "" {
		slot, err := s.store.Take(ctx, "otp-ip:"+clientIP+":"+window, s.cfg.PerIPSends, windowEnd)
		if err != nil {
			return Challenge{}, err
		}
		if slot == 0 {
			return Challenge{}, rateLimited("too many codes were requested from this network; try again later", windowEnd.Sub(now))
		}
	}
	cooldownKey := "otp-cooldown:" + to.String()
	cooldown := s.cfg.OTP.ResendCooldown
	busy, err := s.store.StartCooldown(ctx, cooldownKey, now, cooldown)
	if err != nil {
		return Challenge{}, err
	}
	if !busy.IsZero() {
		return Challenge{}, rateLimited("a code was just sent to this number; wait before asking for another", busy.Sub(now))
	}
	phoneKey := "otp-phone:" + to.String() + ":" + window
	slot, err := s.store.Take(ctx, phoneKey, s.cfg.PerPhoneSends, windowEnd)
	if err != nil {
		return Challenge{}, err
	}
	if slot == 0 {
		return Challenge{}, rateLimited("too many codes were sent to this number; try again later", windowEnd.Sub(now))
	}
	// giveBack undoes the number's limits when no code reached it. It runs even if ctx was cancelled.
	giveBack := func(id string) {
		bg := context.WithoutCancel(ctx)
		if id != "" {
			_ = s.store.DeleteChallenge(bg, id)
		}
		_ = s.store.GiveBack(bg, phoneKey, slot)
		_ = s.store.EndCooldown(bg, cooldownKey, now, cooldown)
	}

	c, code, err := s.issuer.Issue(to, now)
	if err != nil {
		giveBack("")
		return Challenge{}, internal("issue code", err)
	}
	id := newID()
	if err := s.store.InsertChallenge(ctx, id, c); err != nil {
		giveBack("")
		return Challenge{}, err
	}
	if err := s.sms.Send(ctx, to, smsText(code, s.cfg.OTP.TTL)); err != nil {
		giveBack(id)
		return Challenge{}, fault.Wrap(fault.ErrUnavailable, "the SMS could not be sent; try again in a moment", err)
	}
	return Challenge{ID: id, Phone: to, ExpiresAt: c.ExpiresAt, ResendAfter: s.cfg.OTP.ResendCooldown}, nil
}

// smsText is the message carrying code. It is Vietnamese written without diacritics on purpose: plain
// ASCII fits the GSM-7 alphabet, 160 characters per SMS, while a single "ã" switches the whole message to
// UCS-2, 70 characters per SMS, which would split this text in two (twice the cost, and some phones show
// the parts out of order).
func smsText(code otp.Code, ttl time.Duration) string {
	return fmt.Sprintf("Ma xac thuc Smart Quang Ninh cua ban la %s. Ma co hieu luc %d phut.", code, int(ttl.Minutes()))
}

// VerifyCode signs a resident in with the code sent for challengeID, creating their account on the first
// sign-in with that number.
//
// It fails with a *fault.Invalid for field body.code when code is not 6 digits, and otherwise with
// fault.ErrUnauthenticated: for an unknown, used or purged challenge; for a wrong code, saying how many
// tries are left; once the tries are used up (a new code is needed, so waiting would not help: that is why
// it is 401 and not 429); for an expired code; for a disabled account. Every guess claims its own attempt
// in the database before it is judged, so concurrent guesses cannot share a try, and a matching code is
// consumed by one request only. fault.ErrUnavailable when the database does not answer.
func (s *Service) VerifyCode(ctx context.Context, challengeID, code string) (Tokens, error) {
	parsed, err := otp.ParseCode(code)
	if err != nil {
		inv := &fault.Invalid{}
		inv.Add("body.code", err.Error())
		return Tokens{}, inv
	}
	c, err := s.store.CountAttempt(ctx, challengeID)
	if errors.Is(err, fault.ErrNotFound) {
		return Tokens{}, unauthenticated("unknown or expired code; ask for a new one")
	}
	if err != nil {
		return Tokens{}, err
	}
	now := s.now()
	next, err := c.Verify(now, parsed, s.cfg.Pepper)
	switch {
	case errors.Is(err, otp.ErrCodeMismatch):
		if left := next.AttemptsLeft(); left > 0 {
			return Tokens{}, unauthenticated(fmt.Sprintf("wrong code, %d tries left", left))
		}
		return Tokens{}, unauthenticated("wrong code, no tries left; ask for a new code")
	case errors.Is(err, otp.ErrTooManyAttempts):
		return Tokens{}, unauthenticated("too many wrong codes; ask for a new code")
	case errors.Is(err, otp.ErrCodeExpired):
		return Tokens{}, unauthenticated("the code has expired; ask for a new one")
	case errors.Is(err, otp.ErrChallengeUsed):
		return Tokens{}, unauthenticated("this code was already used; ask for a new one")
	case err != nil:
		return Tokens{}, internal("verify code", err)
	}
	if err := s.store.ConsumeChallenge(ctx, challengeID); err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return Tokens{}, unauthenticated("this code was already used; ask for a new one")
		}
		return Tokens{}, err
	}
	u, err := s.resident(ctx, c.Phone, now)
	if err != nil {
		return Tokens{}, err
	}
	return s.issueTokens(ctx, u, now)
}

// resident finds the resident signed in with number, creating them on first sign-in. Every step is
// idempotent, so two first sign-ins at once, or a retry after a crash between steps, end with one account:
// the phone mapping is inserted first (the loser of a race reads the winner's), then the user is created
// only if missing.
func (s *Service) resident(ctx context.Context, number phone.Number, now time.Time) (User, error) {
	e164 := number.String()
	for range 3 {
		owner, err := s.store.ClaimPhone(ctx, e164, newID(), now)
		if err != nil {
			return User{}, err
		}
		su, err := s.store.User(ctx, owner)
		if errors.Is(err, fault.ErrNotFound) {
			err = s.store.EnsureResident(ctx, User{ID: owner, Role: auth.RoleResident, Phone: e164,
				Language: LanguageVietnamese, CreatedAt: now})
			if err != nil {
				return User{}, err
			}
			su, err = s.store.User(ctx, owner)
		}
		if err != nil {
			return User{}, err
		}
		switch {
		case su.Deleted() || su.Role != auth.RoleResident:
			// A deletion was interrupted before it released the number: finish it, then start afresh.
			if err := s.store.ReleasePhone(ctx, e164, owner); err != nil {
				return User{}, err
			}
			continue
		case su.Disabled:
			return User{}, unauthenticated("this account is disabled")
		}
		return su.User, nil
	}
	return User{}, internal("sign in resident", errors.New("the phone mapping keeps pointing at deleted users"))
}
