package app

import (
	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/open311"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/routing"
)

// open311Services wires the GeoReport v2 endpoint: partners' keys in the store, public reads from the
// public map's documents, partners' requests through the intake, their reporters' accounts by phone and
// their contacts in the store.
func open311Services(store *mongostore.Store, router *routing.Service, public *publicmap.Service, intake *report.Intake, accts *account.Service) (*open311.Partners, *open311.Service, *open311.Contacts) {
	partners := &open311.Partners{Store: store}
	return partners, &open311.Service{Catalogue: router.Catalogue, Public: public, Reports: store, Intake: intake, Residents: accts,
		Partners: partners, Contacts: store}, &open311.Contacts{Store: store}
}
