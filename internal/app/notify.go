package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/quangninh/feedback/internal/config"
	"github.com/quangninh/feedback/internal/fault"
	"github.com/quangninh/feedback/internal/fcm"
	"github.com/quangninh/feedback/internal/fcmstandin"
	"github.com/quangninh/feedback/internal/httpapi"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/routing"
	"github.com/quangninh/feedback/internal/telemetry"
)

// pushes builds the FCM sender and the dispatcher. With FCM_ENDPOINT=standin (and no credentials) it
// starts an FCM stand-in on a loopback port, closed when ctx ends, and returns its inbox for /dev/pushes.
func pushes(ctx context.Context, cfg config.Config, store *mongostore.Store, router *routing.Service, log *slog.Logger, m *telemetry.Metrics) (*notify.Dispatcher, httpapi.PushInbox, error) {
	fc := fcm.Config{ProjectID: cfg.FCMProjectID, CredentialsFile: cfg.FCMCredentialsFile}
	var inbox httpapi.PushInbox
	if fc.CredentialsFile == "" {
		fc.Endpoint = cfg.FCMEndpoint
		if cfg.FCMEndpoint == "standin" {
			s := fcmstandin.New()
			go func() { <-ctx.Done(); s.Close() }()
			fc.Endpoint = s.URL()
			inbox = standinInbox{s}
			log.Warn("pushes go to an in-process FCM stand-in (no FCM_CREDENTIALS_FILE); see GET /dev/pushes?token=", "url", s.URL())
		}
	}
	sender, err := fcm.New(ctx, fc)
	if err != nil {
		return nil, nil, &ConfigError{fmt.Errorf("FCM: %w", err)}
	}
	d := &notify.Dispatcher{
		Store: store, Sender: sender, Log: log, Lease: cfg.PushLease, MaxAttempts: cfg.PushMaxAttempts, Workers: cfg.PushWorkers, Batch: cfg.PushBatch,
		OnResult: m.PushResult,
		Urgent: func(category string) bool {
			c, ok := router.Catalogue().Category(category)
			return ok && c.Deadline == "urgent"
		},
	}
	return d, inbox, nil
}

// runDispatcher runs d until ctx ends, woken by this process's own report writes.
func runDispatcher(ctx context.Context, cfg config.Config, store *mongostore.Store, d *notify.Dispatcher) {
	store.OnOutbox(d.Wake)
	d.Run(ctx, cfg.PushPoll, time.Minute)
}

// watchOutbox warns in the log, until ctx ends, while notifications stay overdue (notify.Watchdog). Every
// process runs it, whether or not it dispatches: the dispatcher it watches may be elsewhere, or dead.
func watchOutbox(ctx context.Context, store *mongostore.Store, log *slog.Logger) {
	w := &notify.Watchdog{Store: store, Log: log}
	every(ctx, 15*time.Second, func() {
		if _, err := w.Check(ctx); err != nil && !errors.Is(err, fault.ErrUnavailable) {
			log.WarnContext(ctx, "overdue notifications not read", "error", err.Error())
		}
	})
}

type standinInbox struct{ s *fcmstandin.Server }

func (i standinInbox) PushesFor(token string) []httpapi.Push {
	var out []httpapi.Push
	for _, m := range i.s.MessagesFor(token) {
		p := httpapi.Push{Token: m.Token, Data: m.Data, ReceivedAt: m.Received}
		if m.Notification != nil {
			p.Title, p.Body = m.Notification.Title, m.Notification.Body
		}
		if m.Android != nil {
			p.CollapseKey, p.Priority = m.Android.CollapseKey, m.Android.Priority
		}
		out = append(out, p)
	}
	return out
}

// RunDispatcher runs only the push dispatcher (cmd/qndispatch), with the API's configuration, until ctx
// ends, serving its metrics at GET /metrics on DISPATCH_METRICS_ADDR (when set; o.Ready hears that
// address). It returns a *ConfigError for a bad configuration.
func RunDispatcher(ctx context.Context, getenv func(string) string, logOut io.Writer, o Options) error {
	cfg, log, obs, store, stop, err := start(ctx, getenv, logOut, "qndispatch", "starting the push dispatcher", nil)
	if err != nil {
		return err
	}
	defer stop()
	// On a fresh database the dispatcher may start before any API replica has seeded the catalogue (a
	// first rollout starts everything at once): seed it the same idempotent way rather than fail on it.
	if err := seed(ctx, store, cfg); err != nil {
		return fmt.Errorf("start-up: seed: %w", err)
	}
	router, err := routing.New(ctx, store, jurisdiction.Default(), log)
	if err != nil {
		return fmt.Errorf("start-up: catalogue: %w", err)
	}
	go every(ctx, 5*time.Second, func() { router.Refresh(ctx) })
	d, _, err := pushes(ctx, cfg, store, router, log, obs.metrics)
	if err != nil {
		return err
	}
	obs.registry.MustRegister(telemetry.NewState(nil, store, cfg.MetricsRefresh, log))
	go watchOutbox(ctx, store, log)
	if cfg.DispatchMetrics != "" {
		stop, err := serveMetrics(ctx, cfg.DispatchMetrics, obs.registry, log, o.Ready)
		if err != nil {
			return err
		}
		defer stop()
	}
	d.Run(ctx, cfg.PushPoll, time.Minute)
	log.Info("stopped")
	return nil
}
