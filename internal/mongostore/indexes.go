package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Index is one declared index. Every query the store runs must be served by one of these (or by _id);
// TestIndexCoverage checks the commands actually sent.
type Index struct {
	Collection string
	Name       string
	Keys       bson.D
	Unique     bool
}

// Collection names.
const (
	colCategories = "categories"
	colAgencies   = "agencies"

	colUsers      = "users"          // _id: user ID
	colPhones     = "phones"         // _id: E.164 number → user ID
	colUsernames  = "usernames"      // _id: staff username → user ID; the staff directory
	colSessions   = "sessions"       // _id: refresh-token family ID
	colChallenges = "otp_challenges" // _id: challenge ID
	colClaims     = "claims"         // _id: a counter of a limit's window, or what was claimed once (code tries, cooldowns)
	colDevSMS     = "dev_sms"        // messages of the dev SMS sink

	colLoginFailures = "login_failures" // _id: staff username, existing or not → failed sign-ins in a row
)

// Indexes lists every secondary index. _id needs none.
var Indexes = []Index{
	// PurgeExpired deletes by expiry.
	{Collection: colClaims, Name: "by_expiry", Keys: bson.D{{Key: "expires_at", Value: 1}}},
	{Collection: colChallenges, Name: "by_expiry", Keys: bson.D{{Key: "expires_at", Value: 1}}},
	{Collection: colSessions, Name: "by_expiry", Keys: bson.D{{Key: "expires_at", Value: 1}}},
	{Collection: colLoginFailures, Name: "by_expiry", Keys: bson.D{{Key: "expires_at", Value: 1}}},
	// A user's sessions: export (oldest first) and sign-out everywhere.
	{Collection: colSessions, Name: "by_user", Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "created_at", Value: 1}}},
	// An agency's staff, ordered by username.
	{Collection: colUsernames, Name: "by_agency", Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}},
	// The dev SMS sink: a number's messages, newest first.
	{Collection: colDevSMS, Name: "by_recipient", Keys: bson.D{{Key: "to", Value: 1}, {Key: "sent_at", Value: -1}}},
}

// EnsureIndexes creates the declared indexes that are missing. It is idempotent and safe when several
// replicas start at once. It lists the existing indexes first and creates only the missing ones: FerretDB
// 1.24 fails (closing the connection) when asked to create, in one call, indexes that already exist.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	byCol := map[string][]Index{}
	for _, ix := range Indexes {
		byCol[ix.Collection] = append(byCol[ix.Collection], ix)
	}
	for col, wanted := range byCol {
		var err error
		for attempt := range 3 { // replicas racing to create the same index: look again and retry
			if err = s.ensureCollectionIndexes(ctx, col, wanted); err == nil {
				break
			}
			time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("create indexes on %s: %w", col, err)
		}
	}
	return nil
}

func (s *Store) ensureCollectionIndexes(ctx context.Context, col string, wanted []Index) error {
	specs, err := s.db.Collection(col).Indexes().ListSpecifications(ctx)
	if err != nil {
		return mapErr(err, col)
	}
	have := map[string]bool{}
	for _, sp := range specs {
		have[sp.Name] = true
	}
	for _, ix := range wanted {
		if have[ix.Name] {
			continue
		}
		o := options.Index().SetName(ix.Name)
		if ix.Unique {
			o.SetUnique(true)
		}
		if _, err := s.db.Collection(col).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.Keys, Options: o}); err != nil {
			return mapErr(err, col)
		}
	}
	return nil
}
