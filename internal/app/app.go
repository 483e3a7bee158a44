// Package app assembles the service from its configuration and runs it until the context ends.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/quangninh/feedback/internal/catalogue"
	"github.com/quangninh/feedback/internal/config"
	"github.com/quangninh/feedback/internal/holidays"
	"github.com/quangninh/feedback/internal/httpapi"
	"github.com/quangninh/feedback/internal/jurisdiction"
	"github.com/quangninh/feedback/internal/media"
	"github.com/quangninh/feedback/internal/mongostore"
	"github.com/quangninh/feedback/internal/notify"
	"github.com/quangninh/feedback/internal/publicmap"
	"github.com/quangninh/feedback/internal/report"
	"github.com/quangninh/feedback/internal/routing"
	"github.com/quangninh/feedback/internal/s3blob"
	"github.com/quangninh/feedback/internal/telemetry"
	"github.com/quangninh/feedback/internal/webui"
	"github.com/quangninh/feedback/internal/workcal"
)

// ExitConfig is the exit code for a bad configuration; other start-up failures exit with 1.
const ExitConfig = 2

// Main runs a command's run function (Run or RunDispatcher) with the process's environment and standard
// output until SIGINT or SIGTERM, and exits with ExitConfig for a bad configuration, 1 for another failure.
func Main(name string, run func(ctx context.Context, getenv func(string) string, logOut io.Writer, o Options) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, os.Stdout, Options{})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		var ce *ConfigError
		if errors.As(err, &ce) {
			os.Exit(ExitConfig)
		}
		os.Exit(1)
	}
}

// ConfigError marks a bad configuration, so main can exit with ExitConfig.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Options let tests and tools observe the running service.
type Options struct {
	// Ready, when set, receives the address the server listens on once it accepts requests.
	Ready func(addr string)
	// SkipAccessCheck serves without checking access tokens against their accounts. For cmd/qnbench
	// only, which measures what the per-request check costs; never in a deployment.
	SkipAccessCheck bool
	// MetricsReady, when set, receives the address serving the API's /metrics (METRICS_ADDR).
	MetricsReady func(addr string)
	// Commands, when set, sees every MongoDB command the service sends (cmd/qnbench counts them).
	Commands *event.CommandMonitor
}

// start does what the API and the dispatcher both do first: load the configuration, make the logger and the
// metrics and tracing, open MongoDB (waiting a bounded time) and create missing indexes. stop undoes it.
func start(ctx context.Context, getenv func(string) string, logOut io.Writer, service, msg string, commands *event.CommandMonitor) (
	cfg config.Config, log *slog.Logger, obs *observability, store *mongostore.Store, stop func(), err error) {
	if cfg, err = config.Load(getenv); err != nil {
		return cfg, nil, nil, nil, nil, &ConfigError{err}
	}
	log = newLogger(logOut, cfg.LogLevel)
	log.Info(msg, slog.Group("config", sortedConfig(cfg)...))
	if obs, err = newObservability(cfg, service, log); err != nil {
		return cfg, nil, nil, nil, nil, err
	}
	store, err = mongostore.Open(ctx, cfg.MongoURI, cfg.MongoDatabase, mongostore.Options{StartupTimeout: cfg.StartupTimeout,
		Monitor: telemetry.MongoMonitor(obs.metrics, obs.tracing.Provider, commands)})
	if err != nil {
		obs.shutdown(log)
		return cfg, nil, nil, nil, nil, fmt.Errorf("start-up: %w", err)
	}
	stop = func() {
		store.Close(context.Background())
		obs.shutdown(log)
	}
	if err := store.EnsureIndexes(ctx); err != nil {
		stop()
		return cfg, nil, nil, nil, nil, fmt.Errorf("start-up: %w", err)
	}
	return cfg, log, obs, store, stop, nil
}

