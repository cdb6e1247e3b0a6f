package node

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tally-project/tally/exchange"
)

// metrics are the node's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg        *prometheus.Registry
	submits    *prometheus.CounterVec
	latency    prometheus.Histogram
	appended   prometheus.Counter
	invalid    *prometheus.CounterVec
	replica    *prometheus.GaugeVec
	alerts     prometheus.Counter
	requests   *prometheus.CounterVec
	reqLatency *prometheus.HistogramVec
}

func newMetrics(n *Node) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.submits = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tally_submissions_total", Help: "Submitted batches, by result (ok, rejected, error).",
	}, []string{"result"})
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "tally_submit_seconds", Help: "Time from a batch's submission to its receipts.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2, 5, 10},
	})
	m.appended = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tally_appended_total", Help: "Notifications appended to the node's own log.",
	})
	m.invalid = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tally_invalid_entries_total", Help: "Entries of other parties' logs that are not valid notifications.",
	}, []string{"log"})
	m.replica = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "tally_replica_entries", Help: "Entries of each other party's log held and applied.",
	}, []string{"log"})
	m.alerts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tally_witness_alerts_total", Help: "Alerts of the node's witness written into its log.",
	})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tally_http_requests_total", Help: "API requests by route and status.",
	}, []string{"route", "code"})
	m.reqLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tally_http_request_seconds", Help: "API request time by route.",
	}, []string{"route"})
	m.reg.MustRegister(m.submits, m.latency, m.appended, m.invalid, m.replica, m.alerts, m.requests, m.reqLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tally_log_size", Help: "Entries in the node's own log covered by a checkpoint."},
			func() float64 {
				if n.own == nil {
					return 0
				}
				return float64(n.own.Size())
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tally_log_witnessed_size", Help: "Entries of the node's own log covered by a witnessed checkpoint."},
			func() float64 {
				if n.own == nil {
					return 0
				}
				return float64(n.own.WitnessedSize())
			}),
	)
	return m
}

func (m *metrics) submitted(err error, d time.Duration) {
	var rej *exchange.Rejection
	switch {
	case err == nil:
		m.submits.WithLabelValues("ok").Inc()
		m.latency.Observe(d.Seconds())
	case errors.As(err, &rej):
		m.submits.WithLabelValues("rejected").Inc()
	default:
		m.submits.WithLabelValues("error").Inc()
	}
}
