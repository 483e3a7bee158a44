package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/open311"
)

const colContacts = "open311_contacts" // _id: the report ID of a partner's request

func init() {
	Indexes = append(Indexes,
		// A person's request to see or erase what partners sent with their email.
		Index{Collection: colContacts, Name: "by_email", Keys: bson.D{{Key: "email", Value: 1}, {Key: "created_at", Value: -1}}},
		// The contacts a phone tied to a resident's account: its export and erasure.
		Index{Collection: colContacts, Name: "by_reporter", Keys: bson.D{{Key: "reporter_id", Value: 1}, {Key: "created_at", Value: -1}}},
	)
}

var _ open311.ContactStore = (*Store)(nil)

type contactDoc struct {
	ReportID   string    `bson:"_id"`
	Code       string    `bson:"code"`
	PartnerID  string    `bson:"partner"`
	ReporterID string    `bson:"reporter_id,omitempty"`
	Phone      string    `bson:"phone,omitempty"`
	Email      string    `bson:"email,omitempty"`
	FirstName  string    `bson:"first_name,omitempty"`
	LastName   string    `bson:"last_name,omitempty"`
	CreatedAt  time.Time `bson:"created_at"`
}

func (d contactDoc) contact() open311.Contact {
	return open311.Contact{ReportID: d.ReportID, Code: d.Code, PartnerID: d.PartnerID, ReporterID: d.ReporterID, Phone: d.Phone,
		Email: d.Email, FirstName: d.FirstName, LastName: d.LastName, CreatedAt: d.CreatedAt.UTC()}
}

// InsertContact stores a request's reporter contact under its report ID, replacing any stored there.
func (s *Store) InsertContact(ctx context.Context, c open311.Contact) error {
	d := contactDoc{ReportID: c.ReportID, Code: c.Code, PartnerID: c.PartnerID, ReporterID: c.ReporterID, Phone: c.Phone,
		Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, CreatedAt: c.CreatedAt}
	_, err := s.db.Collection(colContacts).ReplaceOne(ctx, byID(c.ReportID), d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("insert contact %s: %w", c.ReportID, mapErr(err, "contact"))
	}
	return nil
}

// Contact returns a report's reporter contact; fault.ErrNotFound when it has none.
func (s *Store) Contact(ctx context.Context, reportID string) (open311.Contact, error) {
	var d contactDoc
	if err := s.db.Collection(colContacts).FindOne(ctx, byID(reportID)).Decode(&d); err != nil {
		return open311.Contact{}, fmt.Errorf("load contact %s: %w", reportID, mapErr(err, "contact"))
	}
	return d.contact(), nil
}

func (s *Store) findContacts(ctx context.Context, field, value string) ([]open311.Contact, error) {
	cur, err := s.db.Collection(colContacts).Find(ctx, bson.D{{Key: field, Value: value}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}))
	if err != nil {
		return nil, mapErr(err, "contacts")
	}
	var docs []contactDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "contacts")
	}
	out := make([]open311.Contact, len(docs))
	for i, d := range docs {
		out[i] = d.contact()
	}
	return out, nil
}

// ContactsByEmail returns the contacts with this email, newest first.
func (s *Store) ContactsByEmail(ctx context.Context, email string) ([]open311.Contact, error) {
	return s.findContacts(ctx, "email", email)
}

// DeleteContactsByEmail deletes the contacts with this email and returns how many there were.
func (s *Store) DeleteContactsByEmail(ctx context.Context, email string) (int, error) {
	res, err := s.db.Collection(colContacts).DeleteMany(ctx, bson.D{{Key: "email", Value: email}})
	if err != nil {
		return 0, mapErr(err, "contacts")
	}
	return int(res.DeletedCount), nil
}

// ContactsOfReporter returns the contacts tied to a resident's account, newest first.
func (s *Store) ContactsOfReporter(ctx context.Context, userID string) ([]open311.Contact, error) {
	return s.findContacts(ctx, "reporter_id", userID)
}

// DeleteContactsOfReporter deletes the contacts tied to a resident's account.
func (s *Store) DeleteContactsOfReporter(ctx context.Context, userID string) error {
	_, err := s.db.Collection(colContacts).DeleteMany(ctx, bson.D{{Key: "reporter_id", Value: userID}})
	return mapErr(err, "contacts")
}
