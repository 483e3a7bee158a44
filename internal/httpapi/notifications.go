package httpapi

import (
	"context"
	"time"

	"github.com/quangninh/feedback/api"
	"github.com/quangninh/feedback/internal/auth"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/notify"
)

// DeviceRegistry registers users' push devices.
type DeviceRegistry interface {
	Register(ctx context.Context, p auth.Principal, d notify.Device) (notify.Device, error)
	Unregister(ctx context.Context, p auth.Principal, token string) error
}

// Notifications lets admins see and retry parked notifications.
type Notifications interface {
	Failed(ctx context.Context, limit int) ([]notify.Hint, error)
	Retry(ctx context.Context, id string) error
}

// Push is what the FCM stand-in received for one device.
type Push struct {
	Token, Title, Body    string
	Data                  map[string]string
	CollapseKey, Priority string
	ReceivedAt            time.Time
}

// PushInbox shows what the in-process FCM stand-in received (dev stack).
type PushInbox interface {
	PushesFor(token string) []Push
}

var (
	_ DeviceRegistry = (*notify.Registry)(nil)
	_ Notifications  = (*notify.Dispatcher)(nil)
)

// PutMyDevice registers or updates a device.
func (s *Server) PutMyDevice(ctx context.Context, req api.PutMyDeviceRequestObject) (api.PutMyDeviceResponseObject, error) {
	in := notify.Device{Token: req.Token, Platform: notify.Platform(req.Body.Platform)}
	if req.Body.AppVersion != nil {
		in.AppVersion = *req.Body.AppVersion
	}
	if req.Body.Language != nil {
		in.Language = string(*req.Body.Language)
	}
	d, err := s.deps.Devices.Register(ctx, principal(ctx), in)
	if err != nil {
		return nil, err
	}
	out := api.PutMyDevice200JSONResponse{Token: d.Token, Platform: api.Platform(d.Platform),
		Language: api.Language(d.Language), UpdatedAt: d.UpdatedAt}
	if d.AppVersion != "" {
		out.AppVersion = &d.AppVersion
	}
	return out, nil
}

// DeleteMyDevice forgets one of the caller's devices.
func (s *Server) DeleteMyDevice(ctx context.Context, req api.DeleteMyDeviceRequestObject) (api.DeleteMyDeviceResponseObject, error) {
	if err := s.deps.Devices.Unregister(ctx, principal(ctx), req.Token); err != nil {
		return nil, err
	}
	return api.DeleteMyDevice204Response{}, nil
}

// ListFailedNotifications lists parked notifications.
func (s *Server) ListFailedNotifications(ctx context.Context, _ api.ListFailedNotificationsRequestObject) (api.ListFailedNotificationsResponseObject, error) {
	hints, err := s.deps.Notifications.Failed(ctx, 200)
	if err != nil {
		return nil, err
	}
	out := api.ListFailedNotifications200JSONResponse{}
	for _, h := range hints {
		out.Items = append(out.Items, struct {
			Attempts   int       `json:"attempts"`
			CreatedAt  time.Time `json:"created_at"`
			EventIndex int       `json:"event_index"`
			Id         string    `json:"id"`
			LastError  string    `json:"last_error"`
			ReportId   string    `json:"report_id"`
		}{h.Attempts, h.CreatedAt, h.Seq, h.ID, h.LastError, h.ReportID})
	}
	out.Items = nonNil(out.Items)
	return out, nil
}

// RetryNotification makes a parked notification due again.
func (s *Server) RetryNotification(ctx context.Context, req api.RetryNotificationRequestObject) (api.RetryNotificationResponseObject, error) {
	if err := s.deps.Notifications.Retry(ctx, req.Id); err != nil {
		return nil, err
	}
	return api.RetryNotification202Response{}, nil
}

// ListDevPushes shows what the in-process FCM stand-in received for a token.
func (s *Server) ListDevPushes(_ context.Context, req api.ListDevPushesRequestObject) (api.ListDevPushesResponseObject, error) {
	if s.deps.PushInbox == nil {
		return nil, fault.New(fault.ErrNotFound, "pushes are recorded only with the in-process FCM stand-in (FCM_ENDPOINT=standin)")
	}
	out := api.ListDevPushes200JSONResponse{}
	for _, p := range s.deps.PushInbox.PushesFor(req.Params.Token) {
		ck, prio := p.CollapseKey, p.Priority
		out.Items = append(out.Items, struct {
			Body        string            `json:"body"`
			CollapseKey *string           `json:"collapse_key,omitempty"`
			Data        map[string]string `json:"data"`
			Priority    *string           `json:"priority,omitempty"`
			ReceivedAt  time.Time         `json:"received_at"`
			Title       string            `json:"title"`
			Token       string            `json:"token"`
		}{p.Body, &ck, p.Data, &prio, p.ReceivedAt, p.Title, p.Token})
	}
	out.Items = nonNil(out.Items)
	return out, nil
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
