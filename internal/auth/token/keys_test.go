package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// RFC 8037 appendix A.3: the JWK thumbprint of the appendix A.2 public key.
func TestKeyIDMatchesRFC8037(t *testing.T) {
	x, err := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := KeyID(ed25519.PublicKey(x)), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; got != want {
		t.Errorf("KeyID = %q, want %q", got, want)
	}
}

func TestNewKeySet(t *testing.T) {
	a, b := newKey(t), newKey(t)
	pubA, pubB := a.Public().(ed25519.PublicKey), b.Public().(ed25519.PublicKey)
	ks, err := NewKeySet(a, pubB)
	if err != nil {
		t.Fatal(err)
	}
	if ks.SigningKeyID() != KeyID(pubA) {
		t.Errorf("SigningKeyID = %q, want %q", ks.SigningKeyID(), KeyID(pubA))
	}
	want := []string{KeyID(pubA), KeyID(pubB)}
	if want[0] > want[1] {
		want[0], want[1] = want[1], want[0]
	}
	if diff := cmp.Diff(want, ks.KeyIDs()); diff != "" {
		t.Errorf("KeyIDs mismatch (-want +got):\n%s", diff)
	}
	if got, ok := ks.PublicKey(KeyID(pubB)); !ok || !got.Equal(pubB) {
		t.Errorf("PublicKey(B) = %x, %v", got, ok)
	}
	if _, ok := ks.PublicKey("nope"); ok {
		t.Error("PublicKey(unknown) found a key")
	}

	tests := []struct {
		name    string
		signing ed25519.PrivateKey
		verify  []ed25519.PublicKey
		want    error
	}{
		{"empty", nil, nil, ErrEmptyKeySet},
		{"short private key", a[:10], nil, ErrBadKey},
		{"short public key", nil, []ed25519.PublicKey{pubA[:5]}, ErrBadKey},
		{"signing key repeated", a, []ed25519.PublicKey{pubA}, ErrDuplicateKey},
		{"verification key repeated", nil, []ed25519.PublicKey{pubB, pubB}, ErrDuplicateKey},
	}
	for _, tt := range tests {
		if _, err := NewKeySet(tt.signing, tt.verify...); !errors.Is(err, tt.want) {
			t.Errorf("%s: NewKeySet = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestPEMRoundTrip(t *testing.T) {
	priv := newKey(t)
	pub := priv.Public().(ed25519.PublicKey)
	privPEM, err := MarshalPrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := MarshalPublicKeyPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	gotPriv, err := ParsePrivateKeyPEM(privPEM)
	if err != nil || !gotPriv.Equal(priv) {
		t.Errorf("ParsePrivateKeyPEM = %v", err)
	}
	for _, data := range [][]byte{pubPEM, privPEM} {
		gotPub, err := ParsePublicKeyPEM(data)
		if err != nil || !gotPub.Equal(pub) {
			t.Errorf("ParsePublicKeyPEM = %v", err)
		}
	}
}

func TestParsePEMRejects(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPub, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	pubPEM, _ := MarshalPublicKeyPEM(newKey(t).Public().(ed25519.PublicKey))
	block := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }

	for name, data := range map[string][]byte{
		"not PEM":        []byte("hello"),
		"P-256 private":  block("PRIVATE KEY", ecPriv),
		"garbage DER":    block("PRIVATE KEY", []byte{1, 2, 3}),
		"EC PRIVATE KEY": block("EC PRIVATE KEY", ecPriv),
		"public as priv": pubPEM,
	} {
		if _, err := ParsePrivateKeyPEM(data); !errors.Is(err, ErrBadKey) {
			t.Errorf("ParsePrivateKeyPEM(%s) = %v, want ErrBadKey", name, err)
		}
	}
	for name, data := range map[string][]byte{
		"not PEM":     []byte("hello"),
		"P-256":       block("PUBLIC KEY", ecPub),
		"certificate": block("CERTIFICATE", []byte{1, 2, 3}),
	} {
		if _, err := ParsePublicKeyPEM(data); !errors.Is(err, ErrBadKey) {
			t.Errorf("ParsePublicKeyPEM(%s) = %v, want ErrBadKey", name, err)
		}
	}
}

func TestGenerateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "dev", "signing.pem")
	first, err := GenerateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", info.Mode().Perm())
	}
	dirInfo, _ := os.Stat(filepath.Dir(path))
	if dirInfo.Mode().Perm() != 0o700 {
		t.Errorf("key dir mode = %v, want 0700", dirInfo.Mode().Perm())
	}
	again, err := GenerateKeyFile(path)
	if err != nil || !again.Equal(first) {
		t.Errorf("second GenerateKeyFile gave another key (err %v)", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("key dir holds %d files, want just the key", len(entries))
	}

	ks, err := LoadKeySet(path)
	if err != nil {
		t.Fatal(err)
	}
	if ks.SigningKeyID() != KeyID(first.Public().(ed25519.PublicKey)) {
		t.Error("LoadKeySet signs with another key")
	}
}

func TestGenerateKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.pem")
	keys := make([]ed25519.PrivateKey, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := GenerateKeyFile(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i, k := range keys {
		if !k.Equal(keys[0]) {
			t.Errorf("caller %d got a different key", i)
		}
	}
}

func TestGenerateKeyFileKeepsBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateKeyFile(path); !errors.Is(err, ErrBadKey) {
		t.Errorf("GenerateKeyFile(corrupt) = %v, want ErrBadKey", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "not a key" {
		t.Error("GenerateKeyFile overwrote an existing file")
	}
}

func TestLoadKeySetRotation(t *testing.T) {
	dir := t.TempDir()
	oldKey, err := GenerateKeyFile(filepath.Join(dir, "old.pem"))
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := GenerateKeyFile(filepath.Join(dir, "new.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, _ := MarshalPublicKeyPEM(oldKey.Public().(ed25519.PublicKey))
	if err := os.WriteFile(filepath.Join(dir, "old.pub.pem"), pubPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, verify := range []string{"old.pem", "old.pub.pem"} {
		ks, err := LoadKeySet(filepath.Join(dir, "new.pem"), filepath.Join(dir, verify))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{KeyID(oldKey.Public().(ed25519.PublicKey)), KeyID(newKey.Public().(ed25519.PublicKey))}
		if want[0] > want[1] {
			want[0], want[1] = want[1], want[0]
		}
		if diff := cmp.Diff(want, ks.KeyIDs()); diff != "" {
			t.Errorf("verify with %s: KeyIDs mismatch (-want +got):\n%s", verify, diff)
		}
	}
	verifyOnly, err := LoadKeySet("", filepath.Join(dir, "old.pub.pem"))
	if err != nil || verifyOnly.SigningKeyID() != "" {
		t.Errorf("verification-only LoadKeySet = %v, signing %q", err, verifyOnly.SigningKeyID())
	}
	if _, err := LoadKeySet(filepath.Join(dir, "missing.pem")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadKeySet(missing) = %v, want ErrNotExist", err)
	}
	if _, err := LoadKeySet(filepath.Join(dir, "old.pub.pem")); !errors.Is(err, ErrBadKey) {
		t.Errorf("LoadKeySet(public key as signing key) = %v, want ErrBadKey", err)
	}
}
