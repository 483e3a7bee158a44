package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/open311"
)

const colPartners = "open311_partners" // _id: partner ID (the first part of its key)

func init() {
	Indexes = append(Indexes,
		// The admins' list of partners, newest first.
		Index{Collection: colPartners, Name: "by_created", Keys: bson.D{{Key: "created_at", Value: -1}}},
	)
}

var _ open311.PartnerStore = (*Store)(nil)

type partnerDoc struct {
	ID        string     `bson:"_id"`
	Name      string     `bson:"name"`
	Contact   string     `bson:"contact"`
	RateLimit int        `bson:"rate_limit"`
	KeyHash   string     `bson:"key_hash"`
	CreatedAt time.Time  `bson:"created_at"`
	RevokedAt *time.Time `bson:"revoked_at,omitempty"`
}

func (d partnerDoc) partner() open311.Partner {
	p := open311.Partner{ID: d.ID, Name: d.Name, Contact: d.Contact, RateLimit: d.RateLimit, KeyHash: d.KeyHash,
		CreatedAt: d.CreatedAt.UTC()}
	if d.RevokedAt != nil {
		p.RevokedAt = d.RevokedAt.UTC()
	}
	return p
}

// InsertPartner stores a new partner; fault.ErrConflict when its ID is taken.
func (s *Store) InsertPartner(ctx context.Context, p open311.Partner) error {
	d := partnerDoc{ID: p.ID, Name: p.Name, Contact: p.Contact, RateLimit: p.RateLimit, KeyHash: p.KeyHash, CreatedAt: p.CreatedAt}
	_, err := s.db.Collection(colPartners).InsertOne(ctx, d)
	return mapErr(err, "partner")
}

// Partner returns a partner by ID; fault.ErrNotFound when there is none.
func (s *Store) Partner(ctx context.Context, id string) (open311.Partner, error) {
	var d partnerDoc
	if err := s.db.Collection(colPartners).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return open311.Partner{}, fmt.Errorf("load partner %s: %w", id, mapErr(err, "partner"))
	}
	return d.partner(), nil
}

// Partners returns every partner, newest first.
func (s *Store) Partners(ctx context.Context) ([]open311.Partner, error) {
	cur, err := s.db.Collection(colPartners).Find(ctx, bson.D{{Key: "created_at", Value: bson.D{{Key: "$gt", Value: time.Time{}}}}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}))
	if err != nil {
		return nil, mapErr(err, "partners")
	}
	var docs []partnerDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "partners")
	}
	out := make([]open311.Partner, len(docs))
	for i, d := range docs {
		out[i] = d.partner()
	}
	return out, nil
}

// RevokePartner sets the partner's revoked_at unless it is set; fault.ErrNotFound for an unknown partner.
func (s *Store) RevokePartner(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.Collection(colPartners).UpdateOne(ctx, byID(id),
		bson.D{{Key: "$min", Value: bson.D{{Key: "revoked_at", Value: at}}}})
	if err != nil {
		return fmt.Errorf("revoke partner %s: %w", id, mapErr(err, "partner"))
	}
	if res.MatchedCount == 0 {
		return fault.New(fault.ErrNotFound, "no partner "+id)
	}
	return nil
}

// CountCall adds one to the counter key (a claims document, purged after expires) and returns its value:
// one findOneAndUpdate with $inc, so replicas share the count.
func (s *Store) CountCall(ctx context.Context, key string, expires time.Time) (int64, error) {
	var d struct {
		N int64 `bson:"n"`
	}
	err := s.db.Collection(colClaims).FindOneAndUpdate(ctx, byID(key),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}, {Key: "$setOnInsert", Value: bson.D{{Key: "expires_at", Value: expires}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return 0, fmt.Errorf("count call %s: %w", key, mapErr(err, "call counter"))
	}
	return d.N, nil
}
