package app

import (
	"context"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/config"
	"github.com/quangninh/feedback/internal/mongostore"
)

// seed loads Quảng Ninh's catalogue when it is missing. It never overwrites what admins changed and is safe
// when several replicas start at once.
func seed(ctx context.Context, store *mongostore.Store, _ config.Config) error {
	return store.SeedCategories(ctx, catalogue.Seed().Categories())
}
