package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/auth/otp"
	"github.com/quangninh/feedback/internal/auth/phone"
	"github.com/quangninh/feedback/internal/auth/refresh"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
)

var _ account.Store = (*Store)(nil)

// Documents of the account collections. Every lookup on a hot path is by _id: the phone number and the
// username are the _id of small mapping documents (phones, usernames) rather than unique indexes on
// optional user fields, and a refresh token names its session.
//
// Each race is settled by one write only one request can win: a limit is a counter moved by a conditional
// $inc (Take), a refresh token is exchanged by a compare-and-swap on the session's hash (RotateSession), a
// try on a code is a claim inserted under a unique _id, and a matching code is consumed by deleting its
// challenge. Counters and claims live in the claims collection and expire.

// userDoc is a resident or a staff member; _id is the user ID.
type userDoc struct {
	ID           string     `bson:"_id"`
	Role         string     `bson:"role"`
	AgencyID     string     `bson:"agency_id,omitempty"`
	Phone        string     `bson:"phone,omitempty"`
	Username     string     `bson:"username,omitempty"`
	DisplayName  string     `bson:"display_name,omitempty"`
	Language     string     `bson:"language"`
	Disabled     bool       `bson:"disabled"`
	CreatedAt    time.Time  `bson:"created_at"`
	DeletedAt    *time.Time `bson:"deleted_at,omitempty"`
	PasswordHash string     `bson:"password_hash,omitempty"`
	Epoch        int64      `bson:"epoch"` // moved on with $inc by every change that revokes tokens
}

func toUserDoc(u account.StoredUser) userDoc {
	return userDoc{ID: u.ID, Role: string(u.Role), AgencyID: u.AgencyID, Phone: u.Phone, Username: u.Username,
		DisplayName: u.DisplayName, Language: u.Language, Disabled: u.Disabled, CreatedAt: u.CreatedAt,
		DeletedAt: timePtr(u.DeletedAt), PasswordHash: u.PasswordHash, Epoch: u.Epoch}
}

func (d userDoc) user() account.StoredUser {
	return account.StoredUser{
		User: account.User{ID: d.ID, Role: auth.Role(d.Role), AgencyID: d.AgencyID, Phone: d.Phone,
			Username: d.Username, DisplayName: d.DisplayName, Language: d.Language, Disabled: d.Disabled,
			CreatedAt: d.CreatedAt.UTC(), DeletedAt: timeOf(d.DeletedAt), Epoch: d.Epoch},
		PasswordHash: d.PasswordHash,
	}
}

// phoneDoc maps a resident's number to their user; _id is the E.164 number.
type phoneDoc struct {
	Phone     string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	CreatedAt time.Time `bson:"created_at"`
}

// usernameDoc maps a staff username to the user, and is the staff directory; _id is the username.
type usernameDoc struct {
	Username string `bson:"_id"`
	UserID   string `bson:"user_id"`
	AgencyID string `bson:"agency_id,omitempty"`
}

