package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"passerelle/extranet"
	"passerelle/wire"
)

// Outcomes of a transfer (label "outcome" of
// passerelle_extranet_transfers_total). The set is closed, so that the
// number of series stays small whatever the callers send.
const (
	outcomeApplied         = "applied"          // changes applied
	outcomeUnchanged       = "unchanged"        // nothing to change
	outcomeRejectedEntries = "rejected_entries" // applied, some entries rejected
	outcomeDryRun          = "dry_run"          // preview, nothing applied
	outcomeHeld            = "held"             // guard against mass deactivation
	outcomeInvalid         = "invalid"          // 422 from the service's checks
	outcomeIdemConflict    = "idempotency_conflict"
	outcomeMalformed       = "malformed"      // 400
	outcomeTooLarge        = "too_large"      // 413
	outcomeMediaType       = "media_type"     // 415
	outcomeUnauthorized    = "unauthorized"   // 401
	outcomeForbidden       = "forbidden"      // 403
	outcomeUnknownSchool   = "unknown_school" // 404
	outcomeBusy            = "busy"           // 429
	outcomeError           = "error"          // 5xx
)

// Outcomes of a night run (label "outcome" of
// passerelle_extranet_night_runs_total).
const (
	nightOK             = "ok"
	nightWithErrors     = "completed_with_errors" // finished, some items failed
	nightFailed         = "failed"
	nightAlreadyRunning = "already_running"
)

// metrics are the server's Prometheus collectors, in a registry of their
// own so that two servers in one process (tests, the demo) do not collide.
type metrics struct {
	registry         *prometheus.Registry
	inFlight         prometheus.Gauge
	requests         *prometheus.CounterVec
	transfers        *prometheus.CounterVec
	transferDuration prometheus.Histogram
	records          *prometheus.CounterVec
	resent           prometheus.Counter // applied snapshots that changed nothing
	nightRuns        *prometheus.CounterVec
	nightDuration    prometheus.Histogram
	nightLastSuccess prometheus.Gauge
	nightGrants      *prometheus.CounterVec
	nightMails       *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "passerelle_extranet_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_extranet_http_requests_total",
			Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"route", "code"}),
		transfers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_extranet_transfers_total",
			Help: "Snapshots received (PUT .../staff), by outcome.",
		}, []string{"outcome"}),
		transferDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "passerelle_extranet_transfer_duration_seconds",
			Help:    "Time to answer a snapshot, from the request to the answer, for authenticated requests.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_extranet_transfer_records_received_total",
			Help: "Entries received in well-formed snapshots, by list (staff or keep).",
		}, []string{"list"}),
		resent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "passerelle_extranet_transfers_resent_total",
			Help: "Applied snapshots that changed nothing (every entry unchanged): the re-syncs.",
		}),
		nightRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_extranet_night_runs_total",
			Help: "Night runs started by this process, by outcome (ok, completed_with_errors, failed, already_running).",
		}, []string{"outcome"}),
		nightDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "passerelle_extranet_night_run_duration_seconds",
			Help:    "Duration of the night runs that this process ran.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200},
		}),
		nightLastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "passerelle_extranet_night_last_success_timestamp_seconds",
			Help: "Unix time at which this process last finished a night run without error (0: never).",
		}),
		nightGrants: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_extranet_night_grants_total",
			Help: "Grants changed by the night runs of this process, by change (activated, modified, expired).",
		}, []string{"change"}),
		nightMails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_extranet_night_mails_total",
			Help: "E-mails the night runs of this process tried to deliver, by result (sent, failed).",
		}, []string{"result"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.inFlight, m.requests, m.transfers, m.transferDuration, m.records, m.resent,
		m.nightRuns, m.nightDuration, m.nightLastSuccess, m.nightGrants, m.nightMails,
	)
	// Every outcome shows from the start, at 0, so that a rate() or an
	// alert on an outcome works before the first occurrence.
	for _, o := range []string{outcomeApplied, outcomeUnchanged, outcomeRejectedEntries, outcomeDryRun,
		outcomeHeld, outcomeInvalid, outcomeIdemConflict, outcomeMalformed, outcomeTooLarge,
		outcomeMediaType, outcomeUnauthorized, outcomeForbidden, outcomeUnknownSchool, outcomeError} {
		m.transfers.WithLabelValues(o)
	}
	for _, o := range []string{nightOK, nightWithErrors, nightFailed, nightAlreadyRunning} {
		m.nightRuns.WithLabelValues(o)
	}
	for _, l := range []string{"staff", "keep"} {
		m.records.WithLabelValues(l)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// observeRequest counts a served request. route is the mux pattern, so that
// the number of series is bounded by the number of routes.
func (m *metrics) observeRequest(route string, status int) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

// resultOutcome is the outcome of a transfer the service answered.
func resultOutcome(res wire.TransferResult) string {
	c := res.Counts
	switch {
	case res.DryRun:
		return outcomeDryRun
	case c.Rejected > 0:
		return outcomeRejectedEntries
	case c.Created+c.Modified+c.Deactivated == 0:
		return outcomeUnchanged
	}
	return outcomeApplied
}

// ObserveNight records a night run in the metrics: the serve command calls
// it after each run it starts. A run that found another one holding the lock
// (extranet.ErrNightRunning) counts as already_running and not as a failure.
func (s *Server) ObserveNight(report extranet.NightReport, err error) {
	m := s.metrics
	switch {
	case errors.Is(err, extranet.ErrNightRunning):
		m.nightRuns.WithLabelValues(nightAlreadyRunning).Inc()
		return
	case err != nil:
		m.nightRuns.WithLabelValues(nightFailed).Inc()
	case len(report.Errors) > 0 || report.Failed > 0:
		m.nightRuns.WithLabelValues(nightWithErrors).Inc()
	default:
		m.nightRuns.WithLabelValues(nightOK).Inc()
		m.nightLastSuccess.Set(float64(time.Now().Unix()))
	}
	// A failed run may have committed part of its work: count what the
	// report says it did either way.
	m.nightGrants.WithLabelValues("activated").Add(float64(report.Activated))
	m.nightGrants.WithLabelValues("modified").Add(float64(report.Modified))
	m.nightGrants.WithLabelValues("expired").Add(float64(report.Expired))
	m.nightMails.WithLabelValues("sent").Add(float64(report.Sent))
	m.nightMails.WithLabelValues("failed").Add(float64(report.Failed))
	if d := nightDuration(report); d > 0 {
		m.nightDuration.Observe(d.Seconds())
	}
}

// nightDuration is how long a run took, 0 when it did not start.
func nightDuration(r extranet.NightReport) time.Duration {
	if r.Started.IsZero() || r.Finished.Before(r.Started) {
		return 0
	}
	return r.Finished.Sub(r.Started)
}
