package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/reply"
)

var _ reply.Store = (*Store)(nil)

const colReplyTemplates = "reply_templates" // _id: template ID

func init() {
	Indexes = append(Indexes,
		// An agency's templates (the officers' list).
		Index{Collection: colReplyTemplates, Name: "by_agency", Keys: bson.D{{Key: "agency_id", Value: 1}, {Key: "category", Value: 1}}},
	)
}

type replyTemplateDoc struct {
	ID        string    `bson:"_id"`
	AgencyID  string    `bson:"agency_id"`
	Category  string    `bson:"category"`
	TitleVi   string    `bson:"title_vi"`
	TitleEn   string    `bson:"title_en"`
	BodyVi    string    `bson:"body_vi"`
	BodyEn    string    `bson:"body_en"`
	Version   int64     `bson:"version"`
	UpdatedAt time.Time `bson:"updated_at"`
	UpdatedBy string    `bson:"updated_by,omitempty"`
}

func toReplyTemplateDoc(t reply.Template) replyTemplateDoc {
	return replyTemplateDoc{ID: t.ID, AgencyID: t.AgencyID, Category: t.Category, TitleVi: t.TitleVi, TitleEn: t.TitleEn,
		BodyVi: t.BodyVi, BodyEn: t.BodyEn, Version: t.Version, UpdatedAt: t.UpdatedAt, UpdatedBy: t.UpdatedBy}
}

func (d replyTemplateDoc) template() reply.Template {
	return reply.Template{ID: d.ID, AgencyID: d.AgencyID, Category: d.Category, TitleVi: d.TitleVi, TitleEn: d.TitleEn,
		BodyVi: d.BodyVi, BodyEn: d.BodyEn, Version: d.Version, UpdatedAt: d.UpdatedAt.UTC(), UpdatedBy: d.UpdatedBy}
}

// InsertTemplate stores a new reply template.
func (s *Store) InsertTemplate(ctx context.Context, t reply.Template) error {
	if _, err := s.db.Collection(colReplyTemplates).InsertOne(ctx, toReplyTemplateDoc(t)); err != nil {
		return mapErr(fmt.Errorf("insert template %s: %w", t.ID, err), "template")
	}
	return nil
}

// Template returns one reply template; fault.ErrNotFound when there is none.
func (s *Store) Template(ctx context.Context, id string) (reply.Template, error) {
	var d replyTemplateDoc
	if err := s.db.Collection(colReplyTemplates).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return reply.Template{}, mapErr(err, "template")
	}
	return d.template(), nil
}

// ReplaceTemplate writes t over the template stored at t.Version-1 (a compare-and-swap on its version).
func (s *Store) ReplaceTemplate(ctx context.Context, t reply.Template) (bool, error) {
	res, err := s.db.Collection(colReplyTemplates).ReplaceOne(ctx,
		bson.D{{Key: "_id", Value: t.ID}, {Key: "version", Value: t.Version - 1}}, toReplyTemplateDoc(t))
	if err != nil {
		return false, mapErr(fmt.Errorf("replace template %s: %w", t.ID, err), "template")
	}
	return res.MatchedCount == 1, nil
}

// DeleteTemplate removes a reply template; fault.ErrNotFound when there is none.
func (s *Store) DeleteTemplate(ctx context.Context, id string) error {
	res, err := s.db.Collection(colReplyTemplates).DeleteOne(ctx, byID(id))
	if err != nil {
		return mapErr(fmt.Errorf("delete template %s: %w", id, err), "template")
	}
	if res.DeletedCount == 0 {
		return fault.New(fault.ErrNotFound, "no such template")
	}
	return nil
}

// AgencyTemplates lists an agency's reply templates.
func (s *Store) AgencyTemplates(ctx context.Context, agencyID string) ([]reply.Template, error) {
	cur, err := s.db.Collection(colReplyTemplates).Find(ctx, bson.D{{Key: "agency_id", Value: agencyID}})
	if err != nil {
		return nil, mapErr(fmt.Errorf("list templates of %s: %w", agencyID, err), "template")
	}
	var docs []replyTemplateDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(fmt.Errorf("list templates of %s: %w", agencyID, err), "template")
	}
	out := make([]reply.Template, len(docs))
	for i, d := range docs {
		out[i] = d.template()
	}
	return out, nil
}
