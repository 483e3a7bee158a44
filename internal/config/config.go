// Package config loads the service's configuration from environment variables into one typed struct.
//
// Every field names its variable, its default and what it is for; the README's configuration table is
// checked against these tags by a test. A secret may also be given as a file: `<VAR>_FILE` names a file
// whose trimmed content is the value (for Docker and Kubernetes secrets).
package config

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of the API process.
type Config struct {
	HTTPAddr           string        `env:"HTTP_ADDR" default:":8080" desc:"Address the HTTP server listens on."`
	HTTPReadHeader     time.Duration `env:"HTTP_READ_HEADER_TIMEOUT" default:"10s" desc:"Time allowed to read request headers."`
	HTTPReadTimeout    time.Duration `env:"HTTP_READ_TIMEOUT" default:"5m" desc:"Time allowed to read a whole request, body included (photo uploads on slow mobile networks)."`
	HTTPWriteTimeout   time.Duration `env:"HTTP_WRITE_TIMEOUT" default:"5m" desc:"Time allowed to write a response."`
	HTTPIdleTimeout    time.Duration `env:"HTTP_IDLE_TIMEOUT" default:"2m" desc:"How long an idle keep-alive connection stays open."`
	HTTPMaxBodyBytes   int64         `env:"HTTP_MAX_BODY_BYTES" default:"1048576" desc:"Largest JSON request body accepted, in bytes (413 beyond)."`
	ShutdownTimeout    time.Duration `env:"SHUTDOWN_TIMEOUT" default:"20s" desc:"How long a graceful shutdown waits for in-flight requests."`
	RequestTimeout     time.Duration `env:"REQUEST_TIMEOUT" default:"10s" desc:"Deadline for the storage calls of one request."`
	LogLevel           string        `env:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error."`
	MongoURI           string        `env:"MONGO_URI" default:"mongodb://127.0.0.1:27017/" secret:"uri" desc:"MongoDB connection string (MongoDB 6+ or FerretDB 1.24). Its password is masked in logs."`
	MongoDatabase      string        `env:"MONGO_DATABASE" default:"qnfeedback" desc:"Database name."`
	S3Endpoint         string        `env:"S3_ENDPOINT" default:"127.0.0.1:7070" desc:"S3 endpoint host:port (MinIO, versitygw, SeaweedFS, Garage, AWS)."`
	S3AccessKey        string        `env:"S3_ACCESS_KEY" default:"" desc:"S3 access key ID."`
	S3SecretKey        string        `env:"S3_SECRET_KEY" default:"" secret:"true" desc:"S3 secret access key."`
	S3UseTLS           bool          `env:"S3_USE_TLS" default:"false" desc:"Use HTTPS to reach S3."`
	S3Region           string        `env:"S3_REGION" default:"us-east-1" desc:"S3 region."`
	S3Bucket           string        `env:"S3_BUCKET" default:"qnfeedback" desc:"Bucket for photos (private originals and derivatives); created on start if missing."`
	StartupTimeout     time.Duration `env:"STARTUP_TIMEOUT" default:"30s" desc:"How long start-up waits for MongoDB and S3 before giving up with an error."`
	RetryAfter         time.Duration `env:"RETRY_AFTER" default:"5s" desc:"Retry-After sent with 503 answers when a storage server is unavailable."`
	SeedDemo           bool          `env:"SEED_DEMO" default:"false" desc:"Load demonstration data on start (the dev stack sets it)."`
	S3PublicEndpoint   string        `env:"S3_PUBLIC_ENDPOINT" default:"" desc:"host:port phones use to reach S3 in presigned URLs; empty means S3_ENDPOINT."`
	S3PublicUseTLS     bool          `env:"S3_PUBLIC_USE_TLS" default:"false" desc:"Presigned URLs use https."`
	JWTSigningKey      string        `env:"JWT_SIGNING_KEY" default:"" secret:"true" desc:"PEM (PKCS#8) Ed25519 private key that signs access tokens; usually given as JWT_SIGNING_KEY_FILE."`
	JWTVerifyKeys      string        `env:"JWT_VERIFY_KEYS" default:"" desc:"Extra PEM public keys still accepted (key rotation); usually JWT_VERIFY_KEYS_FILE."`
	JWTIssuer          string        `env:"JWT_ISSUER" default:"smartqn-feedback" desc:"iss of access tokens."`
	JWTAudience        string        `env:"JWT_AUDIENCE" default:"smartqn-app" desc:"aud of access tokens."`
	AccessTokenTTL     time.Duration `env:"ACCESS_TOKEN_TTL" default:"15m" desc:"Lifetime of access tokens."`
	DevKeyDir          string        `env:"DEV_KEY_DIR" default:"" desc:"Dev only: without JWT_SIGNING_KEY, generate a signing key once in this folder and keep using it."`
	HeifConvert        string        `env:"HEIF_CONVERT" default:"heif-convert" desc:"libheif's heif-convert, used to render HEIC photos (Debian package libheif-examples)."`
	UploadTempDir      string        `env:"UPLOAD_TEMP_DIR" default:"" desc:"Where photos are spooled while they arrive; empty means the system temp folder."`
	TrustedProxies     string        `env:"TRUSTED_PROXIES" default:"" desc:"Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (per-address sign-in limits); empty: none, the connection's address counts."`
	SMSProvider        string        `env:"SMS_PROVIDER" default:"http" desc:"http (an SMS gateway) or sink (dev: keep messages, readable at GET /dev/sms)."`
	SMSGatewayURL      string        `env:"SMS_GATEWAY_URL" default:"" desc:"URL the HTTP SMS adapter POSTs {to, text} to."`
	SMSGatewayToken    string        `env:"SMS_GATEWAY_TOKEN" default:"" secret:"true" desc:"Bearer token for the SMS gateway."`
	FCMProjectID       string        `env:"FCM_PROJECT_ID" default:"smartqn-dev" desc:"Firebase project that pushes are sent for."`
	FCMCredentialsFile string        `env:"FCM_CREDENTIALS_FILE" default:"" desc:"Service-account JSON key allowed to send through FCM; when set, pushes go to Google and FCM_ENDPOINT is ignored."`
	FCMEndpoint        string        `env:"FCM_ENDPOINT" default:"standin" desc:"Without credentials: standin (an in-process FCM stand-in; what phones would receive is at GET /dev/pushes) or the http(s) URL of an FCM-compatible server (an http:// one is spoken to in HTTP/2 without TLS, as FCM speaks HTTP/2)."`
	PushDispatch       bool          `env:"PUSH_DISPATCH" default:"true" desc:"Run the push dispatcher in this process (turn off where qndispatch runs it)."`
	PushWorkers        int           `env:"PUSH_WORKERS" default:"8" desc:"Notifications a dispatcher prepares at once (recipients, texts); it sends each batch in waves of SendEach calls."`
	PushBatch          int           `env:"PUSH_BATCH" default:"500" desc:"Notifications a dispatcher leases per batch (one FCM SendEach call holds 500)."`
	PushPoll           time.Duration `env:"PUSH_POLL_INTERVAL" default:"1s" desc:"How often an idle dispatcher looks for notifications written by other replicas."`
	PushMaxAttempts    int           `env:"PUSH_MAX_ATTEMPTS" default:"8" desc:"Delivery attempts before a notification is parked as failed for admins."`
	PushLease          time.Duration `env:"PUSH_LEASE" default:"1m" desc:"How long a dispatcher holds the notifications it took; those of a dispatcher that dies go out this much later from another."`
	MapTileURL         string        `env:"MAP_TILE_URL" default:"" desc:"Base-map tile URL template of the public map page (https://…/{z}/{x}/{y}.png); empty shows no base map, only boundaries and reports."`
	MapTileAttrib      string        `env:"MAP_TILE_ATTRIBUTION" default:"" desc:"Attribution HTML shown with the base-map tiles (for example the OpenStreetMap licence link)."`
	OTPPepper          string        `env:"OTP_PEPPER" default:"" secret:"true" desc:"Server secret (32+ bytes) keying sign-in code hashes; the same on every replica. Dev: derived from the DEV_KEY_DIR key."`
	MetricsRefresh     time.Duration `env:"METRICS_REFRESH" default:"15s" desc:"How long the gauges read from the database (reports by status, outbox) are kept between scrapes; 0s reads at every scrape."`
	MetricsAddr        string        `env:"METRICS_ADDR" default:":9464" desc:"Address serving the API's GET /metrics (Prometheus), apart from HTTP_ADDR so that it stays off the public entry; empty serves none."`
	DispatchMetrics    string        `env:"DISPATCH_METRICS_ADDR" default:":9464" desc:"qndispatch only: address serving its GET /metrics; empty serves none (the API's is METRICS_ADDR)."`
	OTLPEndpoint       string        `env:"OTEL_EXPORTER_OTLP_ENDPOINT" default:"" desc:"OTLP/HTTP collector base URL (http://collector:4318); traces go to <url>/v1/traces. Empty: tracing off, no exporter."`
	OTLPHeaders        string        `env:"OTEL_EXPORTER_OTLP_HEADERS" default:"" secret:"true" desc:"Headers sent with every export, key1=value1,key2=value2 (an API key of a hosted collector)."`
	OTelServiceName    string        `env:"OTEL_SERVICE_NAME" default:"" desc:"service.name of the spans; empty: qnfeedback or qndispatch."`
	OTelSampleRatio    float64       `env:"OTEL_TRACES_SAMPLER_ARG" default:"1" desc:"Share of new traces recorded, 0 to 1 (parent-based: a caller's sampled traceparent is always followed)."`
	QuotaUploadSlots   int           `env:"RESIDENT_UPLOAD_SLOTS" default:"12" desc:"Upload slots a resident gets per 15 minutes (a slot's lifetime); beyond, 429 with Retry-After."`
	QuotaReportsHour   int           `env:"RESIDENT_REPORTS_PER_HOUR" default:"10" desc:"Reports a resident may send per hour (retries of one report count once); beyond, 429 with Retry-After."`
	QuotaReportsDay    int           `env:"RESIDENT_REPORTS_PER_DAY" default:"30" desc:"Reports a resident may send per day (UTC); beyond, 429 with Retry-After."`
}

