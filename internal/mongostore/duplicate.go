package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/report"
)

const (
	colReportCodes   = "report_codes"   // _id: report code → report ID (FerretDB answers only _id from an index)
	colFollowerMoves = "follower_moves" // _id: a duplicate's report ID whose people still owe a move; deleted when done
)

var _ report.FollowerMoves = (*Store)(nil)

func init() {
	Indexes = append(Indexes,
		// Reports stored before report_codes existed are found by code (a scan on FerretDB; rare: duplicates).
		Index{Collection: colReports, Name: "by_code", Keys: bson.D{{Key: "code", Value: 1}}},
		Index{Collection: colFollowerMoves, Name: "by_created", Keys: bson.D{{Key: "created_at", Value: 1}}},
	)
}

type reportCodeDoc struct {
	Code     string `bson:"_id"`
	ReportID string `bson:"report_id"`
}

// putReportCode records which report has a code. A taken-over submission may record a second code for the
// same report ID (the report keeps the first): ReportIDByCode checks the report's own code.
func (s *Store) putReportCode(ctx context.Context, code, reportID string) error {
	if code == "" {
		return nil
	}
	err := s.insertGrouped(ctx, colReportCodes, reportCodeDoc{Code: code, ReportID: reportID})
	if err != nil && !isDuplicate(err) {
		return mapErr(err, "report code")
	}
	return nil
}

// ReportIDByCode returns the ID of the report with the code; fault.ErrNotFound when there is none.
func (s *Store) ReportIDByCode(ctx context.Context, code string) (string, error) {
	var d reportCodeDoc
	err := s.db.Collection(colReportCodes).FindOne(ctx, byID(code)).Decode(&d)
	if err == nil {
		var r struct {
			Code string `bson:"code"`
		}
		err = s.db.Collection(colReports).FindOne(ctx, byID(d.ReportID), options.FindOne().SetProjection(bson.D{{Key: "code", Value: 1}})).Decode(&r)
		if err == nil && r.Code == code {
			return d.ReportID, nil
		}
	}
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return "", mapErr(err, "report code")
	}
	// Older reports have no report_codes entry.
	var r struct {
		ID string `bson:"_id"`
	}
	err = s.db.Collection(colReports).FindOne(ctx, bson.D{{Key: "code", Value: code}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", fault.New(fault.ErrNotFound, "no report has the code "+code)
	}
	if err != nil {
		return "", mapErr(err, "report")
	}
	return r.ID, s.putReportCode(ctx, code, r.ID)
}

// AddFollowers adds the users, except the report's reporter, to its followers. Concurrent writers to the
// report are arbitrated by version claims (modifyReport), so none of their changes is lost; repeating it
// adds nobody twice.
func (s *Store) AddFollowers(ctx context.Context, id string, userIDs []string, now time.Time) error {
	return s.modifyReport(ctx, id, now, func(d reportDoc) bson.D {
		add := bson.A{}
		for _, u := range userIDs {
			if u != "" && u != d.ReporterID {
				add = append(add, u)
			}
		}
		return bson.D{{Key: "$addToSet", Value: bson.D{{Key: "followers", Value: bson.D{{Key: "$each", Value: add}}}}},
			{Key: "$set", Value: bson.D{{Key: "updated_at", Value: now}}}}
	})
}

// MarkFollowersMoved records on a duplicate that its people follow the original. It moves the document's
// version, not its workflow version (the ticket's ETag stays valid).
func (s *Store) MarkFollowersMoved(ctx context.Context, id string, now time.Time) error {
	return s.modifyReport(ctx, id, now, func(reportDoc) bson.D {
		return bson.D{{Key: "$set", Value: bson.D{{Key: "ticket.followers_moved", Value: true}, {Key: "updated_at", Value: now}}}}
	})
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
