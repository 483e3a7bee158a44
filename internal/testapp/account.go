package testapp

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/auth"
)

// EnsureAccount creates the account of p in the service's database unless it exists, as sign-in or an
// admin would: every access token is checked against its account, so a token minted for a test needs one.
// An existing account is left as it is.
func EnsureAccount(ctx context.Context, db *mongo.Database, p auth.Principal) error {
	doc := bson.D{{Key: "role", Value: string(p.Role)}, {Key: "language", Value: "vi"}, {Key: "disabled", Value: false},
		{Key: "created_at", Value: time.Now().UTC()}, {Key: "epoch", Value: p.Epoch}}
	if p.AgencyID != "" {
		doc = append(doc, bson.E{Key: "agency_id", Value: p.AgencyID})
	}
	_, err := db.Collection("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: p.UserID}},
		bson.D{{Key: "$setOnInsert", Value: doc}}, options.UpdateOne().SetUpsert(true))
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("ensure account %s: %w", p.UserID, err)
	}
	return nil
}
