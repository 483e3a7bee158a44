package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/sms"
)

var _ sms.SinkStore = (*Store)(nil)

// smsDoc is a message kept by the dev SMS sink; _id is generated.
type smsDoc struct {
	To     string    `bson:"to"`
	Text   string    `bson:"text"`
	SentAt time.Time `bson:"sent_at"`
}

// SaveSMS keeps one message of the dev SMS sink.
func (s *Store) SaveSMS(ctx context.Context, to, text string, at time.Time) error {
	_, err := s.db.Collection(colDevSMS).InsertOne(ctx, smsDoc{To: to, Text: text, SentAt: at})
	return mapErr(err, "sms")
}

// SMSFor returns the newest messages to one number, newest first, at most limit (all when limit <= 0).
func (s *Store) SMSFor(ctx context.Context, to string, limit int) ([]sms.Message, error) {
	opts := options.Find().SetSort(bson.D{{Key: "sent_at", Value: -1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	cur, err := s.db.Collection(colDevSMS).Find(ctx, bson.D{{Key: "to", Value: to}}, opts)
	if err != nil {
		return nil, mapErr(err, "sms")
	}
	var docs []smsDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "sms")
	}
	out := make([]sms.Message, len(docs))
	for i, d := range docs {
		out[i] = sms.Message{To: d.To, Text: d.Text, SentAt: d.SentAt.UTC()}
	}
	return out, nil
}
