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
// Reports counted at the same moment share one $inc (received).
func (s *Store) AddReceived(ctx context.Context, day string, keys map[publicmap.Dimension]string) error {
	_, err := s.received.do(ctx, receivedReport{day: day, keys: keys})
	return err
}

// receivedReport is one report to count on its day.
type receivedReport struct {
	day  string
	keys map[publicmap.Dimension]string
}

// countReceived adds the reports to their days' counts: one $inc upsert per day.
func (s *Store) countReceived(ctx context.Context, rs []receivedReport) ([]struct{}, error) {
	days := make([]string, len(rs))
	for i, r := range rs {
		days[i] = r.day
	}
	for _, day := range uniq(days) {
		counts := map[string]int{}
		var fields []string
		for _, r := range rs {
			if r.day != day {
				continue
			}
			for d, k := range r.keys {
				if k == "" || strings.ContainsAny(k, ".$") {
					continue // not a key a field name can hold; such a report stays uncounted under d
				}
				f := string(d) + "." + k
				if counts[f] == 0 {
					fields = append(fields, f)
				}
				counts[f]++
			}
		}
		if len(fields) == 0 {
			continue
		}
		inc := make(bson.D, len(fields))
		for i, f := range fields {
			inc[i] = bson.E{Key: f, Value: counts[f]}
		}
		_, err := s.db.Collection(colReceived).UpdateOne(ctx, byID(day), bson.D{{Key: "$inc", Value: inc}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			return nil, mapErr(fmt.Errorf("count received on %s: %w", day, err), "statistics day")
		}
	}
	return make([]struct{}, len(rs)), nil
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
