package token

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// Errors about keys.
var (
	ErrBadKey       = errors.New("invalid Ed25519 key")
	ErrNoSigningKey = errors.New("key set has no signing key")
	ErrDuplicateKey = errors.New("key set has a key twice")
	ErrEmptyKeySet  = errors.New("key set has no keys")
)

// KeyID returns the RFC 7638 JWK thumbprint of pub, the kid this package
// puts in token headers. Deriving it from the key means a kid can never
// point at the wrong key.
func KeyID(pub ed25519.PublicKey) string {
	jwk := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(jwk))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// KeySet holds at most one signing key and any number of keys that are only
// trusted for verification, all by key ID.
//
// To rotate without signing anyone out: (1) deploy the new public key as a
// verification key everywhere; (2) make it the signing key, keeping the old
// key for verification; (3) drop the old key once the longest-lived token it
// signed has expired (the access token TTL plus leeway).
type KeySet struct {
	signingID string
	signing   ed25519.PrivateKey
	public    map[string]ed25519.PublicKey
}

// NewKeySet returns a key set that signs with signing (nil for a
// verification-only set) and verifies with its public key and verifyOnly. It
// fails with ErrBadKey for a key of the wrong size, ErrDuplicateKey if a key
// appears twice, or ErrEmptyKeySet if there are no keys at all.
func NewKeySet(signing ed25519.PrivateKey, verifyOnly ...ed25519.PublicKey) (*KeySet, error) {
	ks := &KeySet{public: make(map[string]ed25519.PublicKey)}
	add := func(pub ed25519.PublicKey) (string, error) {
		if len(pub) != ed25519.PublicKeySize {
			return "", fmt.Errorf("%w: public key of %d bytes", ErrBadKey, len(pub))
		}
		id := KeyID(pub)
		if _, dup := ks.public[id]; dup {
			return "", fmt.Errorf("%w: %s", ErrDuplicateKey, id)
		}
		ks.public[id] = slices.Clone(pub)
		return id, nil
	}
	if signing != nil {
		if len(signing) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("%w: private key of %d bytes", ErrBadKey, len(signing))
		}
		id, err := add(signing.Public().(ed25519.PublicKey))
		if err != nil {
			return nil, err
		}
		ks.signingID, ks.signing = id, slices.Clone(signing)
	}
	for _, pub := range verifyOnly {
		if _, err := add(pub); err != nil {
			return nil, err
		}
	}
	if len(ks.public) == 0 {
		return nil, ErrEmptyKeySet
	}
	return ks, nil
}

// SigningKeyID returns the kid new tokens are signed with, or "" if ks only verifies.
func (ks *KeySet) SigningKeyID() string { return ks.signingID }

// KeyIDs returns the kids ks accepts, sorted.
func (ks *KeySet) KeyIDs() []string {
	ids := make([]string, 0, len(ks.public))
	for id := range ks.public {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// PublicKey returns the verification key for kid, or false if ks has none.
func (ks *KeySet) PublicKey(kid string) (ed25519.PublicKey, bool) {
	pub, ok := ks.public[kid]
	return pub, ok
}

// ParsePrivateKeyPEM returns the Ed25519 key in a PEM "PRIVATE KEY" block
// (PKCS #8), or an error wrapping ErrBadKey.
func ParsePrivateKeyPEM(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: want a PEM PRIVATE KEY block", ErrBadKey)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: a %T, not Ed25519", ErrBadKey, key)
	}
	return priv, nil
}

// ParsePublicKeyPEM returns the Ed25519 public key in a PEM "PUBLIC KEY"
// block (PKIX), or the public half of a "PRIVATE KEY" block, so old private
// key files can be kept for verification. It fails with an error wrapping ErrBadKey.
func ParsePublicKeyPEM(data []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrBadKey)
	}
	switch block.Type {
	case "PRIVATE KEY":
		priv, err := ParsePrivateKeyPEM(data)
		if err != nil {
			return nil, err
		}
		return priv.Public().(ed25519.PublicKey), nil
	case "PUBLIC KEY":
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		pub, ok := key.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: a %T, not Ed25519", ErrBadKey, key)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("%w: PEM block %q", ErrBadKey, block.Type)
}

// MarshalPrivateKeyPEM returns priv as a PEM "PRIVATE KEY" block (PKCS #8).
func MarshalPrivateKeyPEM(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKeyPEM returns pub as a PEM "PUBLIC KEY" block (PKIX), the form
// to hand to services that only verify.
func MarshalPublicKeyPEM(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// LoadKeySet reads the signing key from signingPath ("" for a
// verification-only set) and verification keys from verifyPaths (public or
// private key PEM files). It fails with the file error, or an error wrapping
// ErrBadKey naming the file, or any error of NewKeySet.
func LoadKeySet(signingPath string, verifyPaths ...string) (*KeySet, error) {
	var signing ed25519.PrivateKey
	if signingPath != "" {
		data, err := os.ReadFile(signingPath)
		if err != nil {
			return nil, err
		}
		if signing, err = ParsePrivateKeyPEM(data); err != nil {
			return nil, fmt.Errorf("%s: %w", signingPath, err)
		}
	}
	var verify []ed25519.PublicKey
	for _, path := range verifyPaths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		pub, err := ParsePublicKeyPEM(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		verify = append(verify, pub)
	}
	return NewKeySet(signing, verify...)
}

// GenerateKeyFile returns the Ed25519 private key stored at path, creating
// the file (mode 0600, parent directories 0700) with a fresh key if it does
// not exist yet. It is meant for the dev stack, which keeps its own key
// across restarts. Concurrent callers all get the same key: the file appears
// atomically and never half-written. It never overwrites an existing file; if
// that file is not a valid key it returns an error wrapping ErrBadKey.
func GenerateKeyFile(path string) (ed25519.PrivateKey, error) {
	if priv, err := readPrivateKeyFile(path); !errors.Is(err, fs.ErrNotExist) {
		return priv, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	data, err := MarshalPrivateKeyPEM(priv)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-key-*") // mode 0600
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	// Link, unlike Rename, fails if path exists: whoever links first wins and
	// everyone else reads the winner's key.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readPrivateKeyFile(path)
		}
		return nil, err
	}
	return priv, nil
}

func readPrivateKeyFile(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	priv, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return priv, nil
}
