// Package auth holds the identity concepts shared by every sign-in method:
// who a caller is (Principal) and what they may do (Role). The building
// blocks live in sub-packages: phone (numbers), otp (one-time SMS codes),
// password (argon2id hashes and policy), throttle (login back-off),
// token (signed access tokens) and refresh (opaque refresh tokens).
//
// Nothing here touches a database or HTTP; the store and the HTTP layer wire
// these pieces together.
package auth

import (
	"errors"
	"fmt"
)

// Role is what a signed-in user may do. The zero value is not a valid role.
type Role string

// The roles of the system.
const (
	RoleResident    Role = "resident"     // a citizen who files feedback
	RoleOfficer     Role = "officer"      // handles reports for one agency
	RoleAgencyAdmin Role = "agency_admin" // manages one agency's officers
	RoleDispatcher  Role = "dispatcher"   // routes reports between agencies
	RoleAdmin       Role = "admin"        // runs the whole system
	RoleCallTaker   Role = "call_taker"   // files reports for residents who phone the hotline
)

// ErrUnknownRole is returned (wrapped) by ParseRole for any other string.
var ErrUnknownRole = errors.New("unknown role")

// Roles lists every valid role.
func Roles() []Role {
	return []Role{RoleResident, RoleOfficer, RoleAgencyAdmin, RoleDispatcher, RoleAdmin, RoleCallTaker}
}

// ParseRole returns the Role named s, matched exactly. For anything else it
// returns the zero Role and an error wrapping ErrUnknownRole.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownRole, s)
}

// String returns the role's wire name.
func (r Role) String() string { return string(r) }

// BelongsToAgency reports whether users with this role act on behalf of one
// agency, and so must carry an AgencyID.
func (r Role) BelongsToAgency() bool {
	return r == RoleOfficer || r == RoleAgencyAdmin
}

// Principal is the authenticated caller, as proven by an access token.
type Principal struct {
	UserID   string
	Role     Role
	AgencyID string // required for officer and agency_admin, empty for resident
	// Epoch is the account's token epoch when the token was issued. The account moves it on (erasure,
	// disabling, a new password, every session revoked) so that every token issued before stops working.
	Epoch int64
}

// ErrInvalidPrincipal is returned (wrapped) by Principal.Validate.
var ErrInvalidPrincipal = errors.New("invalid principal")

// Validate returns nil if p is complete and consistent, or an error wrapping
// ErrInvalidPrincipal that says what is wrong: a missing user ID, an unknown
// role, an agency role without an agency, or a resident with an agency.
// Dispatchers and admins may or may not be attached to an agency.
func (p Principal) Validate() error {
	switch {
	case p.UserID == "":
		return fmt.Errorf("%w: empty user ID", ErrInvalidPrincipal)
	case !validRole(p.Role):
		return fmt.Errorf("%w: role %q", ErrInvalidPrincipal, p.Role)
	case p.Role.BelongsToAgency() && p.AgencyID == "":
		return fmt.Errorf("%w: role %s needs an agency", ErrInvalidPrincipal, p.Role)
	case p.Role == RoleResident && p.AgencyID != "":
		return fmt.Errorf("%w: a resident has no agency", ErrInvalidPrincipal)
	}
	return nil
}

func validRole(r Role) bool {
	_, err := ParseRole(string(r))
	return err == nil
}