// challengeDoc is a phone sign-in challenge; _id is the challenge ID. It holds an HMAC of the code. Its
// attempts are claims, and it is deleted when its code matched.
type challengeDoc struct {
	ID        string    `bson:"_id"`
	Phone     string    `bson:"phone"`
	Salt      []byte    `bson:"salt"`
	CodeHash  []byte    `bson:"code_hash"`
	SentAt    time.Time `bson:"sent_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	Sends     int       `bson:"sends"`
	Policy    policyDoc `bson:"policy"`
}

type policyDoc struct {
	TTLMillis      int64 `bson:"ttl_ms"`
	MaxAttempts    int   `bson:"max_attempts"`
	CooldownMillis int64 `bson:"resend_cooldown_ms"`
	MaxSends       int   `bson:"max_sends"`
}

func toChallengeDoc(id string, c otp.Challenge) challengeDoc {
	return challengeDoc{ID: id, Phone: c.Phone.String(), Salt: c.Salt, CodeHash: c.CodeHash, SentAt: c.SentAt,
		ExpiresAt: c.ExpiresAt, Sends: c.Sends,
		Policy: policyDoc{TTLMillis: c.Policy.TTL.Milliseconds(), MaxAttempts: c.Policy.MaxAttempts,
			CooldownMillis: c.Policy.ResendCooldown.Milliseconds(), MaxSends: c.Policy.MaxSends}}
}

func (d challengeDoc) challenge() (otp.Challenge, error) {
	to, err := phone.Parse(d.Phone)
	if err != nil {
		return otp.Challenge{}, err
	}
	return otp.Challenge{Phone: to, Salt: d.Salt, CodeHash: d.CodeHash, SentAt: d.SentAt.UTC(),
		ExpiresAt: d.ExpiresAt.UTC(), Sends: d.Sends,
		Policy: otp.Policy{TTL: time.Duration(d.Policy.TTLMillis) * time.Millisecond, MaxAttempts: d.Policy.MaxAttempts,
			ResendCooldown: time.Duration(d.Policy.CooldownMillis) * time.Millisecond, MaxSends: d.Policy.MaxSends}}, nil
}

// sessionDoc is a refresh-token family; _id is the family ID.
type sessionDoc struct {
	FamilyID   string    `bson:"_id"`
	UserID     string    `bson:"user_id"`
	Hash       []byte    `bson:"hash"`
	CreatedAt  time.Time `bson:"created_at"`
	LastUsedAt time.Time `bson:"last_used_at"`
	ExpiresAt  time.Time `bson:"expires_at"`
}

func toSessionDoc(s account.Session) sessionDoc {
	return sessionDoc{FamilyID: s.FamilyID, UserID: s.UserID, Hash: s.Hash[:], CreatedAt: s.CreatedAt,
		LastUsedAt: s.LastUsedAt, ExpiresAt: s.ExpiresAt}
}

func (d sessionDoc) session() account.Session {
	var h refresh.Hash
	copy(h[:], d.Hash)
	return account.Session{FamilyID: d.FamilyID, UserID: d.UserID, Hash: h, CreatedAt: d.CreatedAt.UTC(),
		LastUsedAt: d.LastUsedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC()}
}

// claimDoc records that something happened once; _id says what, and only one insert of it succeeds:
//
//	task:<name>                     a one-off task under way (ClaimTask)
//	cooldown:<key>:<bucket>         a cooldown started in that bucket (of the cooldown's length)
//	attempt:<challenge ID>#<n>      the n-th try on a code
//	pushed:<hint ID>                a hint whose pushes were settled
type claimDoc struct {
	ID        string    `bson:"_id"`
	At        time.Time `bson:"at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// claim inserts the claim id; false when it was claimed already.
func (s *Store) claim(ctx context.Context, id string, at, expiresAt time.Time) (bool, error) {
	_, err := s.db.Collection(colClaims).InsertOne(ctx, claimDoc{ID: id, At: at, ExpiresAt: expiresAt})
	if isDuplicate(err) {
		return false, nil
	}
	return err == nil, mapErr(err, "claim")
}

// ClaimTask claims a named one-off task (report.Worker.SweepOriginals); false when claimed already. The
// claim is kept until `until`.
func (s *Store) ClaimTask(ctx context.Context, name string, until time.Time) (bool, error) {
	return s.claim(ctx, "task:"+name, time.Now(), until)
}

// ReleaseTask gives up the claim of a task that could not be finished, so it is claimed again.
func (s *Store) ReleaseTask(ctx context.Context, name string) error {
	return s.unclaim(ctx, "task:"+name)
}

// claimed returns the claim id, and whether it exists.
func (s *Store) claimed(ctx context.Context, id string) (claimDoc, bool, error) {
	var d claimDoc
	err := s.db.Collection(colClaims).FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return claimDoc{}, false, nil
	}
	return d, err == nil, mapErr(err, "claim")
}

func (s *Store) unclaim(ctx context.Context, id string) error {
	_, err := s.db.Collection(colClaims).DeleteOne(ctx, byID(id))
	return mapErr(err, "claim")
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// ---- Limits

// counterDoc is a fixed-window counter (Take), kept in claims until its window ends.
type counterDoc struct {
	ID        string    `bson:"_id"`
	N         int       `bson:"n"`
	ExpiresAt time.Time `bson:"expires_at"`
}

func counterID(key string) string { return "count:" + key }

// Take counts one more against limit with one conditional upsert: $inc while the count is under limit.
// At the limit the filter matches nothing and the upsert's insert collides with the counter's _id: the
// answer is 0 (refused). Otherwise it returns the new count.
func (s *Store) Take(ctx context.Context, key string, limit int, windowEnd time.Time) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	var d counterDoc
	err := s.db.Collection(colClaims).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: counterID(key)}, {Key: "n", Value: bson.D{{Key: "$lt", Value: limit}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "at", Value: time.Now()}, {Key: "expires_at", Value: windowEnd}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if isDuplicate(err) {
		return 0, nil
	}
	if err != nil {
		return 0, mapErr(fmt.Errorf("count %s: %w", key, err), "counter")
	}
	return d.N, nil
}

