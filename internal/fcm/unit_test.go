package fcm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestShorten(t *testing.T) {
	body180 := strings.Repeat("a", 180)
	// "Hạ Long" with decomposed marks: a + U+0323 (dot below).
	decomposed := strings.Repeat("x", 178) + "a\u0323 Long"
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"short", "Đã tiếp nhận", 180, "Đã tiếp nhận"},
		{"exactly max", body180, 180, body180},
		{"one over", body180 + "b", 180, strings.Repeat("a", 179) + "…"},
		{"counts runes not bytes", strings.Repeat("ệ", 181), 180, strings.Repeat("ệ", 179) + "…"},
		{"no space before ellipsis", strings.Repeat("a", 178) + " bcd", 180, strings.Repeat("a", 178) + "…"},
		{"keeps a tone mark with its letter", decomposed, 180, strings.Repeat("x", 178) + "…"},
		{"empty", "", 180, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shorten(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("shorten(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.max {
				t.Errorf("%d runes, max %d", n, tt.max)
			}
		})
	}
}

func TestMessageShortensText(t *testing.T) {
	m := message(Push{Token: "t", Title: strings.Repeat("T", 200), Body: strings.Repeat("B", 1000)})
	if n := utf8.RuneCountInString(m.Notification.Body); n != maxBodyRunes || !strings.HasSuffix(m.Notification.Body, "…") {
		t.Errorf("body: %d runes %q", n, m.Notification.Body)
	}
	if n := utf8.RuneCountInString(m.Notification.Title); n != maxTitleRunes {
		t.Errorf("title: %d runes", n)
	}
}

func TestCollapseID(t *testing.T) {
	short := "report-QN-2026-000123"
	if got := collapseID(short); got != short {
		t.Errorf("collapseID(%q) = %q", short, got)
	}
	a, b := collapseID(strings.Repeat("k", 64)+"a"), collapseID(strings.Repeat("k", 64)+"b")
	if len(a) != 64 || a == b {
		t.Errorf("long keys: %q and %q; want distinct 64-byte IDs", a, b)
	}
}

func TestBackoff(t *testing.T) {
	always := func(v float64) func() float64 { return func() float64 { return v } }
	const almostOne = 0.999999999
	tests := []struct {
		attempt    int
		retryAfter time.Duration
		rnd        float64
		want       time.Duration
	}{
		{1, 0, 0.5, 500 * time.Millisecond},
		{2, 0, 0.5, time.Second},
		{3, 0, 0.5, 2 * time.Second},
		{0, 0, 0.5, 500 * time.Millisecond}, // below 1 counts as 1
		{-5, 0, 0.5, 500 * time.Millisecond},
		{1, 0, 0, 0}, // full jitter may retry at once
		{9, 0, 0.5, 128 * time.Second},
		{10, 0, 0.5, 150 * time.Second}, // capped at 5 min
		{1000, 0, 0.5, 150 * time.Second},
		{1 << 62, 0, almostOne, 5*time.Minute - 1},
		{1, 7 * time.Second, 0.5, 7 * time.Second},         // never before Retry-After
		{3, 1 * time.Second, 0.9, 3600 * time.Millisecond}, // Retry-After shorter than the backoff
		{20, 10 * time.Minute, 0.9, 10 * time.Minute},      // Retry-After beats the cap
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.attempt, tt.retryAfter, tt.rnd), func(t *testing.T) {
			got := Backoff(tt.attempt, tt.retryAfter, always(tt.rnd))
			if diff := got - tt.want; diff < -time.Microsecond || diff > time.Microsecond {
				t.Errorf("Backoff(%d, %v, %v) = %v, want %v", tt.attempt, tt.retryAfter, tt.rnd, got, tt.want)
			}
		})
	}
}

func TestBackoffStaysInRange(t *testing.T) {
	for attempt := 1; attempt <= 12; attempt++ {
		ceiling := min(backoffCap, backoffBase<<(attempt-1))
		for _, r := range []float64{0, 0.25, 0.999999} {
			if d := Backoff(attempt, 0, func() float64 { return r }); d < 0 || d >= ceiling {
				t.Errorf("Backoff(%d, 0, %v) = %v, want in [0, %v)", attempt, r, d, ceiling)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestClassifyNonFirebaseErrors covers errors that do not come from an FCM answer.
func TestClassifyNonFirebaseErrors(t *testing.T) {
	tests := []struct {
		err  error
		want error
	}{
		{context.DeadlineExceeded, ErrRetryable},
		{fmt.Errorf("wrapped: %w", context.Canceled), ErrRetryable},
		{errors.New("invalid message at index 3: exactly one of token, topic or condition must be specified"), ErrRejected},
	}
	for _, tt := range tests {
		got := classify(tt.err)
		if !errors.Is(got, tt.want) || !errors.Is(got, tt.err) {
			t.Errorf("classify(%v) = %v, want %v wrapping the cause", tt.err, got, tt.want)
		}
		if _, ok := RetryAfter(got); ok {
			t.Errorf("RetryAfter(%v) reported a delay", got)
		}
	}
	if classify(nil) != nil {
		t.Error("classify(nil) != nil")
	}
}
