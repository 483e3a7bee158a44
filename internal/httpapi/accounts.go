package httpapi

import (
	"context"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/account"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/sms"
)

// Accounts is sign-in and account management.
type Accounts interface {
	RequestCode(ctx context.Context, rawPhone, clientIP string) (account.Challenge, error)
	VerifyCode(ctx context.Context, challengeID, code string) (account.Tokens, error)
	StaffLogin(ctx context.Context, username, pw, clientIP string) (account.Tokens, error)
	Refresh(ctx context.Context, raw string) (account.Tokens, error)
	Logout(ctx context.Context, p auth.Principal, raw, deviceToken string) error
	Profile(ctx context.Context, p auth.Principal) (account.User, error)
	UpdateProfile(ctx context.Context, p auth.Principal, displayName, language *string) (account.User, error)
	DeleteResident(ctx context.Context, p auth.Principal) error
	Export(ctx context.Context, p auth.Principal) (account.Export, error)
	CreateStaff(ctx context.Context, actor auth.Principal, in account.NewStaff) (account.User, error)
	ListStaff(ctx context.Context, actor auth.Principal) ([]account.User, error)
	GetStaff(ctx context.Context, actor auth.Principal, id string) (account.User, error)
	UpdateStaff(ctx context.Context, actor auth.Principal, id string, upd account.StaffUpdate) (account.User, error)
	ChangePassword(ctx context.Context, p auth.Principal, current, next string) error
}

// SMSInbox shows what the dev SMS sink received; nil outside the dev stack.
type SMSInbox interface {
	Messages(ctx context.Context, rawPhone string, limit int) ([]sms.Message, error)
}

var _ Accounts = (*account.Service)(nil)

// clientIP is the caller's address as gin resolves it (trusted proxies only), for per-address limits.
func clientIP(ctx context.Context) string {
	if c, ok := ginContext(ctx); ok {
		return c.ClientIP()
	}
	return ""
}

// RequestOtp sends a sign-in code.
func (s *Server) RequestOtp(ctx context.Context, req api.RequestOtpRequestObject) (api.RequestOtpResponseObject, error) {
	ch, err := s.deps.Accounts.RequestCode(ctx, req.Body.Phone, clientIP(ctx))
	if err != nil {
		return nil, err
	}
	return api.RequestOtp202JSONResponse{ChallengeId: ch.ID, Phone: ch.Phone.Redacted(), ExpiresAt: ch.ExpiresAt,
		ResendAfterSeconds: int((ch.ResendAfter + time.Second - 1) / time.Second)}, nil
}

// VerifyOtp signs a resident in.
func (s *Server) VerifyOtp(ctx context.Context, req api.VerifyOtpRequestObject) (api.VerifyOtpResponseObject, error) {
	t, err := s.deps.Accounts.VerifyCode(ctx, req.Body.ChallengeId, req.Body.Code)
	if err != nil {
		return nil, err
	}
	return api.VerifyOtp200JSONResponse(toTokenPair(t)), nil
}

// StaffLogin signs a staff member in.
func (s *Server) StaffLogin(ctx context.Context, req api.StaffLoginRequestObject) (api.StaffLoginResponseObject, error) {
	t, err := s.deps.Accounts.StaffLogin(ctx, req.Body.Username, req.Body.Password, clientIP(ctx))
	if err != nil {
		return nil, err
	}
	return api.StaffLogin200JSONResponse(toTokenPair(t)), nil
}

// RefreshTokens rotates a refresh token.
func (s *Server) RefreshTokens(ctx context.Context, req api.RefreshTokensRequestObject) (api.RefreshTokensResponseObject, error) {
	t, err := s.deps.Accounts.Refresh(ctx, req.Body.RefreshToken)
	if err != nil {
		return nil, err
	}
	return api.RefreshTokens200JSONResponse(toTokenPair(t)), nil
}

// Logout revokes a session.
func (s *Server) Logout(ctx context.Context, req api.LogoutRequestObject) (api.LogoutResponseObject, error) {
	device := ""
	if req.Body.DeviceToken != nil {
		device = *req.Body.DeviceToken
	}
	if err := s.deps.Accounts.Logout(ctx, principal(ctx), req.Body.RefreshToken, device); err != nil {
		return nil, err
	}
	return api.Logout204Response{}, nil
}

