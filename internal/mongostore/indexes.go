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
)

// Indexes lists every secondary index. _id needs none.
var Indexes = []Index{}

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
