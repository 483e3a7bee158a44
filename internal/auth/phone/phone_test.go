package phone

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{in: "0912345678", want: "+84912345678"},
		{in: "0912 345 678", want: "+84912345678"},
		{in: "0912.345.678", want: "+84912345678"},
		{in: "0912-345-678", want: "+84912345678"},
		{in: "  0912345678\t", want: "+84912345678"},
		{in: "+84912345678", want: "+84912345678"},
		{in: "+84 912 345 678", want: "+84912345678"},
		{in: "+84 (0)912 345 678", want: "+84912345678"},
		{in: "(+84) 912 345 678", want: "+84912345678"},
		{in: "84912345678", want: "+84912345678"},
		{in: "840912345678", want: "+84912345678"},
		{in: "0084912345678", want: "+84912345678"},
		{in: "912345678", want: "+84912345678"},
		{in: "0912\u00a0345\u00a0678", want: "+84912345678"},
		{in: "0321234567", want: "+84321234567"},
		{in: "0561234567", want: "+84561234567"},
		{in: "0771234567", want: "+84771234567"},
		{in: "0861234567", want: "+84861234567"},
		{in: "0981234567", want: "+84981234567"},
		{in: "0841234567", want: "+84841234567"}, // 084 is VinaPhone, not a country code

		{in: "", wantErr: ErrEmpty},
		{in: "   ", wantErr: ErrEmpty},
		{in: "-- ..", wantErr: ErrEmpty},
		{in: "0912a45678", wantErr: ErrInvalidChar},
		{in: "0912/345/678", wantErr: ErrInvalidChar},
		{in: "09+12345678", wantErr: ErrInvalidChar},
		{in: "+1 202 555 0100", wantErr: ErrNotVietnamese},
		{in: "+856 20 1234 5678", wantErr: ErrNotVietnamese},
		{in: "0044 20 7946 0958", wantErr: ErrNotVietnamese},
		{in: "091234567", wantErr: ErrLength},
		{in: "09123456789", wantErr: ErrLength},
		{in: "+8491234567", wantErr: ErrLength},
		{in: "+849123456789", wantErr: ErrLength},
		{in: "12345", wantErr: ErrMissingTrunk0},
		{in: "8491234567890", wantErr: ErrMissingTrunk0},
		{in: "02033 123 456", wantErr: ErrLandline}, // Quảng Ninh landline
		{in: "+84 203 3123 456", wantErr: ErrLandline},
		{in: "0203312345", wantErr: ErrLandline},
		{in: "0112345678", wantErr: ErrNotMobile},
		{in: "0412345678", wantErr: ErrNotMobile},
		{in: "0612345678", wantErr: ErrNotMobile},
		{in: "0012345678", wantErr: ErrNotVietnamese},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				if !got.IsZero() {
					t.Fatalf("Parse(%q) = %q on error, want zero Number", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got.String()); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseIsIdempotent(t *testing.T) {
	n, err := Parse("0912 345 678")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{n.String(), n.National()} {
		again, err := Parse(s)
		if err != nil || again != n {
			t.Errorf("Parse(%q) = %q, %v; want %q", s, again, err, n)
		}
	}
}

func TestFormats(t *testing.T) {
	n, err := Parse("+84 912 345 678")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{n.String(), n.National(), n.Redacted()}
	want := []string{"+84912345678", "0912345678", "+84912***678"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("formats mismatch (-want +got):\n%s", diff)
	}
	var zero Number
	if zero.String() != "" || zero.National() != "" || zero.Redacted() != "" || !zero.IsZero() {
		t.Errorf("zero Number formats = %q %q %q", zero.String(), zero.National(), zero.Redacted())
	}
}

func TestErrorSaysWhy(t *testing.T) {
	_, err := Parse("0612345678")
	want := `phone number does not start with a Vietnamese mobile prefix: "0612345678" starts with 06; mobile numbers start with 03, 05, 07, 08 or 09`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error text mismatch (-want +got):\n%s", diff)
	}
}
