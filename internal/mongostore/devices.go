package mongostore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/quangninh/feedback/internal/notify"
)

// Devices live in two collections, both addressed by _id:
//
//   - devices: _id is the FCM token, with its owner (one user at a time) and details;
//   - device_sets: _id is a user ID; d holds the user's devices, each an embedded document under its
//     token's key (tokenKey). The dispatcher reads the devices of a batch's recipients from here.
//
// Without transactions, a registration moving a token from A to B leaves A's set, changes the owner, joins
// B's set, then reads the owner again and leaves B's set if someone took the token meanwhile. The owner is
// replaced by findAndModify, so a registration racing another learns whom it took the token from and
// removes it from that set too. The token is thus in at most one set, its owner's; a crash part-way leaves
// it in none (apps register again at every start).
const (
	colDevices    = "devices"
	colDeviceSets = "device_sets"
)

type deviceDoc struct {
	Token      string    `bson:"_id,omitempty"`
	UserID     string    `bson:"user_id"`
	Platform   string    `bson:"platform"`
	AppVersion string    `bson:"app_version,omitempty"`
	Language   string    `bson:"language"`
	UpdatedAt  time.Time `bson:"updated_at"`
}

// deviceEntry is one device of a set.
type deviceEntry struct {
	Token      string    `bson:"token"`
	Platform   string    `bson:"platform"`
	AppVersion string    `bson:"app_version,omitempty"`
	Language   string    `bson:"language"`
	UpdatedAt  time.Time `bson:"updated_at"`
}

type deviceSetDoc struct {
	UserID string                 `bson:"_id"`
	D      map[string]deviceEntry `bson:"d"`
}

func (set deviceSetDoc) devices() []notify.Device {
	out := make([]notify.Device, 0, len(set.D))
	for _, e := range set.D {
		out = append(out, notify.Device{Token: e.Token, UserID: set.UserID, Platform: notify.Platform(e.Platform),
			AppVersion: e.AppVersion, Language: e.Language, UpdatedAt: e.UpdatedAt.UTC()})
	}
	return out
}

// tokenKey is a token's field name in a device set: tokens may hold characters field names must not ('.', '$').
func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:12])
}

// owner returns the user the token belongs to, "" when it is unknown.
func (s *Store) owner(ctx context.Context, token string) (string, error) {
	var d deviceDoc
	err := s.db.Collection(colDevices).FindOne(ctx, byID(token), options.FindOne().SetProjection(bson.D{{Key: "user_id", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	return d.UserID, mapErr(err, "device")
}

func (s *Store) leaveSet(ctx context.Context, userID, token string) error {
	_, err := s.db.Collection(colDeviceSets).UpdateOne(ctx, byID(userID),
		bson.D{{Key: "$unset", Value: bson.D{{Key: "d." + tokenKey(token), Value: ""}}}})
	return mapErr(err, "device set")
}

// joinSet adds the device to its user's set, or updates it there.
func (s *Store) joinSet(ctx context.Context, userID string, e deviceEntry) error {
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "d." + tokenKey(e.Token), Value: e}}}}
	_, err := s.db.Collection(colDeviceSets).UpdateOne(ctx, byID(userID), set, options.UpdateOne().SetUpsert(true))
	if isDuplicate(err) { // the user's first two devices at once: the set exists now
		_, err = s.db.Collection(colDeviceSets).UpdateOne(ctx, byID(userID), set)
	}
	return mapErr(err, "device set")
}

// PutDevice registers or updates a device, moving the token to d.UserID when another user had it.
func (s *Store) PutDevice(ctx context.Context, d notify.Device) error {
	if err := s.putDevice(ctx, d); err != nil {
		return fmt.Errorf("register device of %s: %w", d.UserID, err)
	}
	return nil
}

func (s *Store) putDevice(ctx context.Context, d notify.Device) error {
	seen, err := s.owner(ctx, d.Token)
	if err != nil {
		return err
	}
	if seen != "" && seen != d.UserID {
		if err := s.leaveSet(ctx, seen, d.Token); err != nil {
			return err
		}
	}
	doc := deviceDoc{Token: d.Token, UserID: d.UserID, Platform: string(d.Platform), AppVersion: d.AppVersion,
		Language: d.Language, UpdatedAt: d.UpdatedAt}
	prev, err := s.replaceOwner(ctx, doc)
	if err != nil {
		return err
	}
	if prev != "" && prev != d.UserID { // seen (it may have joined again since it was left), or a racing registration
		if err := s.leaveSet(ctx, prev, d.Token); err != nil {
			return err
		}
	}
	if err := s.joinSet(ctx, d.UserID, deviceEntry{Token: d.Token, Platform: doc.Platform, AppVersion: doc.AppVersion,
		Language: doc.Language, UpdatedAt: doc.UpdatedAt}); err != nil {
		return err
	}
	// A registration by another user after replaceOwner may have left this set before it was joined.
	now, err := s.owner(ctx, d.Token)
	if err != nil {
		return err
	}
	if now != d.UserID {
		return s.leaveSet(ctx, d.UserID, d.Token)
	}
	return nil
}

