package account

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/refresh"
	"github.com/quangninh/feedback/internal/fault"
)

// A refresh token on the wire is "<family ID>.<token>": the family ID lets the store read the session by
// its _id (no index on token hashes), and the token is refresh's opaque 43 characters.
// Neither part contains a dot.
func wireToken(is refresh.Issued) string { return is.FamilyID + "." + is.Token }

func parseWireToken(raw string) (familyID string, h refresh.Hash, ok bool) {
	familyID, tok, found := strings.Cut(raw, ".")
	if !found || familyID == "" || len(familyID) > 64 {
		return "", refresh.Hash{}, false
	}
	h, err := refresh.HashToken(tok)
	if err != nil {
		return "", refresh.Hash{}, false
	}
	return familyID, h, true
}

// issueTokens starts a new session (refresh-token family) for u at now.
func (s *Service) issueTokens(ctx context.Context, u User, now time.Time) (Tokens, error) {
	access, err := s.authority.Sign(u.principal(), now)
	if err != nil {
		return Tokens{}, internal("sign access token", err)
	}
	issued, st := refresh.NewFamily(u.ID, now)
	err = s.store.InsertSession(ctx, Session{FamilyID: st.FamilyID, UserID: u.ID, Hash: st.Hash,
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(s.cfg.Refresh.IdleTimeout)})
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access.Token, ExpiresIn: access.ExpiresAt.Sub(now), RefreshToken: wireToken(issued), User: u}, nil
}

var errSessionGone = unauthenticated("the session has expired or was signed out; sign in again")

// Refresh exchanges a refresh token for new tokens; the presented one stops working.
//
// It fails with fault.ErrUnauthenticated when the token is malformed or unknown, its session was signed
// out or idle for longer than the idle timeout, or its user was deleted or disabled. Presenting a token of
// a session that is no longer the session's current one (it was already exchanged, by this client or by a
// thief, or by a concurrent request that won the race) revokes the whole session, the newest token
// included, and also fails with fault.ErrUnauthenticated. fault.ErrUnavailable when the database does not
// answer.
func (s *Service) Refresh(ctx context.Context, raw string) (Tokens, error) {
	familyID, presented, ok := parseWireToken(raw)
	if !ok {
		return Tokens{}, unauthenticated("invalid refresh token")
	}
	sess, err := s.store.Session(ctx, familyID)
	if errors.Is(err, fault.ErrNotFound) {
		return Tokens{}, errSessionGone
	}
	if err != nil {
		return Tokens{}, err
	}
	now := s.now()
	state := refresh.State{Hash: sess.Hash, FamilyID: sess.FamilyID, UserID: sess.UserID, IssuedAt: sess.LastUsedAt}
	switch refresh.RotationOutcome(state, presented, now, s.cfg.Refresh) {
	case refresh.OutcomeRotate:
	case refresh.OutcomeExpired, refresh.OutcomeRevoked:
		return Tokens{}, s.endSession(ctx, familyID, errSessionGone)
	default:
		// OutcomeUnknown: the family is ours but the token is not its current one. Only a token of this
		// family carries its ID, so this is a retired token coming back: reuse.
		return Tokens{}, s.endSession(ctx, familyID, errReuse)
	}
	su, err := s.store.User(ctx, sess.UserID)
	switch {
	case errors.Is(err, fault.ErrNotFound):
		return Tokens{}, s.endSession(ctx, familyID, errSessionGone)
	case err != nil:
		return Tokens{}, err
	case su.Deleted() || su.Disabled:
		return Tokens{}, s.endSession(ctx, familyID, unauthenticated("this account is disabled"))
	}
	access, err := s.authority.Sign(su.principal(), now)
	if err != nil {
		return Tokens{}, internal("sign access token", err)
	}
	next, nextState, _ := refresh.Rotate(state, now)
	err = s.store.RotateSession(ctx, sess.Hash, Session{FamilyID: familyID, UserID: sess.UserID, Hash: nextState.Hash,
		CreatedAt: sess.CreatedAt, LastUsedAt: now, ExpiresAt: now.Add(s.cfg.Refresh.IdleTimeout)})
	switch {
	case errors.Is(err, fault.ErrConflict):
		// Another request exchanged the same token between our read and our write: two holders.
		return Tokens{}, s.endSession(ctx, familyID, errReuse)
	case errors.Is(err, fault.ErrNotFound):
		return Tokens{}, errSessionGone
	case err != nil:
		return Tokens{}, err
	}
	return Tokens{AccessToken: access.Token, ExpiresIn: access.ExpiresAt.Sub(now), RefreshToken: wireToken(next), User: su.User}, nil
}

var errReuse = unauthenticated("this refresh token was already used; the session was signed out for safety, sign in again")

// endSession revokes a family and returns refusal, or the store's error if the revocation failed (so the
// caller retries rather than believing the family is gone).
func (s *Service) endSession(ctx context.Context, familyID string, refusal error) error {
	if err := s.store.DeleteSession(ctx, familyID); err != nil {
		return err
	}
	return refusal
}

// Logout signs out the session of refresh token raw, if it belongs to p, and forgets p's push device
// deviceToken when one is given (the phone sends its FCM token, so it stops getting pushes). A token of another user, or of a
// session already gone, changes nothing and is not an error, so nothing is revealed about it. It fails
// with a *fault.Invalid for field body.refresh_token when raw is malformed, and fault.ErrUnavailable when
// the database does not answer.
func (s *Service) Logout(ctx context.Context, p auth.Principal, raw, deviceToken string) error {
	familyID, _, ok := parseWireToken(raw)
	if !ok {
		inv := &fault.Invalid{}
		inv.Add("body.refresh_token", "not a refresh token")
		return inv
	}
	if deviceToken != "" && s.cfg.Devices != nil {
		if err := s.cfg.Devices.ForgetDevice(ctx, p.UserID, deviceToken); err != nil {
			return err
		}
	}
	sess, err := s.store.Session(ctx, familyID)
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if sess.UserID != p.UserID {
		return nil
	}
	return s.store.DeleteSession(ctx, familyID)
}