// GiveBack counts one less (what was counted did not happen).
func (s *Store) GiveBack(ctx context.Context, key string, _ int) error {
	_, err := s.db.Collection(colClaims).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: counterID(key)}, {Key: "n", Value: bson.D{{Key: "$gt", Value: 0}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: -1}}}})
	return mapErr(err, "counter")
}

// TakeHourOfDay counts one more on a day's counter (n) and on its hour's field (hHH), with one conditional
// upsert, as Take does: while both are under their limits the filter matches and $inc counts; otherwise the
// upsert's insert collides with the counter's _id, and a read of the counter tells which window is full.
func (s *Store) TakeHourOfDay(ctx context.Context, key string, hour time.Time, hourLimit, dayLimit int, dayEnd time.Time) (string, error) {
	if hourLimit <= 0 && dayLimit <= 0 {
		return "", nil
	}
	id, field := counterID(key), hourField(hour)
	filter := bson.D{{Key: "_id", Value: id}}
	if dayLimit > 0 {
		filter = append(filter, bson.E{Key: "n", Value: bson.D{{Key: "$lt", Value: dayLimit}}})
	}
	if hourLimit > 0 { // a missing hour field is an hour with nothing counted yet
		filter = append(filter, bson.E{Key: field, Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gte", Value: hourLimit}}}}})
	}
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}, {Key: field, Value: 1}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "expires_at", Value: dayEnd}}}}
	for range 3 {
		_, err := s.db.Collection(colClaims).UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
		if err == nil {
			return "", nil
		}
		if !isDuplicate(err) {
			return "", mapErr(fmt.Errorf("count %s: %w", key, err), "counter")
		}
		var d bson.Raw
		if err := s.db.Collection(colClaims).FindOne(ctx, byID(id)).Decode(&d); err != nil {
			return "", mapErr(fmt.Errorf("read counter %s: %w", key, err), "counter")
		}
		n, _ := d.Lookup("n").AsInt64OK()
		h, _ := d.Lookup(field).AsInt64OK()
		switch {
		case dayLimit > 0 && n >= int64(dayLimit):
			return report.WindowDay, nil
		case hourLimit > 0 && h >= int64(hourLimit):
			return report.WindowHour, nil
		}
		// Neither is full: another upsert created the counter first (or a count was given back); again.
	}
	return "", fault.New(fault.ErrUnavailable, "your report count keeps changing; try again")
}

// GiveBackHourOfDay counts one less on a day's counter and its hour (what was counted did not happen).
func (s *Store) GiveBackHourOfDay(ctx context.Context, key string, hour time.Time) error {
	field := hourField(hour)
	_, err := s.db.Collection(colClaims).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: counterID(key)}, {Key: field, Value: bson.D{{Key: "$gt", Value: 0}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: -1}, {Key: field, Value: -1}}}})
	return mapErr(err, "counter")
}

// hourField names an hour's count in a day's counter: h00 to h23 (UTC).
func hourField(hour time.Time) string { return "h" + hour.UTC().Format("15") }

func cooldownID(key string, at time.Time, d time.Duration) string {
	return "cooldown:" + key + ":" + strconv.FormatInt(at.UnixMilli()/d.Milliseconds(), 10)
}

// StartCooldown claims the cooldown's time bucket (buckets are d long), so at most one cooldown starts per
// bucket, after checking that the one of the previous bucket, if any, has ended. Two requests at the same
// instant on either side of a bucket boundary could both start one; anything later is refused.
func (s *Store) StartCooldown(ctx context.Context, key string, now time.Time, d time.Duration) (time.Time, error) {
	if d < time.Millisecond {
		return time.Time{}, nil
	}
	prev, ok, err := s.claimed(ctx, cooldownID(key, now.Add(-d), d))
	if err != nil {
		return time.Time{}, err
	}
	if ok && prev.At.Add(d).After(now) {
		return prev.At.Add(d).UTC(), nil
	}
	id := cooldownID(key, now, d)
	for range 3 {
		won, err := s.claim(ctx, id, now, now.Add(d))
		if err != nil || won {
			return time.Time{}, err
		}
		cur, ok, err := s.claimed(ctx, id)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			return cur.At.Add(d).UTC(), nil
		}
		// Given back in between: try again.
	}
	return time.Time{}, fault.New(fault.ErrUnavailable, "the cooldown keeps changing; try again")
}

