package app

import (
	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/routing"
)

// publicPrecisionM returns a category's public location precision in the live catalogue (the default
// for a category it no longer has).
func publicPrecisionM(router *routing.Service) func(category string) int {
	return func(code string) int {
		if c, ok := router.Catalogue().Category(code); ok {
			return c.PublicPrecisionM
		}
		return catalogue.DefaultPublicPrecisionM
	}
}