// Run loads the configuration through getenv, connects to MongoDB and S3 (waiting a bounded time), prepares
// indexes and the bucket, serves HTTP until ctx ends, then shuts down gracefully, finishing in-flight requests.
// Logs go to logOut as JSON lines. It returns a *ConfigError for a bad configuration.
func Run(ctx context.Context, getenv func(string) string, logOut io.Writer, o Options) error {
	cfg, log, obs, store, stop, err := start(ctx, getenv, logOut, "qnfeedback", "starting", o.Commands)
	if err != nil {
		return err
	}
	defer stop()
	pageCfg := webui.Config{TileURL: cfg.MapTileURL, TileAttribution: cfg.MapTileAttrib, PhotoOrigin: photoOrigin(cfg)}
	page, err := webui.Handler(pageCfg)
	if err != nil {
		return fmt.Errorf("start-up: %w", err)
	}
	consolePage, err := webui.Console(pageCfg)
	if err != nil {
		return fmt.Errorf("start-up: %w", err)
	}
	blobs, err := s3blob.Open(ctx, s3blob.Config{
		Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
		Region: cfg.S3Region, Bucket: cfg.S3Bucket, UseTLS: cfg.S3UseTLS, StartupTimeout: cfg.StartupTimeout,
		PublicEndpoint: cfg.S3PublicEndpoint, PublicUseTLS: cfg.S3PublicUseTLS,
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			return telemetry.S3Transport(rt, obs.metrics, obs.tracing.Provider)
		},
	})
	if err != nil {
		return fmt.Errorf("start-up: %w", err)
	}
	if err := seed(ctx, store, cfg); err != nil {
		return fmt.Errorf("start-up: seed: %w", err)
	}
	router, err := routing.New(ctx, store, jurisdiction.Default(), log)
	if err != nil {
		return fmt.Errorf("start-up: catalogue: %w", err)
	}
	go every(ctx, 5*time.Second, func() { router.Refresh(ctx) })

	tokens, err := tokenAuthority(cfg)
	if err != nil {
		return &ConfigError{err}
	}
	devices := &notify.Registry{Store: store}
	accts, sender, sink, err := accounts(cfg, store, router, tokens, devices)
	if err != nil {
		return err
	}
	dispatcher, pushInbox, err := pushes(ctx, cfg, store, router, log, obs.metrics)
	if err != nil {
		return err
	}
	if cfg.PushDispatch {
		go runDispatcher(ctx, cfg, store, dispatcher)
	}
	if cfg.SeedDemo {
		demo, err := accts.SeedDemo(ctx, demoAgency)
		if err != nil {
			return fmt.Errorf("start-up: demo accounts: %w", err)
		}
		host := cfg.HTTPAddr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		banner := "\n  Smart Quảng Ninh Feedback — dev stack (SEED_DEMO=true; never in production)\n" +
			"  API http://" + host + "   docs /docs   spec /openapi.yaml   metrics http://" + cfg.MetricsAddr + "/metrics\n" +
			"  Sign in a resident: POST /v1/auth/otp {\"phone\":\"0912345678\"}, read the code at GET /dev/sms?phone=0912345678\n" +
			"  Staff accounts (POST /v1/auth/login):\n"
		for _, d := range demo {
			banner += fmt.Sprintf("    %-13s %-20s %s\n", d.Role, d.Username, d.Password)
		}
		fmt.Fprintln(logOut, banner)
	}
	hols, err := holidays.New(ctx, store, workcal.DefaultHours(), log)
	if err != nil {
		return fmt.Errorf("start-up: working-time calendar: %w", err)
	}
	go every(ctx, 5*time.Second, func() { hols.Refresh(ctx) })
	cal := hols.Calendar()
	public := &publicmap.Service{Store: store, Catalogue: router.Catalogue, Places: jurisdiction.Default(), Calendar: cal}
	if rebuilt, err := public.Upgrade(ctx); err != nil {
		return fmt.Errorf("start-up: public map tiles: %w", err)
	} else if rebuilt {
		log.Info("public map tiles rebuilt in the current format", "format", publicmap.FormatVersion)
	}
	if cfg.SeedDemo {
		if err := seedDemoReports(ctx, store, router.Catalogue(), jurisdiction.Default(), cal, public, time.Now()); err != nil {
			return fmt.Errorf("start-up: demo reports: %w", err)
		}
	}
	intake := &report.Intake{
		Store: store, Blobs: blobs, Router: router, Places: jurisdiction.Default(), Log: log,
		Calendar: hols.Calendar, Policy: workcal.DefaultPolicy(),
		TempDir: cfg.UploadTempDir, SlotTTL: 15 * time.Minute,
		Quotas: report.Quotas{Counters: store, UploadSlots: cfg.QuotaUploadSlots,
			ReportsPerHour: cfg.QuotaReportsHour, ReportsPerDay: cfg.QuotaReportsDay},
		OnRouted: func(rule catalogue.Rule) { obs.metrics.Routed(string(rule)) },
		OnReceived: func(ctx context.Context, r report.Report) {
			// A lost count (the database failing right here) is not retried: statistics, not records.
			if err := public.CountReceived(ctx, r); err != nil {
				log.WarnContext(ctx, "report not counted in the statistics", "report", r.ID, "error", err.Error())
			}
		},
	}
	similar := &report.Similar{Store: store}
	residents := &report.Residents{Store: store, Similar: similar, Sensitive: func(code string) bool {
		c, ok := router.Catalogue().Category(code)
		return ok && c.Sensitive
	}, PrecisionM: publicPrecisionM(router)}
	// The worker renews its lease every 10 s while it works: a job of a process that died waits at most 30 s.
	derive := media.DeriveOptions{HeifConvert: cfg.HeifConvert, TempDir: cfg.UploadTempDir, Budget: media.NewRenderBudget(media.DefaultMaxDecodeBytes)}
	residents.Looks = &report.UploadLooks{Slots: store, Blobs: blobs, Derive: derive}
	worker := &report.Worker{Store: store, Blobs: blobs, Log: log, Lease: 30 * time.Second, Busy: intake.Busy,
		Derive: derive, Similar: similar}
	go worker.Run(ctx, time.Second)
	desk := &report.Desk{Store: store, Blobs: blobs, Router: router, Calendar: hols.Calendar, Policy: workcal.DefaultPolicy(), Log: log,
		ProvinceMaxAge: report.ProvinceQueueMaxAge, Staff: store, Similar: similar,
		OnChange: func(ctx context.Context, before, after report.Report, _ []report.Event) {
			if !publicRelevant(before, after) {
				return
			}
			// The map is derived data: a failure here is repaired by the next change or a Rebuild.
			if err := public.Sync(ctx, after, after.Ticket); err != nil {
				log.WarnContext(ctx, "public map not updated", "report", after.ID, "error", err.Error())
			}
		}}
	go every(ctx, time.Minute, func() {
		if n, err := desk.Sweep(ctx); err != nil {
			log.Warn("deadline sweep failed", "error", err.Error())
		} else if n > 0 {
			log.Info("deadline sweep", "changed", n)
		}
	})
	go every(ctx, 5*time.Minute, func() {
		if err := accts.PurgeExpired(ctx); err != nil {
			log.Warn("purging expired sign-in records failed", "error", err.Error())
		}
	})

	obs.registry.MustRegister(telemetry.NewState(store, store, cfg.MetricsRefresh, log))
	go watchOutbox(ctx, store, log)
	deps := httpapi.Deps{
		Database: store, Blobs: blobs, Catalogue: store, Router: router, Tokens: tokens, Access: accts,
		Reports: intake, ResidentReads: residents, Presigner: blobs, Accounts: accts, Desk: desk, Intake: intake, Holidays: hols,
		Registry: obs.registry, Tracer: obs.tracing.Provider, Propagator: obs.tracing.Propagator,
		Logger: log, Public: public,
		Page: page, Console: consolePage,
		TrustedProxies: splitList(cfg.TrustedProxies),
		MaxBodyBytes:   cfg.HTTPMaxBodyBytes, MaxUploadBytes: report.MaxPhotos*report.MaxPhotoBytes + 1<<20, RequestTimeout: cfg.RequestTimeout, RetryAfter: cfg.RetryAfter,
	}
	if o.SkipAccessCheck {
		deps.Access = nil
	}
	if sink != nil {
		deps.SMSInbox = sink
	}
	deps.Devices, deps.Notifications = devices, dispatcher
	deps.Open311Partners, deps.Open311, deps.Open311Contacts = open311Services(store, router, public, intake, accts)
	deps.Replies, deps.Audit, deps.Hotline = deskServices(store, router, intake, accts, sender, log)
	if pushInbox != nil {
		deps.PushInbox = pushInbox
	}
	handler, err := httpapi.NewHandler(deps)
	if err != nil {
		return err
	}
	if cfg.MetricsAddr != "" {
		stop, err := serveMetrics(ctx, cfg.MetricsAddr, obs.registry, log, o.MetricsReady)
		if err != nil {
			return err
		}
		defer stop()
	}
	return serve(ctx, cfg, handler, log, o)
}

