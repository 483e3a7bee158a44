package workcal

import (
	"fmt"
	"time"
)

// DeadlineClass says how fast a ticket must be handled.
type DeadlineClass string

const (
	ClassUrgent  DeadlineClass = "urgent"
	ClassNormal  DeadlineClass = "normal"
	ClassComplex DeadlineClass = "complex"
)

// ParseDeadlineClass returns the class named s, or an error if s names none.
func ParseDeadlineClass(s string) (DeadlineClass, error) {
	switch c := DeadlineClass(s); c {
	case ClassUrgent, ClassNormal, ClassComplex:
		return c, nil
	}
	return "", fmt.Errorf("workcal: unknown deadline class %q", s)
}

// Allowance is an amount of working time given as whole working days plus working hours, so that
// "5 working days" follows the calendar's day length if the working hours change.
type Allowance struct {
	Days  int
	Hours time.Duration
}

// Duration converts a to working time on this calendar.
func (c *Calendar) Duration(a Allowance) time.Duration {
	return time.Duration(a.Days)*c.dayLen + a.Hours
}

// Budget is the working time allowed to accept a ticket and to resolve it, both counted from
// receipt.
type Budget struct {
	Accept  Allowance
	Resolve Allowance
}

// Policy gives the budget of each deadline class, with optional overrides per category code.
type Policy struct {
	Classes map[DeadlineClass]Budget
	// Categories overrides Classes for some categories: category code, then class. A class missing
	// from a category's map falls back to Classes.
	Categories map[string]map[DeadlineClass]Budget
}

// DefaultPolicy is the policy: urgent tickets are accepted within 4 working hours and
// resolved within 1 working day; normal ones within 8 working hours and 5 working days; complex
// ones within 8 working hours (the issue names no accept time for them, so they get normal's) and
// 15 working days. It has no category overrides.
func DefaultPolicy() Policy {
	return Policy{Classes: map[DeadlineClass]Budget{
		ClassUrgent:  {Accept: Allowance{Hours: 4 * time.Hour}, Resolve: Allowance{Days: 1}},
		ClassNormal:  {Accept: Allowance{Hours: 8 * time.Hour}, Resolve: Allowance{Days: 5}},
		ClassComplex: {Accept: Allowance{Hours: 8 * time.Hour}, Resolve: Allowance{Days: 15}},
	}}
}

// Budget returns the budget for a ticket of the given category and class: the category's override
// if there is one, else the class's. It returns an error if neither is configured.
func (p Policy) Budget(category string, class DeadlineClass) (Budget, error) {
	if b, ok := p.Categories[category][class]; ok {
		return b, nil
	}
	if b, ok := p.Classes[class]; ok {
		return b, nil
	}
	return Budget{}, fmt.Errorf("workcal: no budget for class %q", class)
}
