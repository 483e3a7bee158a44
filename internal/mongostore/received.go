package mongostore

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/publicmap"
)

// colReceived counts the reports received each day: _id "YYYY-MM-DD" (Vietnam time), one sub-document per
// dimension of counts by key ({"agency": {"ubnd-06673": 12}, ...}), each report added with one $inc.
const colReceived = "stats_received"

type receivedDoc struct {
	ID     string                    `bson:"_id"`
	Counts map[string]map[string]int `bson:",inline"` // by dimension, then key
}

// AddReceived adds one to the day's count of each dimension's key, creating the day's document if needed.
func (s *Store) AddReceived(ctx context.Context, day string, keys map[publicmap.Dimension]string) error {
	inc := bson.D{}
	for d, k := range keys {
		if k == "" || strings.ContainsAny(k, ".$") {
			continue // not a key a field name can hold; such a report stays uncounted under d
		}
		inc = append(inc, bson.E{Key: string(d) + "." + k, Value: 1})
	}
	if len(inc) == 0 {
		return nil
	}
	_, err := s.db.Collection(colReceived).UpdateOne(ctx, byID(day), bson.D{{Key: "$inc", Value: inc}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return mapErr(fmt.Errorf("count received on %s: %w", day, err), "statistics day")
	}
	return nil
}

// ReceivedOn reads the days' documents by _id.
func (s *Store) ReceivedOn(ctx context.Context, days []string) (map[string]map[publicmap.Dimension]map[string]int, error) {
	cur, err := s.db.Collection(colReceived).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: days}}}})
	if err != nil {
		return nil, mapErr(fmt.Errorf("read received counts: %w", err), "statistics day")
	}
	var docs []receivedDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(fmt.Errorf("read received counts: %w", err), "statistics day")
	}
	out := make(map[string]map[publicmap.Dimension]map[string]int, len(docs))
	for _, d := range docs {
		byDim := map[publicmap.Dimension]map[string]int{}
		for dim, counts := range d.Counts {
			byDim[publicmap.Dimension(dim)] = counts
		}
		out[d.ID] = byDim
	}
	return out, nil
}