// EndCooldown deletes the claim of the cooldown started at startedAt.
func (s *Store) EndCooldown(ctx context.Context, key string, startedAt time.Time, d time.Duration) error {
	if d < time.Millisecond {
		return nil
	}
	return s.unclaim(ctx, cooldownID(key, startedAt, d))
}

// PurgeExpired deletes the claims, challenges, sessions and login failures that expired before now.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) error {
	filter := bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}}
	for _, col := range []string{colClaims, colChallenges, colSessions, colLoginFailures} {
		if _, err := s.db.Collection(col).DeleteMany(ctx, filter); err != nil {
			return mapErr(err, col)
		}
	}
	return nil
}

// loginFailuresDoc counts the failed sign-ins in a row of a username, existing or not; _id is the username.
type loginFailuresDoc struct {
	Username      string    `bson:"_id"`
	Failures      int       `bson:"failures"`
	LastFailureAt time.Time `bson:"last_failure_at"`
	ExpiresAt     time.Time `bson:"expires_at"`
}

// LoginFailures reads the username's record; none means no failure.
func (s *Store) LoginFailures(ctx context.Context, username string) (account.LoginFailures, error) {
	var d loginFailuresDoc
	err := s.db.Collection(colLoginFailures).FindOne(ctx, byID(username)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return account.LoginFailures{}, nil
	}
	if err != nil {
		return account.LoginFailures{}, mapErr(err, "login failures")
	}
	return account.LoginFailures{Failures: d.Failures, LastFailureAt: d.LastFailureAt.UTC()}, nil
}

// RecordLoginFailure counts a failure with an upserting $inc, so concurrent failures all count (two
// first failures racing to insert: the loser counts again on the inserted record).
func (s *Store) RecordLoginFailure(ctx context.Context, username string, at, expiresAt time.Time) error {
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}},
		{Key: "$set", Value: bson.D{{Key: "last_failure_at", Value: at}, {Key: "expires_at", Value: expiresAt}}},
	}
	var err error
	for range 2 {
		_, err = s.db.Collection(colLoginFailures).UpdateOne(ctx, byID(username), update, options.UpdateOne().SetUpsert(true))
		if !isDuplicate(err) {
			break
		}
	}
	return mapErr(err, "login failures")
}

// ResetLoginFailures deletes the username's record.
func (s *Store) ResetLoginFailures(ctx context.Context, username string) error {
	_, err := s.db.Collection(colLoginFailures).DeleteOne(ctx, byID(username))
	return mapErr(err, "login failures")
}

// ---- Challenges

// InsertChallenge stores a new challenge.
func (s *Store) InsertChallenge(ctx context.Context, id string, c otp.Challenge) error {
	_, err := s.db.Collection(colChallenges).InsertOne(ctx, toChallengeDoc(id, c))
	return mapErr(err, "challenge")
}

// DeleteChallenge removes a challenge, if there is one.
func (s *Store) DeleteChallenge(ctx context.Context, id string) error {
	_, err := s.db.Collection(colChallenges).DeleteOne(ctx, byID(id))
	return mapErr(err, "challenge")
}

// CountAttempt reads the challenge, then claims the first free attempt slot; the number of slots below
// it is the number of attempts before this one.
func (s *Store) CountAttempt(ctx context.Context, id string) (otp.Challenge, error) {
	var d challengeDoc
	if err := s.db.Collection(colChallenges).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return otp.Challenge{}, mapErr(err, "challenge")
	}
	c, err := d.challenge()
	if err != nil {
		return otp.Challenge{}, fmt.Errorf("mongodb challenge %s: %w", id, err)
	}
	c.Attempts = c.Policy.MaxAttempts // when every slot is taken
	for n := 1; n <= c.Policy.MaxAttempts; n++ {
		won, err := s.claim(ctx, "attempt:"+id+"#"+strconv.Itoa(n), time.Now(), c.ExpiresAt)
		if err != nil {
			return otp.Challenge{}, err
		}
		if won {
			c.Attempts = n - 1
			break
		}
	}
	return c, nil
}