// replaceOwner writes the device and returns whose it was ("" when new), in one atomic findAndModify.
func (s *Store) replaceOwner(ctx context.Context, doc deviceDoc) (string, error) {
	opts := options.FindOneAndReplace().SetUpsert(true).SetReturnDocument(options.Before)
	var prev deviceDoc
	err := s.db.Collection(colDevices).FindOneAndReplace(ctx, byID(doc.Token), doc, opts).Decode(&prev)
	if isDuplicate(err) { // a concurrent first registration inserted it: replace that one
		err = s.db.Collection(colDevices).FindOneAndReplace(ctx, byID(doc.Token), doc, opts).Decode(&prev)
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	return prev.UserID, mapErr(err, "device")
}

// DeleteDevice forgets a token (FCM said it is gone), whoever owns it.
func (s *Store) DeleteDevice(ctx context.Context, token string) error {
	owner, err := s.owner(ctx, token)
	if err == nil && owner != "" {
		err = s.forget(ctx, owner, token)
	}
	if err != nil {
		return fmt.Errorf("delete device: %w", err)
	}
	return nil
}

// DeleteUserDevice forgets a token if it belongs to userID.
func (s *Store) DeleteUserDevice(ctx context.Context, userID, token string) error {
	owner, err := s.owner(ctx, token)
	if err == nil && owner == userID {
		err = s.forget(ctx, userID, token)
	}
	if err != nil {
		return fmt.Errorf("delete device of %s: %w", userID, err)
	}
	return nil
}

// forget removes a token of userID: it leaves the set first, so a crash between the two writes stops the
// pushes.
func (s *Store) forget(ctx context.Context, userID, token string) error {
	if err := s.leaveSet(ctx, userID, token); err != nil {
		return err
	}
	_, err := s.db.Collection(colDevices).DeleteOne(ctx, bson.D{{Key: "_id", Value: token}, {Key: "user_id", Value: userID}})
	return mapErr(err, "device")
}

// DeleteUserDevices forgets every device of a user: the tokens of their set that they still own, then the
// set, so that a retry after a failure finds the rest.
func (s *Store) DeleteUserDevices(ctx context.Context, userID string) error {
	if err := s.deleteUserDevices(ctx, userID); err != nil {
		return fmt.Errorf("delete devices of %s: %w", userID, err)
	}
	return nil
}

func (s *Store) deleteUserDevices(ctx context.Context, userID string) error {
	var set deviceSetDoc
	err := s.db.Collection(colDeviceSets).FindOne(ctx, byID(userID)).Decode(&set)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return mapErr(err, "device set")
	}
	for _, e := range set.D {
		_, err := s.db.Collection(colDevices).DeleteOne(ctx, bson.D{{Key: "_id", Value: e.Token}, {Key: "user_id", Value: userID}})
		if err != nil {
			return mapErr(err, "device")
		}
	}
	_, err = s.db.Collection(colDeviceSets).DeleteOne(ctx, byID(userID))
	return mapErr(err, "device set")
}

// devicesChunk bounds the IDs of one DevicesOf query; devicesReaders bounds the queries under way at once.
const (
	devicesChunk   = 250
	devicesReaders = 8
)

// DevicesOf returns the devices of the users, reading their sets by _id: a $in per chunk of users, several
// chunks at once, so the thousands of recipients of a dispatcher's batch take the time of a few queries.
func (s *Store) DevicesOf(ctx context.Context, userIDs []string) ([]notify.Device, error) {
	chunks := slices.Collect(slices.Chunk(userIDs, devicesChunk))
	found := make([][]notify.Device, len(chunks))
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, devicesReaders)
	var wg sync.WaitGroup
	for i, chunk := range chunks {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			found[i], errs[i] = s.devicesOf(ctx, chunk)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("read devices of %d users: %w", len(userIDs), err)
	}
	return slices.Concat(found...), nil
}

func (s *Store) devicesOf(ctx context.Context, userIDs []string) ([]notify.Device, error) {
	cur, err := s.db.Collection(colDeviceSets).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: userIDs}}}})
	var sets []deviceSetDoc
	if err == nil {
		err = cur.All(ctx, &sets)
	}
	if err != nil {
		return nil, mapErr(err, "device sets")
	}
	var out []notify.Device
	for _, set := range sets {
		out = append(out, set.devices()...)
	}
	return out, nil
}
