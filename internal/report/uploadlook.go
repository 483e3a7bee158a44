package report

import (
	"context"
	"errors"
	"io"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/media"
	"github.com/quangninh/feedback/internal/photohash"
)

// UploadLooks fingerprints a photo a resident uploaded to a presigned slot and has not filed yet, so that
// the app can offer the reports it resembles before the resident files another.
type UploadLooks struct {
	Slots interface {
		UploadSlot(ctx context.Context, id string) (UploadSlot, error)
	}
	Blobs interface {
		Get(ctx context.Context, key string) (io.ReadCloser, error)
	}
	Derive media.DeriveOptions // the photo worker's: the fingerprint is made from the same upright thumbnail
}

// Look returns the fingerprint of the photo in the resident's slot. It returns *fault.Invalid (field) when
// the slot is not theirs, holds nothing yet or no photo it can read, and storage errors.
func (u *UploadLooks) Look(ctx context.Context, p auth.Principal, field, uploadID string) (photohash.Fingerprint, error) {
	slot, err := u.Slots.UploadSlot(ctx, uploadID)
	if errors.Is(err, fault.ErrNotFound) || err == nil && slot.OwnerID != p.UserID {
		return photohash.Fingerprint{}, invalid(field, "no such upload (it may have expired); ask for a new one")
	}
	if err != nil {
		return photohash.Fingerprint{}, err
	}
	rc, err := u.Blobs.Get(ctx, slot.Key)
	if errors.Is(err, fault.ErrNotFound) {
		return photohash.Fingerprint{}, invalid(field, "nothing was uploaded to this slot yet; PUT the photo to its URL first")
	}
	if err != nil {
		return photohash.Fingerprint{}, err
	}
	defer rc.Close()
	side := cmpOr(u.Derive.ThumbSide, media.DefaultThumbSide)
	img, err := u.Derive.Upright(ctx, io.LimitReader(rc, MaxPhotoBytes+1), side)
	switch {
	case errors.Is(err, fault.ErrUnavailable), ctx.Err() != nil:
		return photohash.Fingerprint{}, fault.Wrap(fault.ErrUnavailable, "", errors.Join(err, ctx.Err()))
	case err != nil:
		return photohash.Fingerprint{}, invalid(field, "the uploaded object is not a photo that can be read (JPEG, PNG, WebP or HEIC)")
	}
	return photohash.Of(img), nil
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
