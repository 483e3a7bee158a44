package throttle

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDelay(t *testing.T) {
	p := DefaultPolicy()
	var got []time.Duration
	for f := 0; f <= 12; f++ {
		got = append(got, p.Delay(f))
	}
	s := time.Second
	want := []time.Duration{0, 0, 1 * s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 128 * s, 15 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Delay(0..12) mismatch (-want +got):\n%s", diff)
	}
}

func TestDelayCapsWithoutOverflow(t *testing.T) {
	p := Policy{FreeFailures: 0, BaseDelay: time.Second, MaxDelay: time.Minute} // no lock
	for _, f := range []int{7, 8, 100, 1 << 20} {
		if d := p.Delay(f); d != time.Minute {
			t.Errorf("Delay(%d) = %v, want the 1m cap", f, d)
		}
	}
	if d := p.Delay(-3); d != 0 {
		t.Errorf("Delay(-3) = %v, want 0", d)
	}
}

func TestCheck(t *testing.T) {
	p := DefaultPolicy()
	last := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		failures int
		after    time.Duration
		wantWait time.Duration
		wantErr  error
	}{
		{"no failures", 0, 0, 0, nil},
		{"one failure", 1, 0, 0, nil},
		{"two failures, immediately", 2, 0, time.Second, ErrTooSoon},
		{"two failures, after 1s", 2, time.Second, 0, nil},
		{"four failures, after 1s", 4, time.Second, 3 * time.Second, ErrTooSoon},
		{"nine failures, after 2m", 9, 2 * time.Minute, 8 * time.Second, ErrTooSoon},
		{"ten failures, after 1m", 10, time.Minute, 14 * time.Minute, ErrLocked},
		{"ten failures, after 15m", 10, 15 * time.Minute, 0, nil},
		{"eleven failures, immediately", 11, 0, 15 * time.Minute, ErrLocked},
		{"clock went back", 3, -time.Minute, time.Minute + 2*time.Second, ErrTooSoon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait, err := p.Check(tt.failures, last, last.Add(tt.after))
			if wait != tt.wantWait {
				t.Errorf("wait = %v, want %v", wait, tt.wantWait)
			}
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
