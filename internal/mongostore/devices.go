package mongostore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/notify"
)

// Devices live in two kinds of collection, both read by _id only:
//
//   - devices: _id is the FCM token, with its owner and details: who owns a token (one user at a time);
//   - device_sets_00 … device_sets_15: _id is a user ID (the collection picked by a hash of it), field d maps
//     a token's key (tokenKey) to its details, encoded in one binary value: the dispatcher reads the devices
//     of a batch's recipients by _id (a user_id filter is a scan on FerretDB and needs a second index on
//     MongoDB).
//
// Why sixteen collections of small documents: FerretDB answers a $in on _id by decoding every document of
// the collection and comparing its _id with every listed ID. For a dispatcher batch of 5,000 recipients
// out of 5,000 users that was 0.8 s in one collection of nested documents; split sixteen ways, with each
// device one binary value (a quarter of the fields to decode), the same read makes a sixteenth of the
// comparisons and half the decoding, in sixteen queries at once. MongoDB serves each from its _id index
// either way.
//
// Without transactions the two are written in an order that never pushes to the wrong user: a token moving
// from A to B leaves A's set first, then changes owner, then joins B's set. A crash part-way leaves the token
// in no set (B's next registration, which apps repeat at every start, completes the move), never in two.
const (
	colDevices = "devices"
	// colLegacyDeviceSets held every user's set, each device a nested document, until the sets were split;
	// the one-off migrateShardedDeviceSets moves them and drops it.
	colLegacyDeviceSets = "device_sets"
	deviceSetShards     = 16
)

// deviceSets is the collection holding userID's device set.
func (s *Store) deviceSets(userID string) *mongo.Collection {
	return s.db.Collection(deviceSetsName(deviceSetShard(userID)))
}

func deviceSetShard(userID string) int {
	h := fnv.New32a()
	h.Write([]byte(userID))
	return int(h.Sum32() % deviceSetShards)
}

func deviceSetsName(shard int) string { return fmt.Sprintf("device_sets_%02d", shard) }

type deviceDoc struct {
	Token      string    `bson:"_id,omitempty"`
	UserID     string    `bson:"user_id"`
	Platform   string    `bson:"platform"`
	AppVersion string    `bson:"app_version,omitempty"`
	Language   string    `bson:"language"`
	UpdatedAt  time.Time `bson:"updated_at"`
}

// deviceSetEntry is one device of a set, stored as the JSON of this struct in one binary value.
type deviceSetEntry struct {
	Token      string    `json:"t"`
	Platform   string    `json:"p"`
	AppVersion string    `json:"v,omitempty"`
	Language   string    `json:"l"`
	UpdatedAt  time.Time `json:"u"`
}

func (e deviceSetEntry) value() bson.Binary {
	b, _ := json.Marshal(e) // strings and a time: cannot fail
	return bson.Binary{Subtype: bson.TypeBinaryGeneric, Data: b}
}

type deviceSetDoc struct {
	UserID string                 `bson:"_id"`
	D      map[string]bson.Binary `bson:"d"`
}

// entries decodes the set's devices (this code writes no value that fails to decode; one would be skipped).
func (set deviceSetDoc) entries() []deviceSetEntry {
	out := make([]deviceSetEntry, 0, len(set.D))
	for _, v := range set.D {
		var e deviceSetEntry
		if json.Unmarshal(v.Data, &e) == nil && e.Token != "" {
			out = append(out, e)
		}
	}
	return out
}

// tokenKey is a token's field name in a device set: tokens may hold characters that field names must not.
func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:12])
}

func (s *Store) owner(ctx context.Context, token string) (string, bool, error) {
	var d deviceDoc
	err := s.db.Collection(colDevices).FindOne(ctx, byID(token), options.FindOne().SetProjection(bson.D{{Key: "user_id", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", false, nil
	}
	return d.UserID, err == nil, mapErr(err, "device")
}

func (s *Store) leaveSet(ctx context.Context, userID, token string) error {
	_, err := s.deviceSets(userID).UpdateOne(ctx, byID(userID),
		bson.D{{Key: "$unset", Value: bson.D{{Key: "d." + tokenKey(token), Value: ""}}}})
	return mapErr(err, "device set")
}

// PutDevice registers or updates a device, moving the token to d.UserID when another user had it.
func (s *Store) PutDevice(ctx context.Context, d notify.Device) error {
	prev, ok, err := s.owner(ctx, d.Token)
	if err != nil {
		return err
	}
	if ok && prev != d.UserID {
		if err := s.leaveSet(ctx, prev, d.Token); err != nil {
			return err
		}
	}
	doc := deviceDoc{Token: d.Token, UserID: d.UserID, Platform: string(d.Platform), AppVersion: d.AppVersion,
		Language: d.Language, UpdatedAt: d.UpdatedAt}
	_, err = s.db.Collection(colDevices).ReplaceOne(ctx, byID(d.Token), doc, options.Replace().SetUpsert(true))
	if err != nil && !isDuplicate(err) { // a concurrent upsert inserted it: the last registration wins anyway
		return mapErr(err, "device")
	}
	return s.joinSet(ctx, d.UserID, deviceSetEntry{Token: d.Token, Platform: doc.Platform, AppVersion: doc.AppVersion,
		Language: doc.Language, UpdatedAt: doc.UpdatedAt})
}

// joinSet puts a device into its user's set.
func (s *Store) joinSet(ctx context.Context, userID string, e deviceSetEntry) error {
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "d." + tokenKey(e.Token), Value: e.value()}}}}
	_, err := s.deviceSets(userID).UpdateOne(ctx, byID(userID), set, options.UpdateOne().SetUpsert(true))
	if isDuplicate(err) { // two first devices of one user at once: the set exists now, so set again
		_, err = s.deviceSets(userID).UpdateOne(ctx, byID(userID), set)
	}
	return mapErr(err, "device set")
}

