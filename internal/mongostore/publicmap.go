package mongostore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/publicmap"
)

// The public map's precomputed documents (public_reports, map_meta, map_tiles, map_breakdowns, stats,
// public_request_days) are
// read and written only by _id. Their content is encoded by internal/publicmap; this adapter keeps it with
// a version that arbitrates concurrent writers (see UpdateDoc).
type blobDoc struct {
	ID   string `bson:"_id"`
	V    int64  `bson:"v"`
	Data []byte `bson:"data"`
}

var _ publicmap.Store = (*Store)(nil)

func (s *Store) blobs(c publicmap.Collection) (*mongo.Collection, error) {
	switch c {
	case publicmap.Records, publicmap.Meta, publicmap.Tiles, publicmap.Breakdowns, publicmap.Stats, publicmap.RequestDays:
		return s.db.Collection(string(c)), nil
	}
	return nil, fmt.Errorf("mongostore: unknown public collection %q", c)
}

// publicNoun names a kind of public document in errors, which callers may show (never the collection).
func publicNoun(c publicmap.Collection) string {
	switch c {
	case publicmap.Records:
		return "public report"
	case publicmap.Tiles, publicmap.Breakdowns, publicmap.Meta:
		return "map tile"
	}
	return "statistics day"
}

// Doc returns a document's data; fault.ErrNotFound when there is none.
func (s *Store) Doc(ctx context.Context, c publicmap.Collection, id string) ([]byte, error) {
	col, err := s.blobs(c)
	if err != nil {
		return nil, err
	}
	var d blobDoc
	if err := col.FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return nil, mapErr(err, publicNoun(c))
	}
	return d.Data, nil
}

// Docs returns the documents among ids that exist: one _id $in per idsPerQuery ids (a map screen names a
// few dozen).
func (s *Store) Docs(ctx context.Context, c publicmap.Collection, ids []string) (map[string][]byte, error) {
	col, err := s.blobs(c)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(ids))
	for chunk := range slices.Chunk(ids, idsPerQuery) {
		cur, err := col.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}})
		if err != nil {
			return nil, mapErr(fmt.Errorf("read %d %s: %w", len(chunk), c, err), publicNoun(c))
		}
		var docs []blobDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, mapErr(fmt.Errorf("read %d %s: %w", len(chunk), c, err), publicNoun(c))
		}
		for _, d := range docs {
			out[d.ID] = d.Data
		}
	}
	return out, nil
}

// UpdateDoc is an optimistic read-modify-write: it reads the document at its version v and writes the
// change with the filter {_id, v}, setting v+1; a document that is missing is inserted at version 1.
// When another writer got there first (no match, or a duplicate _id), it reads again and runs change again.
func (s *Store) UpdateDoc(ctx context.Context, c publicmap.Collection, id string, change func(old []byte) ([]byte, error)) error {
	col, err := s.blobs(c)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			// A short random pause, growing with the attempts, so that writers that collided do not
			// collide again in step.
			pause := time.Duration(rand.Int64N(int64(min(attempt, 10)) * int64(time.Millisecond)))
			select {
			case <-ctx.Done():
				return mapErr(ctx.Err(), publicNoun(c))
			case <-time.After(pause):
			}
		}
		var d blobDoc
		err := col.FindOne(ctx, byID(id)).Decode(&d)
		missing := errors.Is(err, mongo.ErrNoDocuments)
		if err != nil && !missing {
			return mapErr(err, publicNoun(c))
		}
		next, err := change(d.Data)
		if err != nil {
			return err
		}
		if next == nil || bytes.Equal(next, d.Data) {
			return nil
		}
		if missing {
			_, err := col.InsertOne(ctx, blobDoc{ID: id, V: 1, Data: next})
			if isDuplicate(err) {
				continue
			}
			return mapErr(err, publicNoun(c))
		}
		res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "v", Value: d.V}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "data", Value: next}, {Key: "v", Value: d.V + 1}}}})
		if err != nil {
			return mapErr(err, publicNoun(c))
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
}

// PutDocs overwrites documents, bumping their versions (rebuilds and the benchmark's seeding). New
// documents go in with one unordered InsertMany per 500 (FerretDB writes an insert batch in one SQLite
// transaction, but each upsert in its own); those that already exist are then upserted one by one.
func (s *Store) PutDocs(ctx context.Context, c publicmap.Collection, docs map[string][]byte) error {
	col, err := s.blobs(c)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(docs))
	for id := range docs {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		fresh := make([]any, len(batch))
		for i, id := range batch {
			fresh[i] = blobDoc{ID: id, V: 1, Data: docs[id]}
		}
		_, err := col.InsertMany(ctx, fresh, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		switch {
		case err == nil:
			continue
		case !errors.As(err, &bwe) || bwe.WriteConcernError != nil:
			return mapErr(err, publicNoun(c))
		}
		var existing []mongo.WriteModel
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) || we.Index < 0 || we.Index >= len(batch) {
				return mapErr(err, publicNoun(c))
			}
			id := batch[we.Index]
			existing = append(existing, mongo.NewUpdateOneModel().SetFilter(byID(id)).SetUpsert(true).
				SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "data", Value: docs[id]}}}, {Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}))
		}
		if _, err := col.BulkWrite(ctx, existing, options.BulkWrite().SetOrdered(false)); err != nil {
			return mapErr(err, publicNoun(c))
		}
	}
	return nil
}

// DeleteDocs removes documents, each by _id.
func (s *Store) DeleteDocs(ctx context.Context, c publicmap.Collection, ids []string) error {
	col, err := s.blobs(c)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := col.DeleteOne(ctx, byID(id)); err != nil {
			return mapErr(err, publicNoun(c))
		}
	}
	return nil
}

// ScanDocs returns up to limit documents with _id > after, in _id order.
func (s *Store) ScanDocs(ctx context.Context, c publicmap.Collection, after string, limit int) ([]string, [][]byte, error) {
	col, err := s.blobs(c)
	if err != nil {
		return nil, nil, err
	}
	cur, err := col.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, nil, mapErr(err, publicNoun(c))
	}
	var ds []blobDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, nil, mapErr(err, publicNoun(c))
	}
	ids, data := make([]string, len(ds)), make([][]byte, len(ds))
	for i, d := range ds {
		ids[i], data[i] = d.ID, d.Data
	}
	return ids, data, nil
}

func isNotFound(err error) bool { return errors.Is(err, fault.ErrNotFound) }
