package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/catalogue"
)

// categoryDoc is a category as stored; _id is the category code.
type categoryDoc struct {
	Code      string `bson:"_id"`
	NameVi    string `bson:"name_vi"`
	NameEn    string `bson:"name_en"`
	Group     string `bson:"group"`
	Handler   string `bson:"handler"`
	Class     string `bson:"class"`
	Sensitive bool   `bson:"sensitive"`
	Physical  bool   `bson:"physical"`
}

func toCategoryDoc(c catalogue.Category) categoryDoc {
	return categoryDoc{Code: c.Code, NameVi: c.NameVi, NameEn: c.NameEn, Group: c.Group, Handler: c.Handler,
		Class: string(c.Deadline), Sensitive: c.Sensitive, Physical: c.Physical}
}

func (d categoryDoc) category() catalogue.Category {
	return catalogue.Category{Code: d.Code, NameVi: d.NameVi, NameEn: d.NameEn, Group: d.Group, Handler: d.Handler,
		Deadline: catalogue.DeadlineClass(d.Class), Sensitive: d.Sensitive, Physical: d.Physical}
}

// SeedCategories inserts the categories that are missing and leaves existing ones alone (admins may have
// edited them). Idempotent, and safe when several replicas seed at once.
func (s *Store) SeedCategories(ctx context.Context, cats []catalogue.Category) error {
	col := s.db.Collection(colCategories)
	for _, c := range cats {
		_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: c.Code}},
			bson.D{{Key: "$setOnInsert", Value: toCategoryDoc(c)}}, options.UpdateOne().SetUpsert(true))
		if err != nil && !isDuplicate(err) {
			return mapErr(err, "category")
		}
	}
	return nil
}

// Categories returns every category ordered by code; fault.ErrUnavailable when the database does not answer.
func (s *Store) Categories(ctx context.Context) ([]catalogue.Category, error) {
	cur, err := s.db.Collection(colCategories).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "categories")
	}
	var docs []categoryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "categories")
	}
	out := make([]catalogue.Category, len(docs))
	for i, d := range docs {
		out[i] = d.category()
	}
	return out, nil
}

// Category returns one category; fault.ErrNotFound when there is none with that code.
func (s *Store) Category(ctx context.Context, code string) (catalogue.Category, error) {
	var d categoryDoc
	err := s.db.Collection(colCategories).FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d)
	if err != nil {
		return catalogue.Category{}, mapErr(err, "category")
	}
	return d.category(), nil
}

// agencyDoc is an agency as stored; _id is the agency ID.
type agencyDoc struct {
	ID          string `bson:"_id"`
	NameVi      string `bson:"name_vi"`
	NameEn      string `bson:"name_en"`
	Kind        string `bson:"kind"`
	CommuneCode string `bson:"commune_code,omitempty"`
}

func toAgencyDoc(a catalogue.Agency) agencyDoc {
	return agencyDoc{ID: a.ID, NameVi: a.NameVi, NameEn: a.NameEn, Kind: string(a.Kind), CommuneCode: a.CommuneCode}
}

func (d agencyDoc) agency() catalogue.Agency {
	return catalogue.Agency{ID: d.ID, NameVi: d.NameVi, NameEn: d.NameEn, Kind: catalogue.AgencyKind(d.Kind), CommuneCode: d.CommuneCode}
}

// SeedAgencies inserts the agencies that are missing, leaving existing ones alone. Idempotent.
func (s *Store) SeedAgencies(ctx context.Context, agencies []catalogue.Agency) error {
	col := s.db.Collection(colAgencies)
	for _, a := range agencies {
		_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: a.ID}},
			bson.D{{Key: "$setOnInsert", Value: toAgencyDoc(a)}}, options.UpdateOne().SetUpsert(true))
		if err != nil && !isDuplicate(err) {
			return mapErr(err, "agency")
		}
	}
	return nil
}

// Agencies returns every agency ordered by ID; fault.ErrUnavailable when the database does not answer.
func (s *Store) Agencies(ctx context.Context) ([]catalogue.Agency, error) {
	cur, err := s.db.Collection(colAgencies).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "agencies")
	}
	var docs []agencyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "agencies")
	}
	out := make([]catalogue.Agency, len(docs))
	for i, d := range docs {
		out[i] = d.agency()
	}
	return out, nil
}