// DeleteDevice forgets a token (FCM said it is gone), whoever owns it.
func (s *Store) DeleteDevice(ctx context.Context, token string) error {
	owner, ok, err := s.owner(ctx, token)
	if err != nil || !ok {
		return err
	}
	return s.DeleteUserDevice(ctx, owner, token)
}

// DeleteUserDevice forgets a token if it belongs to userID.
func (s *Store) DeleteUserDevice(ctx context.Context, userID, token string) error {
	owner, ok, err := s.owner(ctx, token)
	if err != nil {
		return err
	}
	if ok && owner != userID {
		return nil
	}
	if err := s.leaveSet(ctx, userID, token); err != nil {
		return err
	}
	_, err = s.db.Collection(colDevices).DeleteOne(ctx, bson.D{{Key: "_id", Value: token}, {Key: "user_id", Value: userID}})
	return mapErr(err, "device")
}

// DeleteUserDevices forgets every device of a user.
func (s *Store) DeleteUserDevices(ctx context.Context, userID string) error {
	set, err := s.deviceSet(ctx, userID)
	if err != nil {
		return err
	}
	if _, err := s.deviceSets(userID).DeleteOne(ctx, byID(userID)); err != nil {
		return mapErr(err, "device set")
	}
	for _, e := range set.entries() {
		if _, err := s.db.Collection(colDevices).DeleteOne(ctx, bson.D{{Key: "_id", Value: e.Token}, {Key: "user_id", Value: userID}}); err != nil {
			return mapErr(err, "device")
		}
	}
	return nil
}

func (s *Store) deviceSet(ctx context.Context, userID string) (deviceSetDoc, error) {
	var set deviceSetDoc
	err := s.deviceSets(userID).FindOne(ctx, byID(userID)).Decode(&set)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return deviceSetDoc{UserID: userID}, nil
	}
	return set, mapErr(err, "device set")
}

// devicesPointReads is the most users whose sets are read one by one, at once: for a few users (a push
// to a reporter and a follower or two, the common case) point reads are quicker than a $in, which FerretDB
// answers with a scan of the collection.
const devicesPointReads = 16

func (s *Store) devicesByPointReads(ctx context.Context, userIDs []string) ([]notify.Device, error) {
	sets := make([]deviceSetDoc, len(userIDs))
	errs := make([]error, len(userIDs))
	var wg sync.WaitGroup
	for i, u := range userIDs {
		wg.Go(func() { sets[i], errs[i] = s.deviceSet(ctx, u) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []notify.Device
	for _, set := range sets {
		out = append(out, set.devices()...)
	}
	return out, nil
}

func (set deviceSetDoc) devices() []notify.Device {
	var out []notify.Device
	for _, e := range set.entries() {
		out = append(out, notify.Device{Token: e.Token, UserID: set.UserID, Platform: notify.Platform(e.Platform),
			AppVersion: e.AppVersion, Language: e.Language, UpdatedAt: e.UpdatedAt.UTC()})
	}
	return out
}

// devicesChunk bounds the IDs of one DevicesOf query.
const devicesChunk = 5000

// DevicesOf returns the devices of the users, reading their device sets by _id: one $in per collection of
// sets, all at once (a chunk of users per query). One query for a dispatcher's whole batch costs far less
// than a read per user: measured on FerretDB/SQLite, 2,000 sets of 5,000 in one $in took 1.0 s where 1,000
// single reads took 11 s (a loaded machine); MongoDB serves each $in from the _id index.
func (s *Store) DevicesOf(ctx context.Context, userIDs []string) ([]notify.Device, error) {
	if len(userIDs) <= devicesPointReads {
		return s.devicesByPointReads(ctx, userIDs)
	}
	byShard := make([][]string, deviceSetShards)
	for _, u := range userIDs {
		k := deviceSetShard(u)
		byShard[k] = append(byShard[k], u)
	}
	found := make([][]notify.Device, deviceSetShards)
	errs := make([]error, deviceSetShards)
	var wg sync.WaitGroup
	for k, users := range byShard {
		if len(users) == 0 {
			continue
		}
		wg.Go(func() {
			for chunk := range slices.Chunk(users, devicesChunk) {
				cur, err := s.db.Collection(deviceSetsName(k)).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}})
				if err != nil {
					errs[k] = mapErr(err, "device sets")
					return
				}
				var sets []deviceSetDoc
				if err := cur.All(ctx, &sets); err != nil {
					errs[k] = mapErr(err, "device sets")
					return
				}
				for _, set := range sets {
					found[k] = append(found[k], set.devices()...)
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(found...), nil
}
