package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"DEV_KEY_DIR": "/tmp/keys", "SMS_PROVIDER": "sink"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.StartupTimeout != 30*time.Second || c.HTTPMaxBodyBytes != 1<<20 || c.S3UseTLS {
		t.Errorf("defaults: %+v", c)
	}
}

func TestValuesAndSecretFiles(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "s3secret")
	if err := os.WriteFile(secret, []byte("  from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{
		"HTTP_ADDR": "127.0.0.1:9000", "SHUTDOWN_TIMEOUT": "3s", "JWT_SIGNING_KEY": "pem", "OTP_PEPPER": "0123456789abcdef0123456789abcdef", "SMS_GATEWAY_URL": "https://sms.example/send", "S3_USE_TLS": "true",
		"S3_SECRET_KEY_FILE": secret, "S3_SECRET_KEY": "ignored when a file is given",
		"MONGO_URI": "mongodb://app:hunter2@db:27017/?replicaSet=rs0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.S3SecretKey != "from-a-file" || c.HTTPAddr != "127.0.0.1:9000" || c.ShutdownTimeout != 3*time.Second || !c.S3UseTLS {
		t.Errorf("loaded: %+v", c)
	}
	m := c.Masked()
	if m["S3_SECRET_KEY"] != "*****" || strings.Contains(m["MONGO_URI"], "hunter2") || !strings.Contains(m["MONGO_URI"], "app:") {
		t.Errorf("masked: S3_SECRET_KEY=%q MONGO_URI=%q", m["S3_SECRET_KEY"], m["MONGO_URI"])
	}
}

func TestBadValuesAreAllReported(t *testing.T) {
	_, err := Load(env(map[string]string{
		"SHUTDOWN_TIMEOUT": "soon", "S3_USE_TLS": "maybe", "HTTP_MAX_BODY_BYTES": "-1",
		"LOG_LEVEL": "loud", "MONGO_URI": "postgres://x", "S3_BUCKET": "Bad_Bucket", "S3_ENDPOINT": "http://minio:9000",
		"S3_ACCESS_KEY_FILE": "/nonexistent/file",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Errorf("not a FieldError: %v", e)
			continue
		}
		got = append(got, fe.Var)
	}
	want := []string{"JWT_SIGNING_KEY", "OTP_PEPPER", "SMS_GATEWAY_URL", "SHUTDOWN_TIMEOUT", "HTTP_MAX_BODY_BYTES", "MONGO_URI", "S3_ENDPOINT", "S3_ACCESS_KEY_FILE", "S3_USE_TLS", "LOG_LEVEL", "S3_BUCKET"}
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("reported variables (-want +got):\n%s", diff)
	}
}

// TestREADMEDocumentsEveryVariable keeps the README's configuration table equal to the struct.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\| *`?([^|`]*)`? *\\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		documented[m[1]] = strings.TrimSpace(m[2])
	}
	for _, v := range Vars() {
		def, ok := documented[v.Name]
		if !ok {
			t.Errorf("README lacks %s", v.Name)
			continue
		}
		if def != v.Default {
			t.Errorf("README gives %s default %q, code has %q", v.Name, def, v.Default)
		}
		delete(documented, v.Name)
	}
	for name := range documented {
		t.Errorf("README documents %s, which the service does not read", name)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestTracingSettings(t *testing.T) {
	base := map[string]string{"DEV_KEY_DIR": "/tmp/keys", "SMS_PROVIDER": "sink"}
	c, err := Load(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.OTLPEndpoint != "" || c.OTelSampleRatio != 1 || c.MetricsRefresh != 15*time.Second {
		t.Errorf("defaults: tracing endpoint %q, ratio %v, metrics refresh %s", c.OTLPEndpoint, c.OTelSampleRatio, c.MetricsRefresh)
	}
	ok := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_SAMPLER_ARG": "0.25",
		"OTEL_EXPORTER_OTLP_HEADERS": "api-key=s%3Dcret, tenant = qn"}
	for k, v := range base {
		ok[k] = v
	}
	c, err = Load(env(ok))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := ParseHeaders(c.OTLPHeaders)
	if diff := cmp.Diff(map[string]string{"api-key": "s=cret", "tenant": "qn"}, h); diff != "" || c.OTelSampleRatio != 0.25 {
		t.Errorf("ratio %v, headers (-want +got):\n%s", c.OTelSampleRatio, diff)
	}
	if c.Masked()["OTEL_EXPORTER_OTLP_HEADERS"] != "*****" {
		t.Error("OTLP headers not masked")
	}
	bad := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317", "OTEL_TRACES_SAMPLER_ARG": "1.5",
		"OTEL_EXPORTER_OTLP_HEADERS": "no-equals-sign", "METRICS_REFRESH": "soon"}
	for k, v := range base {
		bad[k] = v
	}
	_, err = Load(env(bad))
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FieldError
		if errors.As(e, &fe) {
			got = append(got, fe.Var)
		}
	}
	want := []string{"METRICS_REFRESH", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_TRACES_SAMPLER_ARG"}
	if diff := cmp.Diff(want, sorted(got)); diff != "" {
		t.Errorf("reported variables (-want +got):\n%s", diff)
	}
}