func serve(ctx context.Context, cfg config.Config, h http.Handler, log *slog.Logger, o Options) error {
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.HTTPReadHeader,
		ReadTimeout:       cfg.HTTPReadTimeout,
		WriteTimeout:      cfg.HTTPWriteTimeout,
		IdleTimeout:       cfg.HTTPIdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(httpapi.LogHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})})
}

func sortedConfig(c config.Config) []any {
	m := c.Masked()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]any, 0, len(keys))
	for _, k := range keys {
		attrs = append(attrs, slog.String(k, m[k]))
	}
	return attrs
}

// demoAgency is the agency of the demo officer and agency admin: the People's Committee of Phường Bãi Cháy.
const demoAgency = "ubnd-06673"

// every runs f each interval until ctx ends.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// publicRelevant reports whether a change can alter what the public map shows of a report.
func publicRelevant(before, after report.Report) bool {
	shown := func(st report.Status) bool { return st == report.Resolved || st == report.Closed }
	return shown(before.Status) || shown(after.Status) || before.Ticket.Hidden != after.Ticket.Hidden
}

// photoOrigin is the scheme and host of the presigned photo URLs phones and browsers are given.
func photoOrigin(cfg config.Config) string {
	host, tls := cfg.S3Endpoint, cfg.S3UseTLS
	if cfg.S3PublicEndpoint != "" {
		host, tls = cfg.S3PublicEndpoint, cfg.S3PublicUseTLS
	}
	if tls {
		return "https://" + host
	}
	return "http://" + host
}

// splitList splits a comma-separated setting, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
