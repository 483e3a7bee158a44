package telemetry

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quangninh/feedback/internal/notify"
)

// ReportCounter counts the reports in the agencies' queues by status, from the precomputed queue
// documents (never by scanning the reports).
type ReportCounter interface {
	ReportsByStatus(ctx context.Context) (map[string]int, error)
}

// OutboxReader describes the push outbox.
type OutboxReader interface {
	OutboxBacklog(ctx context.Context) (notify.Backlog, error)
	notify.OverdueReader
}

// State is a collector of gauges read from the database when Prometheus scrapes, at most once per
// refresh interval: a burst of scrapes from several Prometheus servers costs one read. A failed read is
// logged and leaves its gauges out of that scrape (a stale value would look like a healthy one).
type State struct {
	reports ReportCounter // nil: no report gauges (qndispatch)
	outbox  OutboxReader
	refresh time.Duration
	timeout time.Duration
	log     *slog.Logger
	now     func() time.Time

	mu      sync.Mutex
	readAt  time.Time
	byState map[string]int
	backlog *notify.Backlog
	overdue *notify.Overdue

	reportsDesc, pendingDesc, parkedDesc, ageDesc, overdueDesc, overdueAgeDesc *prometheus.Desc
}

// NewState returns the collector; reports may be nil. refresh is how long a read is reused.
func NewState(reports ReportCounter, outbox OutboxReader, refresh time.Duration, log *slog.Logger) *State {
	return &State{
		reports: reports, outbox: outbox, refresh: refresh, timeout: 5 * time.Second, log: log, now: time.Now,
		reportsDesc: prometheus.NewDesc("qn_reports", "Reports in the agencies' queues, by status (closed and rejected reports leave the queues and are not counted).", []string{"status"}, nil),
		pendingDesc: prometheus.NewDesc("qn_outbox_pending", "Notifications waiting in the outbox to be pushed (not parked).", nil, nil),
		parkedDesc:  prometheus.NewDesc("qn_outbox_parked", "Notifications parked as failed after their last attempt, waiting for an admin.", nil, nil),
		ageDesc:     prometheus.NewDesc("qn_outbox_oldest_pending_age_seconds", "Age of the oldest pending notification; 0 when none waits.", nil, nil),
		overdueDesc: prometheus.NewDesc("qn_outbox_overdue", "Notifications due for more than a minute that no dispatcher took (not parked): above 0, pushes are stuck.", nil, nil),
		overdueAgeDesc: prometheus.NewDesc("qn_outbox_most_overdue_seconds",
			"How long the most overdue notification has been due; 0 when none is overdue.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (s *State) Describe(ch chan<- *prometheus.Desc) {
	if s.reports != nil {
		ch <- s.reportsDesc
	}
	ch <- s.pendingDesc
	ch <- s.parkedDesc
	ch <- s.ageDesc
	ch <- s.overdueDesc
	ch <- s.overdueAgeDesc
}

// Collect implements prometheus.Collector.
func (s *State) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.readAt.IsZero() || now.Sub(s.readAt) >= s.refresh {
		s.read(now)
	}
	for status, n := range s.byState {
		ch <- prometheus.MustNewConstMetric(s.reportsDesc, prometheus.GaugeValue, float64(n), status)
	}
	if b := s.backlog; b != nil {
		ch <- prometheus.MustNewConstMetric(s.pendingDesc, prometheus.GaugeValue, float64(b.Pending))
		ch <- prometheus.MustNewConstMetric(s.parkedDesc, prometheus.GaugeValue, float64(b.Parked))
		age := 0.0
		if !b.OldestPending.IsZero() {
			age = max(0, s.readAt.Sub(b.OldestPending).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(s.ageDesc, prometheus.GaugeValue, age)
	}
	if o := s.overdue; o != nil {
		ch <- prometheus.MustNewConstMetric(s.overdueDesc, prometheus.GaugeValue, float64(o.Count))
		age := 0.0
		if o.Count > 0 {
			age = max(0, s.readAt.Sub(o.OldestDue).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(s.overdueAgeDesc, prometheus.GaugeValue, age)
	}
}

// read refreshes the cached values; the caller holds s.mu (so concurrent scrapes wait for one read).
func (s *State) read(now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	s.readAt = now
	s.byState, s.backlog, s.overdue = nil, nil, nil
	if s.reports != nil {
		m, err := s.reports.ReportsByStatus(ctx)
		if err != nil {
			s.log.Warn("metrics: reports by status not read", "error", err.Error())
		} else {
			s.byState = m
		}
	}
	b, err := s.outbox.OutboxBacklog(ctx)
	if err != nil {
		s.log.Warn("metrics: outbox not read", "error", err.Error())
		return
	}
	s.backlog = &b
	o, err := s.outbox.OutboxOverdue(ctx, now.Add(-notify.OverdueAfter))
	if err != nil {
		s.log.Warn("metrics: overdue notifications not read", "error", err.Error())
		return
	}
	s.overdue = &o
}