// ConsumeChallenge deletes the challenge: only one DeleteOne finds it.
func (s *Store) ConsumeChallenge(ctx context.Context, id string) error {
	res, err := s.db.Collection(colChallenges).DeleteOne(ctx, byID(id))
	if err != nil {
		return mapErr(err, "challenge")
	}
	if res.DeletedCount == 0 {
		return fault.New(fault.ErrNotFound, "challenge not found")
	}
	return nil
}

// ---- Users

// ClaimPhone inserts the number's mapping, or reads the one that exists.
func (s *Store) ClaimPhone(ctx context.Context, e164, userID string, at time.Time) (string, error) {
	col := s.db.Collection(colPhones)
	_, err := col.InsertOne(ctx, phoneDoc{Phone: e164, UserID: userID, CreatedAt: at})
	if err == nil {
		return userID, nil
	}
	if !isDuplicate(err) {
		return "", mapErr(err, "phone")
	}
	var d phoneDoc
	if err := col.FindOne(ctx, byID(e164)).Decode(&d); err != nil {
		return "", mapErr(err, "phone")
	}
	return d.UserID, nil
}

// ReleasePhone deletes the number's mapping if it still maps to userID (the number may already belong to
// a newer account).
func (s *Store) ReleasePhone(ctx context.Context, e164, userID string) error {
	_, err := s.db.Collection(colPhones).DeleteOne(ctx, bson.D{{Key: "_id", Value: e164}, {Key: "user_id", Value: userID}})
	return mapErr(err, "phone")
}

// EnsureResident inserts the resident unless the user exists ($setOnInsert: repeating it changes nothing).
func (s *Store) EnsureResident(ctx context.Context, u account.User) error {
	_, err := s.db.Collection(colUsers).UpdateOne(ctx, byID(u.ID),
		bson.D{{Key: "$setOnInsert", Value: toUserDoc(account.StoredUser{User: u})}},
		options.UpdateOne().SetUpsert(true))
	if isDuplicate(err) {
		return nil // a concurrent upsert inserted it
	}
	return mapErr(err, "user")
}

// InsertStaff inserts the user, then claims the username; if the username is taken it removes the user
// again. A crash in between leaves a user no username leads to, which nothing lists.
func (s *Store) InsertStaff(ctx context.Context, u account.StoredUser) error {
	users := s.db.Collection(colUsers)
	if _, err := users.InsertOne(ctx, toUserDoc(u)); err != nil {
		return mapErr(err, "user")
	}
	_, err := s.db.Collection(colUsernames).InsertOne(ctx, usernameDoc{Username: u.Username, UserID: u.ID, AgencyID: u.AgencyID})
	if err != nil {
		_, _ = users.DeleteOne(context.WithoutCancel(ctx), byID(u.ID))
		return mapErr(err, "username")
	}
	return nil
}

// User returns one user.
func (s *Store) User(ctx context.Context, id string) (account.StoredUser, error) {
	var d userDoc
	if err := s.db.Collection(colUsers).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return account.StoredUser{}, mapErr(err, "user")
	}
	return d.user(), nil
}

// StaffByUsername follows the username's mapping to the user.
func (s *Store) StaffByUsername(ctx context.Context, username string) (account.StoredUser, error) {
	var m usernameDoc
	if err := s.db.Collection(colUsernames).FindOne(ctx, byID(username)).Decode(&m); err != nil {
		return account.StoredUser{}, mapErr(err, "user")
	}
	return s.User(ctx, m.UserID)
}

// ListStaff reads the staff directory (usernames, ordered by username), then the users it names.
func (s *Store) ListStaff(ctx context.Context, agencyID string) ([]account.StoredUser, error) {
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: ""}}}} // every username
	if agencyID != "" {
		filter = bson.D{{Key: "agency_id", Value: agencyID}}
	}
	cur, err := s.db.Collection(colUsernames).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "usernames")
	}
	var names []usernameDoc
	if err := cur.All(ctx, &names); err != nil {
		return nil, mapErr(err, "usernames")
	}
	if len(names) == 0 {
		return nil, nil
	}
	ids := make([]string, len(names))
	for i, n := range names {
		ids[i] = n.UserID
	}
	cur, err = s.db.Collection(colUsers).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, mapErr(err, "users")
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "users")
	}
	byUser := make(map[string]userDoc, len(docs))
	for _, d := range docs {
		byUser[d.ID] = d
	}
	out := make([]account.StoredUser, 0, len(names))
	for _, n := range names {
		if d, ok := byUser[n.UserID]; ok {
			out = append(out, d.user())
		}
	}
	return out, nil
}

