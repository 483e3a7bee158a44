package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/audit"
	"github.com/quangninh/feedback/internal/auth"
)

var _ audit.Store = (*Store)(nil)

const colAudit = "audit_trail" // _id: time-ordered entry ID (audit.Entry.ID)

func init() {
	Indexes = append(Indexes,
		// One actor's entries and one agency's, newest first; the whole trail goes by _id alone.
		Index{Collection: colAudit, Name: "by_actor", Keys: bson.D{{Key: "actor_id", Value: 1}, {Key: "_id", Value: -1}}},
		Index{Collection: colAudit, Name: "by_agency", Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "_id", Value: -1}}},
	)
}

type auditDoc struct {
	ID        string    `bson:"_id"`
	At        time.Time `bson:"at"`
	ActorID   string    `bson:"actor_id"`
	ActorRole string    `bson:"actor_role"`
	AgencyID  string    `bson:"agency_id,omitempty"`
	Operation string    `bson:"operation"`
	Action    string    `bson:"action,omitempty"`
	Method    string    `bson:"method"`
	Path      string    `bson:"path"`
	TargetID  string    `bson:"target_id,omitempty"`
	Status    int       `bson:"status"`
	Address   string    `bson:"address"`
	RequestID string    `bson:"request_id,omitempty"`
}

// InsertAuditEntry stores one entry of the audit trail.
func (s *Store) InsertAuditEntry(ctx context.Context, e audit.Entry) error {
	d := auditDoc{ID: e.ID, At: e.At, ActorID: e.ActorID, ActorRole: string(e.ActorRole), AgencyID: e.AgencyID,
		Operation: e.Operation, Action: e.Action, Method: e.Method, Path: e.Path, TargetID: e.TargetID, Status: e.Status,
		Address: e.Address, RequestID: e.RequestID}
	if _, err := s.db.Collection(colAudit).InsertOne(ctx, d); err != nil {
		return mapErr(fmt.Errorf("insert audit entry %s: %w", e.ID, err), "audit entry")
	}
	return nil
}

// AuditEntries returns entries matching q, newest first.
func (s *Store) AuditEntries(ctx context.Context, q audit.Query) ([]audit.Entry, error) {
	filter := bson.D{}
	if q.ActorID != "" {
		filter = append(filter, bson.E{Key: "actor_id", Value: q.ActorID})
	}
	if q.AgencyID != "" {
		filter = append(filter, bson.E{Key: "agency_id", Value: q.AgencyID})
	}
	ids := bson.D{}
	if q.IDFrom != "" {
		ids = append(ids, bson.E{Key: "$gte", Value: q.IDFrom})
	}
	if q.IDBefore != "" {
		ids = append(ids, bson.E{Key: "$lt", Value: q.IDBefore})
	}
	if len(ids) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: ids})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: -1}})
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	cur, err := s.db.Collection(colAudit).Find(ctx, filter, opts)
	if err != nil {
		return nil, mapErr(fmt.Errorf("list audit entries: %w", err), "audit entry")
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(fmt.Errorf("list audit entries: %w", err), "audit entry")
	}
	out := make([]audit.Entry, len(docs))
	for i, d := range docs {
		out[i] = audit.Entry{ID: d.ID, At: d.At.UTC(), ActorID: d.ActorID, ActorRole: auth.Role(d.ActorRole), AgencyID: d.AgencyID,
			Operation: d.Operation, Action: d.Action, Method: d.Method, Path: d.Path, TargetID: d.TargetID, Status: d.Status,
			Address: d.Address, RequestID: d.RequestID}
	}
	return out, nil
}
