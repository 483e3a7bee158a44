package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
)

const colFollowerMoves = "follower_moves" // _id: a duplicate's report ID whose people still owe a move; deleted when done

var _ report.FollowerMoves = (*Store)(nil)

func init() {
	Indexes = append(Indexes,
		Index{Collection: colFollowerMoves, Name: "by_created", Keys: bson.D{{Key: "created_at", Value: 1}}},
	)
}

// ReportIDByCode returns the ID of the report with the code; fault.ErrNotFound when there is none.
func (s *Store) ReportIDByCode(ctx context.Context, code string) (string, error) {
	var r struct {
		ID string `bson:"_id"`
	}
	err := s.db.Collection(colReports).FindOne(ctx, bson.D{{Key: "code", Value: code}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", fault.New(fault.ErrNotFound, "no report has the code "+code)
	}
	if err != nil {
		return "", mapErr(fmt.Errorf("find report by code %s: %w", code, err), "report")
	}
	return r.ID, nil
}

// AddFollowers adds the users, except the report's reporter, to its followers; repeating it adds nobody
// twice. It moves the document's version, so a workflow write from an older read cannot drop them.
func (s *Store) AddFollowers(ctx context.Context, id string, userIDs []string, now time.Time) error {
	var d struct {
		ReporterID string `bson:"reporter_id"`
	}
	if err := s.db.Collection(colReports).FindOne(ctx, byID(id), options.FindOne().SetProjection(bson.D{{Key: "reporter_id", Value: 1}})).Decode(&d); err != nil {
		return mapErr(fmt.Errorf("load report %s: %w", id, err), "report")
	}
	add := bson.A{}
	for _, u := range userIDs {
		if u != "" && u != d.ReporterID {
			add = append(add, u)
		}
	}
	return s.changeReport(ctx, id, bson.D{{Key: "$addToSet", Value: bson.D{{Key: "followers", Value: bson.D{{Key: "$each", Value: add}}}}},
		{Key: "$set", Value: bson.D{{Key: "updated_at", Value: now}}}})
}

// MarkFollowersMoved records on a duplicate that its people follow the original. It moves the document's
// version, not its workflow version (the ticket's ETag stays valid).
func (s *Store) MarkFollowersMoved(ctx context.Context, id string, now time.Time) error {
	return s.changeReport(ctx, id, bson.D{{Key: "$set", Value: bson.D{{Key: "ticket.followers_moved", Value: true}, {Key: "updated_at", Value: now}}}})
}

type followerMoveDoc struct {
	ID        string    `bson:"_id"`
	CreatedAt time.Time `bson:"created_at"`
}

// PutFollowerMove notes that duplicate id owes a move (idempotent).
func (s *Store) PutFollowerMove(ctx context.Context, id string, now time.Time) error {
	_, err := s.db.Collection(colFollowerMoves).InsertOne(ctx, followerMoveDoc{ID: id, CreatedAt: now})
	if err != nil && !isDuplicate(err) {
		return mapErr(err, "follower move")
	}
	return nil
}

// DeleteFollowerMove forgets the note (not an error when there is none).
func (s *Store) DeleteFollowerMove(ctx context.Context, id string) error {
	_, err := s.db.Collection(colFollowerMoves).DeleteOne(ctx, byID(id))
	return mapErr(err, "follower move")
}

// PendingFollowerMoves returns up to limit duplicates noted before `before`, oldest first.
func (s *Store) PendingFollowerMoves(ctx context.Context, before time.Time, limit int) ([]string, error) {
	cur, err := s.db.Collection(colFollowerMoves).Find(ctx, bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: before}}}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr(err, "follower moves")
	}
	var docs []followerMoveDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "follower moves")
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out, nil
}
