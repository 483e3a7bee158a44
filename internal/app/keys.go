package app

import (
	"crypto/ed25519"
	"encoding/pem"
	"fmt"
	"path/filepath"

	"github.com/quangninh/feedback/internal/auth/token"
	"github.com/quangninh/feedback/internal/config"
)

// DevKeyFile is the signing key the dev stack keeps in DEV_KEY_DIR.
const DevKeyFile = "jwt-signing.pem"

// tokenAuthority builds the access-token authority from the configured keys: the signing key, plus any
// verification-only public keys (the previous key during a rotation).
func tokenAuthority(cfg config.Config) (*token.Authority, error) {
	var (
		signing ed25519.PrivateKey
		err     error
	)
	if cfg.JWTSigningKey != "" {
		if signing, err = token.ParsePrivateKeyPEM([]byte(cfg.JWTSigningKey)); err != nil {
			return nil, fmt.Errorf("JWT_SIGNING_KEY: %w", err)
		}
	} else if signing, err = token.GenerateKeyFile(filepath.Join(cfg.DevKeyDir, DevKeyFile)); err != nil {
		return nil, fmt.Errorf("DEV_KEY_DIR: %w", err)
	}
	var verify []ed25519.PublicKey
	rest := []byte(cfg.JWTVerifyKeys)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		pub, err := token.ParsePublicKeyPEM(pem.EncodeToMemory(block))
		if err != nil {
			return nil, fmt.Errorf("JWT_VERIFY_KEYS: %w", err)
		}
		if !pub.Equal(signing.Public()) {
			verify = append(verify, pub)
		}
	}
	ks, err := token.NewKeySet(signing, verify...)
	if err != nil {
		return nil, err
	}
	return token.NewAuthority(ks, token.Config{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, TTL: cfg.AccessTokenTTL})
}
