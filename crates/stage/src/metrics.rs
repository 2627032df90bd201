//! Prometheus metrics every service exports on `/metrics`.
//!
//! Each service gets one [`Metrics`]: the stage counters below, all labelled
//! with the service name, plus a registry where the service can add its own.

use std::sync::Arc;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    service: String,
    records_in: IntCounterVec,
    records_out: IntCounterVec,
    errors: IntCounterVec,
    dead_letters: IntCounterVec,
    repeats: IntCounterVec,
    task_restarts: IntCounterVec,
    batch_seconds: HistogramVec,
    consumer_lag: IntGaugeVec,
}

impl Metrics {
    pub fn new(service: &str) -> Self {
        let registry = Registry::new();
        let opts = |name: &str, help: &str| Opts::new(name, help).const_label("service", service);
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(opts(name, help), labels).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let records_in = counter(
            "stancewire_records_in_total",
            "Records consumed or accepted, by source topic or input kind.",
            &["source"],
        );
        let records_out = counter(
            "stancewire_records_out_total",
            "Records produced and acknowledged, by topic.",
            &["topic"],
        );
        let errors = counter(
            "stancewire_errors_total",
            "Errors by kind (decode, transform, produce, rejected input…).",
            &["kind"],
        );
        let dead_letters = counter(
            "stancewire_dead_letters_total",
            "Records sent to the dead-letter topic, by error kind.",
            &["kind"],
        );
        let repeats = counter(
            "stancewire_repeats_dropped_total",
            "Records dropped as repeats: an input (key, version) already handled, or a duplicate story.",
            &["reason"],
        );
        let task_restarts = counter(
            "stancewire_task_restarts_total",
            "Background tasks (feed pollers) restarted after failing or panicking.",
            &["task"],
        );
        let batch_seconds = HistogramVec::new(
            HistogramOpts::new(
                "stancewire_batch_seconds",
                "Time to handle one batch: transform, produce and commit.",
            )
            .const_label("service", service)
            .buckets(prometheus::exponential_buckets(0.001, 2.0, 16).expect("valid buckets")),
            &["stage"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(batch_seconds.clone()))
            .expect("unique metric");
        let consumer_lag = IntGaugeVec::new(
            opts(
                "stancewire_consumer_lag",
                "Messages between the committed offset and the end of each assigned partition.",
            ),
            &["topic", "partition"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(consumer_lag.clone()))
            .expect("unique metric");
        Metrics {
            inner: Arc::new(Inner {
                registry,
                service: service.to_string(),
                records_in,
                records_out,
                errors,
                dead_letters,
                repeats,
                task_restarts,
                batch_seconds,
                consumer_lag,
            }),
        }
    }

    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// The registry, for a service's own metrics.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    pub fn record_in(&self, source: &str, n: u64) {
        self.inner.records_in.with_label_values(&[source]).inc_by(n);
    }
    pub fn record_out(&self, topic: &str, n: u64) {
        self.inner.records_out.with_label_values(&[topic]).inc_by(n);
    }
    pub fn error(&self, kind: &str) {
        self.inner.errors.with_label_values(&[kind]).inc();
    }
    pub fn dead_letter(&self, kind: &str) {
        self.inner.dead_letters.with_label_values(&[kind]).inc();
    }
    pub fn repeat(&self, reason: &str) {
        self.inner.repeats.with_label_values(&[reason]).inc();
    }
    pub fn task_restart(&self, task: &str) {
        self.inner.task_restarts.with_label_values(&[task]).inc();
    }
    pub fn batch_seconds(&self, stage: &str, seconds: f64) {
        self.inner
            .batch_seconds
            .with_label_values(&[stage])
            .observe(seconds);
    }
    pub fn consumer_lag(&self, topic: &str, partition: i32, lag: i64) {
        self.inner
            .consumer_lag
            .with_label_values(&[topic, &partition.to_string()])
            .set(lag);
    }

    /// The Prometheus text exposition of every registered metric.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let families = self.inner.registry.gather();
        // Encoding into a Vec cannot fail for well-formed families.
        let _ = TextEncoder::new().encode(&families, &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
