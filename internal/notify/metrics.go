package notify

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are the delivery counters, exported on /metrics.
type Metrics struct {
	outcomes    *prometheus.CounterVec
	rejected    *prometheus.CounterVec
	recovered   *prometheus.CounterVec
	reminders   prometheus.Counter
	sendSeconds prometheus.Histogram
}

// NewMetrics creates the metrics and registers them with reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongjian_notify_outcomes_total",
			Help: "Notice delivery outcomes by template and status (sent, no_grant, in_app, failed, expired, cancelled, retry).",
		}, []string{"template", "status"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongjian_notify_rejected_total",
			Help: "Subscribe messages WeChat refused for good (47003 bad value, 40037 bad template, 40003 bad openid…), by template and errcode.",
		}, []string{"template", "errcode"}),
		recovered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongjian_notify_recovered_total",
			Help: "Notices of stopped workers: requeued (nothing was sent) or uncertain (stopped during the WeChat call; not resent).",
		}, []string{"kind"}),
		reminders: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gongjian_notify_reminders_total", Help: "Activity reminders written to the outbox.",
		}),
		sendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "gongjian_notify_send_seconds", Help: "Duration of subscribe-message calls to WeChat.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
	}
	if reg != nil {
		reg.MustRegister(m.outcomes, m.rejected, m.recovered, m.reminders, m.sendSeconds)
	}
	return m
}

func (m *Metrics) outcome(template, status string) {
	m.outcomes.WithLabelValues(template, status).Inc()
}

// Rejected returns the number of permanent WeChat refusals counted for a
// template and errcode.
func (m *Metrics) Rejected(template string, errcode int) float64 {
	return counterValue(m.rejected.WithLabelValues(template, itoa(errcode)))
}

func counterValue(c prometheus.Counter) float64 {
	var pb dto.Metric
	if err := c.Write(&pb); err != nil {
		return 0
	}
	return pb.GetCounter().GetValue()
}

func itoa(n int) string { return strconv.Itoa(n) }
