package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/auth/otp"
	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/config"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/open311"
	"github.com/quangninh/feedback/internal/routing"
	"github.com/quangninh/feedback/internal/sms"
)

// agencyDirectory answers whether an agency exists from the live catalogue.
type agencyDirectory struct{ router *routing.Service }

func (a agencyDirectory) AgencyExists(_ context.Context, id string) (bool, error) {
	_, ok := a.router.Catalogue().Agency(id)
	return ok, nil
}

// accounts builds the sign-in service, the SMS sender it uses and, in the dev stack, the SMS inbox.
func accounts(cfg config.Config, store *mongostore.Store, router *routing.Service, tokens *token.Authority, devices account.Devices) (*account.Service, account.SMS, *sms.Sink, error) {
	pepperKey := []byte(cfg.OTPPepper)
	if len(pepperKey) == 0 {
		// Dev only (config requires OTP_PEPPER otherwise): every replica sharing DEV_KEY_DIR derives the same one.
		seed, err := os.ReadFile(filepath.Join(cfg.DevKeyDir, DevKeyFile))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("derive OTP pepper: %w", err)
		}
		mac := hmac.New(sha256.New, seed)
		mac.Write([]byte("otp-pepper"))
		pepperKey = mac.Sum(nil)
	}
	pepper, err := otp.NewPepper(pepperKey)
	if err != nil {
		return nil, nil, nil, &ConfigError{fmt.Errorf("OTP_PEPPER: %w", err)}
	}
	var sender account.SMS
	var sink *sms.Sink
	switch cfg.SMSProvider {
	case "sink":
		sink = &sms.Sink{Store: store}
		sender = sink
	default:
		sender = &sms.HTTPGateway{URL: cfg.SMSGatewayURL, Token: cfg.SMSGatewayToken}
	}
	svc := account.New(store, sender, tokens, account.Config{Pepper: pepper, Agencies: agencyDirectory{router}, Devices: devices,
		Reports: store, PartnerContacts: &open311.Contacts{Store: store}, PrecisionM: publicPrecisionM(router)})
	return svc, sender, sink, nil
}