// FieldError says which variable is wrong and why.
type FieldError struct {
	Var, Value, Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("config: %s=%q: %s", e.Var, e.Value, e.Reason)
}

// Load reads the configuration through getenv (os.Getenv in production, a map in tests).
// It returns every bad variable at once, joined, each a *FieldError.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	v := reflect.ValueOf(&c).Elem()
	t := v.Type()
	var errs []error
	failed := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("env")
		raw, err := lookup(getenv, name, f.Tag.Get("default"))
		if err != nil {
			errs = append(errs, err)
			failed[name] = true
			continue
		}
		if err := set(v.Field(i), raw); err != nil {
			errs = append(errs, &FieldError{Var: name, Value: raw, Reason: err.Error()})
			failed[name] = true
		}
	}
	for _, err := range c.validate() {
		if fe := err.(*FieldError); !failed[fe.Var] {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

func lookup(getenv func(string) string, name, def string) (string, error) {
	if file := getenv(name + "_FILE"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", &FieldError{Var: name + "_FILE", Value: file, Reason: "cannot read file: " + err.Error()}
		}
		return strings.TrimSpace(string(b)), nil
	}
	if s := getenv(name); s != "" {
		return s, nil
	}
	return def, nil
}

func set(f reflect.Value, raw string) error {
	switch f.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration (examples: 500ms, 30s, 5m)")
		}
		if d < 0 {
			return errors.New("must not be negative")
		}
		f.SetInt(int64(d))
	case string:
		f.SetString(raw)
	case float64:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(x) {
			return errors.New("not a number")
		}
		f.SetFloat(x)
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not a boolean (true or false)")
		}
		f.SetBool(b)
	case int64, int:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return errors.New("not a non-negative integer")
		}
		f.SetInt(n)
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}

