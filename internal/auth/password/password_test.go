package password

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fastParams keeps the tests quick; the format and logic do not depend on cost.
var fastParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func mustHash(tb testing.TB, pw string, p Params) string {
	tb.Helper()
	h, err := Hash(pw, p)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func TestHashFormat(t *testing.T) {
	h := mustHash(t, "correct horse battery", DefaultParams())
	parts := strings.Split(h, "$")
	if len(parts) != 6 {
		t.Fatalf("Hash = %q, want 6 $-fields", h)
	}
	if diff := cmp.Diff([]string{"", "argon2id", "v=19", "m=19456,t=2,p=1"}, parts[:4]); diff != "" {
		t.Errorf("PHC prefix mismatch (-want +got):\n%s", diff)
	}
	if len(parts[4]) != 22 || len(parts[5]) != 43 { // 16 and 32 bytes, unpadded base64
		t.Errorf("salt %q hash %q have wrong lengths", parts[4], parts[5])
	}
	if h2 := mustHash(t, "correct horse battery", DefaultParams()); h2 == h {
		t.Error("two hashes of one password are equal: salt is not random")
	}
}

func TestVerify(t *testing.T) {
	h := mustHash(t, "correct horse battery", fastParams)
	tests := []struct {
		pw   string
		want error
	}{
		{"correct horse battery", nil},
		{"Correct horse battery", ErrMismatch},
		{"correct horse battery ", ErrMismatch},
		{"", ErrMismatch},
	}
	for _, tt := range tests {
		if err := Verify(h, tt.pw); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("Verify(%q) = %v, want %v", tt.pw, err, tt.want)
		}
	}
}

// A hash made by the reference C implementation, so hashes from other tools
// (and from us, in theirs) stay interchangeable.
func TestVerifyKnownVector(t *testing.T) {
	// echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 32 -e
	const h = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	if err := Verify(h, "password"); err != nil {
		t.Errorf("Verify(reference hash) = %v", err)
	}
	if err := Verify(h, "passwore"); !errors.Is(err, ErrMismatch) {
		t.Errorf("Verify(reference hash, wrong) = %v, want ErrMismatch", err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	good := mustHash(t, "pw", fastParams)
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	tests := []struct {
		name string
		h    string
		want error
	}{
		{"empty", "", ErrMalformedHash},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", ErrMalformedHash},
		{"argon2i", with(1, "argon2i"), ErrMalformedHash},
		{"old version", with(2, "v=16"), ErrMalformedHash},
		{"version junk", with(2, "v=19x"), ErrMalformedHash},
		{"params reordered", with(3, "t=1,m=64,p=1"), ErrMalformedHash},
		{"params junk", with(3, "m=64,t=1,p=1,x=2"), ErrMalformedHash},
		{"threads overflow", with(3, "m=64,t=1,p=300"), ErrMalformedHash},
		{"padded salt", with(4, parts[4]+"=="), ErrMalformedHash},
		{"bad hash base64", with(5, "!!!"), ErrMalformedHash},
		{"huge memory", with(3, "m=4194304,t=1,p=1"), ErrInvalidParams},
		{"huge time", with(3, "m=64,t=100000,p=1"), ErrInvalidParams},
		{"zero threads", with(3, "m=64,t=1,p=0"), ErrInvalidParams},
		{"short key", with(5, "AAAA"), ErrInvalidParams},
		{"leading text", "x" + good, ErrMalformedHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Verify(tt.h, "pw"); !errors.Is(err, tt.want) {
				t.Errorf("Verify(%q) = %v, want %v", tt.h, err, tt.want)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	h := mustHash(t, "pw", fastParams)
	stronger := fastParams
	stronger.Time = 2
	longerSalt := fastParams
	longerSalt.SaltLen = 32
	tests := []struct {
		name string
		want Params
		need bool
	}{
		{"same params", fastParams, false},
		{"more passes", stronger, true},
		{"longer salt", longerSalt, true},
		{"defaults", DefaultParams(), true},
	}
	for _, tt := range tests {
		need, err := NeedsRehash(h, tt.want)
		if err != nil || need != tt.need {
			t.Errorf("%s: NeedsRehash = %v, %v; want %v", tt.name, need, err, tt.need)
		}
	}
	if need, err := NeedsRehash("garbage", fastParams); !need || !errors.Is(err, ErrMalformedHash) {
		t.Errorf("NeedsRehash(garbage) = %v, %v", need, err)
	}
}

func TestHashRejectsBadParams(t *testing.T) {
	for _, p := range []Params{{}, {Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32}, {Memory: 1 << 30, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}} {
		if _, err := Hash("pw", p); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("Hash with %+v = %v, want ErrInvalidParams", p, err)
		}
	}
}

func TestCheckPolicy(t *testing.T) {
	tests := []struct {
		name, pw, user string
		want           error
	}{
		{"good passphrase", "vịnh hạ long mùa thu", "lan.nguyen", nil},
		{"exactly 10", "k7#pQ2!xZr", "lan", nil},
		{"10 runes, more bytes", "đường phố1", "lan", nil},
		{"9 chars", "k7#pQ2!xZ", "lan", ErrTooShort},
		{"empty", "", "lan", ErrTooShort},
		{"too long", strings.Repeat("ab", 129), "lan", ErrTooLong},
		{"invalid utf8", "abcdefghij\xff", "lan", ErrNotUTF8},
		{"equals username", "lan.nguyen.qn", "lan.nguyen.qn", ErrContainsUsername},
		{"contains username, other case", "MyNameIsLan.Nguyen!", "lan.nguyen", ErrContainsUsername},
		{"contains email local part", "lan.nguyen2026!", "lan.nguyen@quangninh.gov.vn", ErrContainsUsername},
		{"contains phone, national form", "0912345678abc", "+84912345678", ErrContainsUsername},
		{"contains phone, short form", "xx912345678", "0912 345 678", ErrContainsUsername},
		{"short username ignored", "xy-k7#pQ2!xZ", "xy", nil},
		{"common", "Password123", "lan", ErrCommon},
		{"common vietnamese", "matkhau123", "lan", ErrCommon},
		{"digits run", "1234567890", "lan", ErrCommon},
		{"one char repeated", "aaaaaaaaaaaa", "lan", ErrCommon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPolicy(tt.pw, tt.user)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Errorf("CheckPolicy(%q, %q) = %v, want %v", tt.pw, tt.user, err, tt.want)
			}
		})
	}
}

func TestCheckPolicyMessage(t *testing.T) {
	err := CheckPolicy("short", "lan")
	if diff := cmp.Diff("password is too short: 5 characters, need at least 10", err.Error()); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}
}
