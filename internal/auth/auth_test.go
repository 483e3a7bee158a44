package auth

import (
	"errors"
	"testing"
)

func TestParseRole(t *testing.T) {
	for _, r := range Roles() {
		got, err := ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v; want %q, nil", r, got, err, r)
		}
	}
	for _, s := range []string{"", "Admin", "ADMIN", " admin", "superuser", "agency-admin"} {
		got, err := ParseRole(s)
		if !errors.Is(err, ErrUnknownRole) || got != "" {
			t.Errorf("ParseRole(%q) = %q, %v; want ErrUnknownRole", s, got, err)
		}
	}
}

func TestPrincipalValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Principal
		ok   bool
	}{
		{"resident", Principal{UserID: "u1", Role: RoleResident}, true},
		{"officer with agency", Principal{UserID: "u1", Role: RoleOfficer, AgencyID: "a1"}, true},
		{"agency admin with agency", Principal{UserID: "u1", Role: RoleAgencyAdmin, AgencyID: "a1"}, true},
		{"dispatcher", Principal{UserID: "u1", Role: RoleDispatcher}, true},
		{"admin", Principal{UserID: "u1", Role: RoleAdmin}, true},
		{"dispatcher of an agency", Principal{UserID: "u1", Role: RoleDispatcher, AgencyID: "a1"}, true},
		{"no user", Principal{Role: RoleResident}, false},
		{"bad role", Principal{UserID: "u1", Role: "root"}, false},
		{"officer without agency", Principal{UserID: "u1", Role: RoleOfficer}, false},
		{"resident with agency", Principal{UserID: "u1", Role: RoleResident, AgencyID: "a1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.ok && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalidPrincipal) {
				t.Fatalf("Validate() = %v, want ErrInvalidPrincipal", err)
			}
		})
	}
}
