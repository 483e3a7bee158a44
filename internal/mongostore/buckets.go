package mongostore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/photohash"
	"github.com/quangninh/feedback/internal/report"
)

// colBuckets holds the spatial buckets of possible duplicates (report.Similar): _id is the grid cell
// (report.Bucket), read only by _id.
const colBuckets = "report_buckets"

var _ report.BucketStore = (*Store)(nil)

type bucketDoc struct {
	ID string `bson:"_id"`
	// Entries holds each report's entry (by report ID) packed into a few hundred bytes (packEntry): a
	// lookup reads nine buckets of up to a few hundred entries, and one binary value per entry is far
	// cheaper to read than ten fields.
	Entries map[string][]byte `bson:"entries"`
	Version int64             `bson:"version"`
}

// packEntry lays an entry out as: version, lat, lng, created and ended (Unix ms, 0 for none) as 8 bytes
// each (big-endian), then status, category, code and thumbnail key as a length byte and the text, then the
// number of fingerprints and each one's 80 bytes.
func packEntry(e report.BucketEntry) []byte {
	b := make([]byte, 0, 64+len(e.Code)+len(e.Category)+len(e.ThumbKey)+1+80*len(e.Photos))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Version))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(e.Lat))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(e.Lng))
	b = binary.BigEndian.AppendUint64(b, uint64(unixMilli(e.CreatedAt)))
	b = binary.BigEndian.AppendUint64(b, uint64(unixMilli(e.EndedAt)))
	for _, s := range []string{string(e.Status), e.Category, e.Code, e.ThumbKey} {
		s = s[:min(len(s), 255)]
		b = append(append(b, byte(len(s))), s...)
	}
	b = append(b, byte(len(e.Photos)))
	for _, f := range e.Photos {
		for _, h := range f {
			b = binary.BigEndian.AppendUint64(b, h)
		}
	}
	return b
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnixMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// errPacked: a packed entry that packEntry did not make.
var errPacked = errors.New("malformed bucket entry")

// unpackEntry reverses packEntry.
func unpackEntry(id string, b []byte) (report.BucketEntry, error) {
	e := report.BucketEntry{ReportID: id}
	if len(b) < 40 {
		return e, errPacked
	}
	u := func(i int) uint64 { return binary.BigEndian.Uint64(b[8*i:]) }
	e.Version, e.Lat, e.Lng = int64(u(0)), math.Float64frombits(u(1)), math.Float64frombits(u(2))
	e.CreatedAt, e.EndedAt = fromUnixMilli(int64(u(3))), fromUnixMilli(int64(u(4)))
	b = b[40:]
	var texts [4]string
	for i := range texts {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return e, errPacked
		}
		texts[i], b = string(b[1:1+int(b[0])]), b[1+int(b[0]):]
	}
	e.Status, e.Category, e.Code, e.ThumbKey = report.Status(texts[0]), texts[1], texts[2], texts[3]
	if len(b) < 1 || len(b) != 1+80*int(b[0]) {
		return e, errPacked
	}
	for b = b[1:]; len(b) > 0; b = b[80:] {
		var f photohash.Fingerprint
		for i := range f {
			f[i] = binary.BigEndian.Uint64(b[8*i:])
		}
		e.Photos = append(e.Photos, f)
	}
	return e, nil
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
		if old, err := unpackEntry(e.ReportID, d.Entries[e.ReportID]); err == nil && old.Version > e.Version {
			return nil
		}
		if fresh && e.Gone {
			return nil
		}
		entries := make(map[string][]byte, len(d.Entries)+1)
		for id, packed := range d.Entries {
			if old, err := unpackEntry(id, packed); err == nil && id != e.ReportID && old.Live(now) {
				entries[id] = packed
			}
		}
		if !e.Gone {
			entries[e.ReportID] = packEntry(e)
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
		for id, packed := range d.Entries {
			e, err := unpackEntry(id, packed)
			if err != nil {
				return nil, fmt.Errorf("read bucket %s, entry %s: %w", d.ID, id, err)
			}
			out = append(out, e)
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

// ReplaceBuckets writes whole buckets at once, replacing what they held (rebuilding the buckets from the
// reports; the benchmark seeds them so).
func (s *Store) ReplaceBuckets(ctx context.Context, buckets map[string][]report.BucketEntry) error {
	var models []mongo.WriteModel
	for id, entries := range buckets {
		d := bucketDoc{ID: id, Entries: make(map[string][]byte, len(entries)), Version: 1}
		for _, e := range entries {
			d.Entries[e.ReportID] = packEntry(e)
		}
		models = append(models, mongo.NewReplaceOneModel().SetFilter(byID(id)).SetReplacement(d).SetUpsert(true))
		if len(models) == 500 {
			if _, err := s.db.Collection(colBuckets).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
				return mapErr(fmt.Errorf("replace buckets: %w", err), "bucket")
			}
			models = models[:0]
		}
	}
	if len(models) > 0 {
		if _, err := s.db.Collection(colBuckets).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return mapErr(fmt.Errorf("replace buckets: %w", err), "bucket")
		}
	}
	return nil
}