func (c *Config) validate() []error {
	var errs []error
	bad := func(name, value, reason string) {
		errs = append(errs, &FieldError{Var: name, Value: value, Reason: reason})
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", c.LogLevel, "must be debug, info, warn or error")
	}
	if u, err := url.Parse(c.MongoURI); err != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
		bad("MONGO_URI", MaskURI(c.MongoURI), "must be a mongodb:// or mongodb+srv:// URI")
	}
	if c.MongoDatabase == "" || strings.ContainsAny(c.MongoDatabase, "/\\. \"$") {
		bad("MONGO_DATABASE", c.MongoDatabase, "must be a non-empty name without / \\ . space \" $")
	}
	if c.S3Endpoint == "" || strings.Contains(c.S3Endpoint, "://") {
		bad("S3_ENDPOINT", c.S3Endpoint, "must be host:port without a scheme (use S3_USE_TLS for https)")
	}
	if n := len(c.S3Bucket); n < 3 || n > 63 || strings.ToLower(c.S3Bucket) != c.S3Bucket || strings.ContainsAny(c.S3Bucket, "_ /") {
		bad("S3_BUCKET", c.S3Bucket, "must be a valid S3 bucket name: 3-63 lower-case letters, digits, dots or hyphens")
	}
	if c.JWTSigningKey == "" && c.DevKeyDir == "" {
		bad("JWT_SIGNING_KEY", "", "is required (set JWT_SIGNING_KEY_FILE to a PEM Ed25519 private key; or DEV_KEY_DIR in development)")
	}
	switch c.SMSProvider {
	case "sink":
	case "http":
		if u, err := url.Parse(c.SMSGatewayURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("SMS_GATEWAY_URL", c.SMSGatewayURL, "must be an http(s) URL when SMS_PROVIDER=http")
		}
	default:
		bad("SMS_PROVIDER", c.SMSProvider, "must be http or sink")
	}
	if c.OTPPepper == "" && c.DevKeyDir == "" {
		bad("OTP_PEPPER", "", "is required: at least 32 random bytes, the same on every replica")
	} else if c.OTPPepper != "" && len(c.OTPPepper) < 32 {
		bad("OTP_PEPPER", "*****", "must have at least 32 bytes")
	}
	if c.HTTPMaxBodyBytes < 1024 {
		bad("HTTP_MAX_BODY_BYTES", strconv.FormatInt(c.HTTPMaxBodyBytes, 10), "must be at least 1024")
	}
	if c.FCMCredentialsFile == "" && c.FCMEndpoint != "standin" {
		if u, err := url.Parse(c.FCMEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("FCM_ENDPOINT", c.FCMEndpoint, "must be standin or an http(s) URL (or set FCM_CREDENTIALS_FILE)")
		}
	}
	if c.FCMProjectID == "" {
		bad("FCM_PROJECT_ID", "", "is required")
	}
	if c.PushBatch < 1 {
		bad("PUSH_BATCH", strconv.Itoa(c.PushBatch), "must be at least 1")
	}
	if c.PushWorkers < 1 {
		bad("PUSH_WORKERS", strconv.Itoa(c.PushWorkers), "must be at least 1")
	}
	for _, q := range []struct {
		name  string
		value int
	}{{"RESIDENT_UPLOAD_SLOTS", c.QuotaUploadSlots}, {"RESIDENT_REPORTS_PER_HOUR", c.QuotaReportsHour}, {"RESIDENT_REPORTS_PER_DAY", c.QuotaReportsDay}} {
		if q.value < 1 {
			bad(q.name, strconv.Itoa(q.value), "must be at least 1")
		}
	}
	if c.PushMaxAttempts < 1 {
		bad("PUSH_MAX_ATTEMPTS", strconv.Itoa(c.PushMaxAttempts), "must be at least 1")
	}
	if c.OTLPEndpoint != "" {
		if u, err := url.Parse(c.OTLPEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("OTEL_EXPORTER_OTLP_ENDPOINT", c.OTLPEndpoint, "must be an http(s) URL (OTLP over HTTP), or empty to turn tracing off")
		}
	}
	if c.OTelSampleRatio < 0 || c.OTelSampleRatio > 1 {
		bad("OTEL_TRACES_SAMPLER_ARG", strconv.FormatFloat(c.OTelSampleRatio, 'g', -1, 64), "must be between 0 and 1")
	}
	if _, err := ParseHeaders(c.OTLPHeaders); err != nil {
		bad("OTEL_EXPORTER_OTLP_HEADERS", "*****", err.Error())
	}
	for name, d := range map[string]time.Duration{"PUSH_POLL_INTERVAL": c.PushPoll, "PUSH_LEASE": c.PushLease, "STARTUP_TIMEOUT": c.StartupTimeout, "REQUEST_TIMEOUT": c.RequestTimeout, "HTTP_READ_HEADER_TIMEOUT": c.HTTPReadHeader} {
		if d == 0 {
			bad(name, "0s", "must be more than zero")
		}
	}
	return errs
}

