package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/quangninh/feedback/internal/photohash"
	"github.com/quangninh/feedback/internal/report"
)

// colBuckets holds the spatial buckets of possible duplicates (report.Similar): _id is the grid cell
// (report.Bucket), read only by _id.
const colBuckets = "report_buckets"

var _ report.BucketStore = (*Store)(nil)

type bucketDoc struct {
	ID      string                 `bson:"_id"`
	Entries map[string]bucketEntry `bson:"entries"` // by report ID
	Version int64                  `bson:"version"`
}

type bucketEntry struct {
	Code      string     `bson:"code"`
	Category  string     `bson:"category"`
	Lat       float64    `bson:"lat"`
	Lng       float64    `bson:"lng"`
	Status    string     `bson:"status"`
	CreatedAt time.Time  `bson:"created_at"`
	EndedAt   *time.Time `bson:"ended_at,omitempty"`
	Looks     []string   `bson:"looks,omitempty"` // photohash.Fingerprint in hex
	ThumbKey  string     `bson:"thumb_key,omitempty"`
	Version   int64      `bson:"version"`
}

func toBucketEntry(e report.BucketEntry) bucketEntry {
	d := bucketEntry{Code: e.Code, Category: e.Category, Lat: e.Lat, Lng: e.Lng, Status: string(e.Status), CreatedAt: e.CreatedAt,
		EndedAt: timePtr(e.EndedAt), ThumbKey: e.ThumbKey, Version: e.Version}
	for _, f := range e.Photos {
		d.Looks = append(d.Looks, f.String())
	}
	return d
}

func (d bucketEntry) entry(id string) report.BucketEntry {
	e := report.BucketEntry{ReportID: id, Code: d.Code, Category: d.Category, Lat: d.Lat, Lng: d.Lng, Status: report.Status(d.Status),
		CreatedAt: d.CreatedAt.UTC(), EndedAt: timeOf(d.EndedAt), ThumbKey: d.ThumbKey, Version: d.Version}
	for _, s := range d.Looks {
		if f, err := photohash.Parse(s); err == nil {
			e.Photos = append(e.Photos, f)
		}
	}
	return e
}

// PutBucketEntry writes the entry into its bucket, or removes it when e.Gone, unless the bucket holds a newer
// version of the report; entries no longer live are dropped on the way. The bucket document is replaced
// with a compare-and-swap on its version (a new bucket is inserted; a racing insert makes the loser retry).
func (s *Store) PutBucketEntry(ctx context.Context, bucket string, e report.BucketEntry, now time.Time) error {
	col := s.db.Collection(colBuckets)
	for range 20 {
		var d bucketDoc
		err := col.FindOne(ctx, byID(bucket)).Decode(&d)
		fresh := errors.Is(err, mongo.ErrNoDocuments)
		if err != nil && !fresh {
			return mapErr(fmt.Errorf("load bucket %s: %w", bucket, err), "bucket")
		}
		if old, ok := d.Entries[e.ReportID]; ok && old.Version > e.Version {
			return nil
		}
		if fresh && e.Gone {
			return nil
		}
		entries := make(map[string]bucketEntry, len(d.Entries)+1)
		for id, old := range d.Entries {
			if id != e.ReportID && old.entry(id).Live(now) {
				entries[id] = old
			}
		}
		if !e.Gone {
			entries[e.ReportID] = toBucketEntry(e)
		}
		if fresh {
			_, err = col.InsertOne(ctx, bucketDoc{ID: bucket, Entries: entries, Version: 1})
			if isDuplicate(err) {
				continue
			}
			return mapErr(err, "bucket")
		}
		res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: bucket}, {Key: "version", Value: d.Version}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "entries", Value: entries}, {Key: "version", Value: d.Version + 1}}}})
		if err != nil {
			return mapErr(fmt.Errorf("update bucket %s: %w", bucket, err), "bucket")
		}
		if res.ModifiedCount == 1 {
			return nil
		}
	}
	return mapErr(fmt.Errorf("update bucket %s: still contended after 20 attempts", bucket), "bucket")
}

// BucketEntries returns the entries of the buckets (one _id $in read).
func (s *Store) BucketEntries(ctx context.Context, buckets []string) ([]report.BucketEntry, error) {
	cur, err := s.db.Collection(colBuckets).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: buckets}}}})
	if err != nil {
		return nil, mapErr(fmt.Errorf("read buckets %v: %w", buckets, err), "bucket")
	}
	var docs []bucketDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(fmt.Errorf("read buckets %v: %w", buckets, err), "bucket")
	}
	var out []report.BucketEntry
	for _, d := range docs {
		for id, e := range d.Entries {
			out = append(out, e.entry(id))
		}
	}
	return out, nil
}

// SetLikelyOriginal records on a report the original it was found to duplicate. It moves the document's
// version, not its workflow version. fault.ErrNotFound when there is no such report.
func (s *Store) SetLikelyOriginal(ctx context.Context, id string, l report.DuplicateLink, now time.Time) error {
	return s.changeReport(ctx, id, bson.D{{Key: "$set", Value: bson.D{
		{Key: "ticket.likely_original", Value: linkDoc{ReportID: l.ReportID, Code: l.Code, Score: l.Score}}, {Key: "updated_at", Value: now}}}})
}
