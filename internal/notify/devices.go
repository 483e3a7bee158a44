package notify

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
)

// Registry registers users' devices. Every role may register devices.
type Registry struct {
	Store Devices
	Now   func() time.Time
}

// Register registers the token for p's user, or updates it (same token again). It returns *fault.Invalid
// for a bad platform, language, app version or token.
func (g *Registry) Register(ctx context.Context, p auth.Principal, d Device) (Device, error) {
	inv := &fault.Invalid{}
	if n := len(d.Token); n < 8 || n > 4096 || !utf8.ValidString(d.Token) {
		inv.Add("path.token", "must be an FCM registration token (8 to 4096 characters)")
	}
	switch d.Platform {
	case Android, IOS, Web:
	default:
		inv.Add("body.platform", "must be android, ios or web")
	}
	switch d.Language {
	case "":
		d.Language = "vi"
	case "vi", "en":
	default:
		inv.Add("body.language", "must be vi or en")
	}
	if utf8.RuneCountInString(d.AppVersion) > 64 {
		inv.Add("body.app_version", "must be at most 64 characters")
	}
	if err := inv.Err(); err != nil {
		return Device{}, err
	}
	d.UserID = p.UserID
	d.UpdatedAt = time.Now().UTC()
	if g.Now != nil {
		d.UpdatedAt = g.Now().UTC()
	}
	return d, g.Store.PutDevice(ctx, d)
}

// Unregister forgets one of p's devices; a token of someone else, or unknown, changes nothing.
func (g *Registry) Unregister(ctx context.Context, p auth.Principal, token string) error {
	return g.Store.DeleteUserDevice(ctx, p.UserID, token)
}

// UserDevices returns every device of a user, for their data export (account.Devices).
func (g *Registry) UserDevices(ctx context.Context, userID string) ([]Device, error) {
	list, err := g.Store.DevicesOf(ctx, []string{userID})
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []Device{}
	}
	slices.SortFunc(list, func(a, b Device) int { return strings.Compare(a.Token, b.Token) })
	return list, nil
}

// ForgetDevice forgets a device of a user signing out (account.Devices).
func (g *Registry) ForgetDevice(ctx context.Context, userID, token string) error {
	return g.Store.DeleteUserDevice(ctx, userID, token)
}

// ForgetUser forgets every device of a user whose account is deleted (account.Devices).
func (g *Registry) ForgetUser(ctx context.Context, userID string) error {
	return g.Store.DeleteUserDevices(ctx, userID)
}

func itoa(n int) string { return strconv.Itoa(n) }