// UpdateUser sets the changed fields and returns the user after the change.
func (s *Store) UpdateUser(ctx context.Context, id string, ch account.UserChange) (account.StoredUser, error) {
	var set, unset bson.D
	if ch.DisplayName != nil {
		set = append(set, bson.E{Key: "display_name", Value: *ch.DisplayName})
	}
	if ch.Language != nil {
		set = append(set, bson.E{Key: "language", Value: *ch.Language})
	}
	if ch.Disabled != nil {
		set = append(set, bson.E{Key: "disabled", Value: *ch.Disabled})
	}
	if ch.PasswordHash != nil {
		set = append(set, bson.E{Key: "password_hash", Value: *ch.PasswordHash})
	}
	if len(set) == 0 && !ch.RevokeTokens {
		return s.User(ctx, id)
	}
	var update bson.D
	if len(set) > 0 {
		update = append(update, bson.E{Key: "$set", Value: set})
	}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	if ch.RevokeTokens {
		update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "epoch", Value: int64(1)}}})
	}
	var d userDoc
	err := s.db.Collection(colUsers).FindOneAndUpdate(ctx, byID(id), update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return account.StoredUser{}, mapErr(err, "user")
	}
	return d.user(), nil
}

// EraseUser unsets the personal fields, sets deleted_at with $min, so a repeat keeps the first date, and
// moves the token epoch on.
func (s *Store) EraseUser(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.Collection(colUsers).UpdateOne(ctx, byID(id), bson.D{
		{Key: "$unset", Value: bson.D{
			{Key: "phone", Value: ""}, {Key: "display_name", Value: ""}, {Key: "devices", Value: ""},
		}},
		{Key: "$min", Value: bson.D{{Key: "deleted_at", Value: at}}},
		{Key: "$inc", Value: bson.D{{Key: "epoch", Value: int64(1)}}},
	})
	if err != nil {
		return mapErr(err, "user")
	}
	if res.MatchedCount == 0 {
		return fault.New(fault.ErrNotFound, "user not found")
	}
	return nil
}

// ---- Sessions

// InsertSession stores a new refresh-token family.
func (s *Store) InsertSession(ctx context.Context, se account.Session) error {
	_, err := s.db.Collection(colSessions).InsertOne(ctx, toSessionDoc(se))
	return mapErr(err, "session")
}

// Session returns one family.
func (s *Store) Session(ctx context.Context, familyID string) (account.Session, error) {
	var d sessionDoc
	if err := s.db.Collection(colSessions).FindOne(ctx, byID(familyID)).Decode(&d); err != nil {
		return account.Session{}, mapErr(err, "session")
	}
	return d.session(), nil
}

// RotateSession replaces the family's hash old with next's by one compare-and-swap on the session: of
// requests exchanging the same token at once, exactly one matches. A miss is read again to tell a family
// that is gone from a token another request exchanged.
func (s *Store) RotateSession(ctx context.Context, old refresh.Hash, next account.Session) error {
	res, err := s.db.Collection(colSessions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: next.FamilyID}, {Key: "hash", Value: old[:]}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "hash", Value: next.Hash[:]},
			{Key: "last_used_at", Value: next.LastUsedAt},
			{Key: "expires_at", Value: next.ExpiresAt},
		}}})
	if err != nil {
		return mapErr(fmt.Errorf("rotate session %s: %w", next.FamilyID, err), "session")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	if _, err := s.Session(ctx, next.FamilyID); err != nil {
		return err
	}
	return fault.New(fault.ErrConflict, "the refresh token was exchanged by another request")
}

// DeleteSession revokes a family.
func (s *Store) DeleteSession(ctx context.Context, familyID string) error {
	_, err := s.db.Collection(colSessions).DeleteOne(ctx, byID(familyID))
	return mapErr(err, "session")
}

// DeleteUserSessions revokes every family of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := s.db.Collection(colSessions).DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return mapErr(err, "sessions")
}

// UserSessions returns a user's families, oldest first.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]account.Session, error) {
	cur, err := s.db.Collection(colSessions).Find(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "sessions")
	}
	var docs []sessionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "sessions")
	}
	out := make([]account.Session, len(docs))
	for i, d := range docs {
		out[i] = d.session()
	}
	return out, nil
}
