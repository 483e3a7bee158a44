package mongostore

import (
	"context"
	"fmt"

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
	colClaims     = "claims"         // _id: what was claimed once (rate-limit slots, code tries, token exchanges)
	colDevSMS     = "dev_sms"        // messages of the dev SMS sink
)

// Indexes lists every secondary index. _id needs none.
var Indexes = []Index{
	// PurgeExpired deletes by expiry.
	{Collection: colClaims, Name: "by_expiry", Keys: bson.D{{Key: "expires_at", Value: 1}}},
	{Collection: colChallenges, Name: "by_expiry", Keys: bson.D{{Key: "expires_at", Value: 1}}},
	{Collection: colSessions, Name: "by_expiry", Keys: bson.D{{Key: "expires_at", Value: 1}}},
	// A user's sessions: export (oldest first) and sign-out everywhere.
	{Collection: colSessions, Name: "by_user", Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "created_at", Value: 1}}},
	// An agency's staff, ordered by username.
	{Collection: colUsernames, Name: "by_agency", Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: 1}}},
	// The dev SMS sink: a number's messages, newest first.
	{Collection: colDevSMS, Name: "by_recipient", Keys: bson.D{{Key: "to", Value: 1}, {Key: "sent_at", Value: -1}}},
}

// EnsureIndexes creates the declared indexes. It is idempotent and safe when several replicas start at once:
// creating an index that exists with the same keys and options is a no-op on MongoDB and FerretDB.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	byCol := map[string][]mongo.IndexModel{}
	for _, ix := range Indexes {
		m := mongo.IndexModel{Keys: ix.Keys, Options: options.Index().SetName(ix.Name)}
		if ix.Unique {
			m.Options.SetUnique(true)
		}
		byCol[ix.Collection] = append(byCol[ix.Collection], m)
	}
	for col, models := range byCol {
		if _, err := s.db.Collection(col).Indexes().CreateMany(ctx, models); err != nil {
			return fmt.Errorf("create indexes on %s: %w", col, mapErr(err, col))
		}
	}
	return nil
}