// GetMe returns the caller's profile.
func (s *Server) GetMe(ctx context.Context, _ api.GetMeRequestObject) (api.GetMeResponseObject, error) {
	u, err := s.deps.Accounts.Profile(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	return api.GetMe200JSONResponse(toProfile(u)), nil
}

// UpdateMe changes the caller's profile.
func (s *Server) UpdateMe(ctx context.Context, req api.UpdateMeRequestObject) (api.UpdateMeResponseObject, error) {
	var lang *string
	if req.Body.Language != nil {
		l := string(*req.Body.Language)
		lang = &l
	}
	u, err := s.deps.Accounts.UpdateProfile(ctx, principal(ctx), req.Body.DisplayName, lang)
	if err != nil {
		return nil, err
	}
	return api.UpdateMe200JSONResponse(toProfile(u)), nil
}

// DeleteMe erases a resident's personal data.
func (s *Server) DeleteMe(ctx context.Context, _ api.DeleteMeRequestObject) (api.DeleteMeResponseObject, error) {
	if err := s.deps.Accounts.DeleteResident(ctx, principal(ctx)); err != nil {
		return nil, err
	}
	return api.DeleteMe204Response{}, nil
}

// ChangePassword changes a staff member's own password.
func (s *Server) ChangePassword(ctx context.Context, req api.ChangePasswordRequestObject) (api.ChangePasswordResponseObject, error) {
	if err := s.deps.Accounts.ChangePassword(ctx, principal(ctx), req.Body.CurrentPassword, req.Body.NewPassword); err != nil {
		return nil, err
	}
	return api.ChangePassword204Response{}, nil
}

// ListStaff lists staff accounts the caller manages.
func (s *Server) ListStaff(ctx context.Context, _ api.ListStaffRequestObject) (api.ListStaffResponseObject, error) {
	users, err := s.deps.Accounts.ListStaff(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	out := api.StaffList{Items: make([]api.Staff, len(users))}
	for i, u := range users {
		out.Items[i] = toStaff(u)
	}
	return api.ListStaff200JSONResponse(out), nil
}

// CreateStaff creates a staff account.
func (s *Server) CreateStaff(ctx context.Context, req api.CreateStaffRequestObject) (api.CreateStaffResponseObject, error) {
	b := req.Body
	in := account.NewStaff{Username: b.Username, Password: b.Password, Role: auth.Role(b.Role)}
	if b.DisplayName != nil {
		in.DisplayName = *b.DisplayName
	}
	if b.AgencyId != nil {
		in.AgencyID = *b.AgencyId
	}
	u, err := s.deps.Accounts.CreateStaff(ctx, principal(ctx), in)
	if err != nil {
		return nil, err
	}
	return api.CreateStaff201JSONResponse(toStaff(u)), nil
}

// GetStaff returns one staff account.
func (s *Server) GetStaff(ctx context.Context, req api.GetStaffRequestObject) (api.GetStaffResponseObject, error) {
	u, err := s.deps.Accounts.GetStaff(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetStaff200JSONResponse(toStaff(u)), nil
}

// UpdateStaff changes a staff account.
func (s *Server) UpdateStaff(ctx context.Context, req api.UpdateStaffRequestObject) (api.UpdateStaffResponseObject, error) {
	u, err := s.deps.Accounts.UpdateStaff(ctx, principal(ctx), req.Id, account.StaffUpdate{
		Disabled: req.Body.Disabled, Password: req.Body.Password, DisplayName: req.Body.DisplayName})
	if err != nil {
		return nil, err
	}
	return api.UpdateStaff200JSONResponse(toStaff(u)), nil
}

// ListDevSms shows the dev SMS sink.
func (s *Server) ListDevSms(ctx context.Context, req api.ListDevSmsRequestObject) (api.ListDevSmsResponseObject, error) {
	if s.deps.SMSInbox == nil {
		return nil, fault.New(fault.ErrNotFound, "the SMS sink exists only in the dev stack (SMS_PROVIDER=sink)")
	}
	msgs, err := s.deps.SMSInbox.Messages(ctx, req.Params.Phone, 20)
	if err != nil {
		return nil, err
	}
	out := api.SmsList{}
	for _, m := range msgs {
		out.Items = append(out.Items, struct {
			SentAt time.Time `json:"sent_at"`
			Text   string    `json:"text"`
			To     string    `json:"to"`
		}{m.SentAt, m.Text, m.To})
	}
	if out.Items == nil {
		out.Items = out.Items[:0]
	}
	return api.ListDevSms200JSONResponse(out), nil
}

func toTokenPair(t account.Tokens) api.TokenPair {
	return api.TokenPair{AccessToken: t.AccessToken, TokenType: api.TokenPairTokenTypeBearer, ExpiresIn: int(t.ExpiresIn / time.Second),
		RefreshToken: t.RefreshToken, User: toProfile(t.User)}
}

func toProfile(u account.User) api.Profile {
	p := api.Profile{Id: u.ID, Role: api.Role(u.Role), Language: api.Language(u.Language), CreatedAt: u.CreatedAt}
	if p.Language == "" {
		p.Language = api.Vi
	}
	if u.AgencyID != "" {
		p.AgencyId = ptr(u.AgencyID)
	}
	if u.Phone != "" {
		p.Phone = ptr(u.Phone)
	}
	if u.Username != "" {
		p.Username = ptr(u.Username)
	}
	if u.DisplayName != "" {
		p.DisplayName = ptr(u.DisplayName)
	}
	return p
}

func toStaff(u account.User) api.Staff {
	st := api.Staff{Id: u.ID, Username: u.Username, Role: api.Role(u.Role), Disabled: u.Disabled, CreatedAt: u.CreatedAt}
	if u.AgencyID != "" {
		st.AgencyId = ptr(u.AgencyID)
	}
	if u.DisplayName != "" {
		st.DisplayName = ptr(u.DisplayName)
	}
	return st
}