// Vars lists every variable with its default and description, in declaration order (for docs and tests).
func Vars() []Var {
	t := reflect.TypeOf(Config{})
	out := make([]Var, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		out = append(out, Var{Name: f.Tag.Get("env"), Default: f.Tag.Get("default"), Description: f.Tag.Get("desc"), Secret: f.Tag.Get("secret") != ""})
	}
	return out
}

// Var describes one environment variable.
type Var struct {
	Name, Default, Description string
	Secret                     bool
}

// Masked returns the configuration as name → value with secrets masked, for the start-up log line.
func (c Config) Masked() map[string]string {
	v := reflect.ValueOf(c)
	t := v.Type()
	out := make(map[string]string, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		val := fmt.Sprint(v.Field(i).Interface())
		switch f.Tag.Get("secret") {
		case "true":
			if val != "" {
				val = "*****"
			}
		case "uri":
			val = MaskURI(val)
		}
		out[f.Tag.Get("env")] = val
	}
	return out
}

// MaskURI hides the password of a URI's user info.
func MaskURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "*****")
	}
	return u.String()
}

// ParseHeaders reads OTEL_EXPORTER_OTLP_HEADERS: comma-separated key=value pairs, values URL-encoded (as
// the OpenTelemetry specification says). It returns an error naming the first bad pair.
func ParseHeaders(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("pair %d is not key=value", len(out)+1)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("the value of %s is not URL-encoded", k)
		}
		out[k] = dv
	}
	return out, nil
}
