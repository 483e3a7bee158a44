package workcal_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quangninh/feedback/internal/workcal"
)

func TestDefaultPolicy(t *testing.T) {
	c := MustDefault(t)
	p := workcal.DefaultPolicy()
	tests := []struct {
		class               workcal.DeadlineClass
		accept, resolve     time.Duration
		receivedThursday16h time.Time // resolve deadline for a ticket received Thu 5 Mar 2026 16:00
	}{
		{workcal.ClassUrgent, 4 * h, 7*h + 30*time.Minute, at(2026, 3, 6, 16, 0)},
		{workcal.ClassNormal, 8 * h, 5 * (7*h + 30*time.Minute), at(2026, 3, 12, 16, 0)},
		{workcal.ClassComplex, 8 * h, 15 * (7*h + 30*time.Minute), at(2026, 3, 26, 16, 0)},
	}
	for _, tt := range tests {
		t.Run(string(tt.class), func(t *testing.T) {
			b, err := p.Budget("any", tt.class)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Duration(b.Accept); got != tt.accept {
				t.Errorf("accept = %s, want %s", got, tt.accept)
			}
			if got := c.Duration(b.Resolve); got != tt.resolve {
				t.Errorf("resolve = %s, want %s", got, tt.resolve)
			}
			due, ok := c.Deadline(at(2026, 3, 5, 16, 0), c.Duration(b.Resolve), nil)
			if !ok {
				t.Fatal("Deadline not ok without pauses")
			}
			if diff := cmp.Diff(tt.receivedThursday16h, due); diff != "" {
				t.Errorf("resolve deadline (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPolicyCategoryOverride(t *testing.T) {
	p := workcal.DefaultPolicy()
	flood := workcal.Budget{Accept: workcal.Allowance{Hours: time.Hour}, Resolve: workcal.Allowance{Hours: 4 * time.Hour}}
	p.Categories = map[string]map[workcal.DeadlineClass]workcal.Budget{
		"flooding": {workcal.ClassUrgent: flood},
	}
	tests := []struct {
		category string
		class    workcal.DeadlineClass
		want     workcal.Budget
	}{
		{"flooding", workcal.ClassUrgent, flood},
		{"flooding", workcal.ClassNormal, p.Classes[workcal.ClassNormal]}, // falls back to the class
		{"potholes", workcal.ClassUrgent, p.Classes[workcal.ClassUrgent]},
	}
	for _, tt := range tests {
		got, err := p.Budget(tt.category, tt.class)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Budget(%s, %s) (-want +got):\n%s", tt.category, tt.class, diff)
		}
	}
	if _, err := p.Budget("flooding", "whenever"); err == nil {
		t.Error("Budget for an unknown class succeeded, want an error")
	}
}

func TestParseDeadlineClass(t *testing.T) {
	for _, s := range []string{"urgent", "normal", "complex"} {
		if c, err := workcal.ParseDeadlineClass(s); err != nil || string(c) != s {
			t.Errorf("ParseDeadlineClass(%q) = %q, %v", s, c, err)
		}
	}
	for _, s := range []string{"", "Urgent", "critical"} {
		if _, err := workcal.ParseDeadlineClass(s); err == nil {
			t.Errorf("ParseDeadlineClass(%q) succeeded, want an error", s)
		}
	}
}
