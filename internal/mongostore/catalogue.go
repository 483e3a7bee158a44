package mongostore

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/fault"
)

// categoryDoc is a category as stored; _id is the category code.
type categoryDoc struct {
	Code             string         `bson:"_id"`
	NameVi           string         `bson:"name_vi"`
	NameEn           string         `bson:"name_en"`
	Group            string         `bson:"group"`
	Handler          string         `bson:"handler"`
	Class            string         `bson:"class"`
	Sensitive        bool           `bson:"sensitive"`
	Physical         bool           `bson:"physical"`
	PublicPrecisionM int            `bson:"public_precision_m"`
	Keywords         []string       `bson:"keywords,omitempty"`
	Attributes       []attributeDoc `bson:"attributes,omitempty"`
}

type attributeDoc struct {
	Code          string     `bson:"code"`
	Type          string     `bson:"type"`
	Required      bool       `bson:"required"`
	DescriptionVi string     `bson:"description_vi"`
	DescriptionEn string     `bson:"description_en"`
	Values        []valueDoc `bson:"values,omitempty"`
}

type valueDoc struct {
	Key    string `bson:"key"`
	NameVi string `bson:"name_vi"`
	NameEn string `bson:"name_en"`
}

func toCategoryDoc(c catalogue.Category) categoryDoc {
	d := categoryDoc{Code: c.Code, NameVi: c.NameVi, NameEn: c.NameEn, Group: c.Group, Handler: c.Handler,
		Class: string(c.Deadline), Sensitive: c.Sensitive, Physical: c.Physical, PublicPrecisionM: c.PublicPrecisionM, Keywords: c.Keywords}
	for _, a := range c.Attributes {
		ad := attributeDoc{Code: a.Code, Type: string(a.Type), Required: a.Required, DescriptionVi: a.DescriptionVi, DescriptionEn: a.DescriptionEn}
		for _, v := range a.Values {
			ad.Values = append(ad.Values, valueDoc(v))
		}
		d.Attributes = append(d.Attributes, ad)
	}
	return d
}

func (d categoryDoc) category() catalogue.Category {
	c := catalogue.Category{Code: d.Code, NameVi: d.NameVi, NameEn: d.NameEn, Group: d.Group, Handler: d.Handler,
		Deadline: catalogue.DeadlineClass(d.Class), Sensitive: d.Sensitive, Physical: d.Physical,
		PublicPrecisionM: d.PublicPrecisionM, Keywords: d.Keywords}
	for _, ad := range d.Attributes {
		a := catalogue.Attribute{Code: ad.Code, Type: catalogue.AttributeType(ad.Type), Required: ad.Required,
			DescriptionVi: ad.DescriptionVi, DescriptionEn: ad.DescriptionEn}
		for _, v := range ad.Values {
			a.Values = append(a.Values, catalogue.AttributeValue(v))
		}
		c.Attributes = append(c.Attributes, a)
	}
	return c
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

// overrideDoc is an administrator's routing override; _id is "<category>:<commune code>".
type overrideDoc struct {
	ID          string `bson:"_id"`
	Category    string `bson:"category"`
	CommuneCode string `bson:"commune_code"`
	AgencyID    string `bson:"agency_id"`
}

// metaCatalogue is the _id of the document whose version counts catalogue changes.
const metaCatalogue = "catalogue"

// CatalogueVersion returns the number of changes made to the catalogue so far (0 before the first).
func (s *Store) CatalogueVersion(ctx context.Context) (int64, error) {
	var d struct {
		Version int64 `bson:"version"`
	}
	err := s.db.Collection(colMeta).FindOne(ctx, bson.D{{Key: "_id", Value: metaCatalogue}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return d.Version, mapErr(err, "catalogue version")
}

func (s *Store) bumpCatalogue(ctx context.Context) error {
	_, err := s.db.Collection(colMeta).UpdateOne(ctx, bson.D{{Key: "_id", Value: metaCatalogue}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}}, options.UpdateOne().SetUpsert(true))
	return mapErr(err, "catalogue version")
}

// PutAgency creates or replaces an agency.
func (s *Store) PutAgency(ctx context.Context, a catalogue.Agency) error {
	_, err := s.db.Collection(colAgencies).ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.ID}}, toAgencyDoc(a), options.Replace().SetUpsert(true))
	if err != nil {
		return mapErr(err, "agency")
	}
	return s.bumpCatalogue(ctx)
}

// PutCategory creates or replaces a category.
func (s *Store) PutCategory(ctx context.Context, c catalogue.Category) error {
	_, err := s.db.Collection(colCategories).ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.Code}}, toCategoryDoc(c), options.Replace().SetUpsert(true))
	if err != nil {
		return mapErr(err, "category")
	}
	return s.bumpCatalogue(ctx)
}

func overrideID(k catalogue.OverrideKey) string { return k.Category + ":" + k.CommuneCode }

// PutOverride creates or replaces the override for (category, commune).
func (s *Store) PutOverride(ctx context.Context, k catalogue.OverrideKey, agencyID string) error {
	d := overrideDoc{ID: overrideID(k), Category: k.Category, CommuneCode: k.CommuneCode, AgencyID: agencyID}
	_, err := s.db.Collection(colOverrides).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return mapErr(err, "routing override")
	}
	return s.bumpCatalogue(ctx)
}

// DeleteOverride removes the override; fault.ErrNotFound when there is none.
func (s *Store) DeleteOverride(ctx context.Context, k catalogue.OverrideKey) error {
	res, err := s.db.Collection(colOverrides).DeleteOne(ctx, bson.D{{Key: "_id", Value: overrideID(k)}})
	if err != nil {
		return mapErr(err, "routing override")
	}
	if res.DeletedCount == 0 {
		return fault.New(fault.ErrNotFound, "no override for "+k.Category+" in "+k.CommuneCode)
	}
	return s.bumpCatalogue(ctx)
}

// Overrides returns every routing override (a handful: read whole).
func (s *Store) Overrides(ctx context.Context) (map[catalogue.OverrideKey]string, error) {
	cur, err := s.db.Collection(colOverrides).Find(ctx, bson.D{})
	if err != nil {
		return nil, mapErr(err, "routing overrides")
	}
	var docs []overrideDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "routing overrides")
	}
	out := make(map[catalogue.OverrideKey]string, len(docs))
	for _, d := range docs {
		out[catalogue.OverrideKey{Category: d.Category, CommuneCode: d.CommuneCode}] = d.AgencyID
	}
	return out, nil
}

const (
	colOverrides = "routing_overrides" // _id: "<category>:<commune code>"; a handful, read whole
	colMeta      = "meta"              // _id: what the counter is for, e.g. "catalogue"
)
