package app

import (
	"context"
	"fmt"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/config"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/mongostore"
)

// seed loads Quảng Ninh's agencies and categories when they are missing. It never overwrites what admins
// changed and is safe when several replicas start at once.
func seed(ctx context.Context, store *mongostore.Store, _ config.Config) error {
	cat, err := catalogue.Seed(jurisdiction.Default())
	if err != nil {
		return fmt.Errorf("seed catalogue: %w", err)
	}
	if err := store.SeedAgencies(ctx, cat.Agencies()); err != nil {
		return err
	}
	return store.SeedCategories(ctx, cat.Categories())
}
