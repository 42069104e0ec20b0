//! Service metrics, rendered in the Prometheus text exposition format (version 0.0.4).
//!
//! Metric names:
//! - `leitmotif_http_requests_total{route,status}`: answered requests.
//! - `leitmotif_http_request_duration_seconds{route}`: latency histogram.
//! - `leitmotif_http_received_bytes_total`: request body bytes read.
//! - `leitmotif_audio_seconds_total`: seconds of audio analysed.
//! - `leitmotif_tracks_total{outcome}`: analyses by outcome (`ok` or the error kind).
//! - `leitmotif_queue_depth`: analyses waiting for a worker.
//! - `leitmotif_in_flight`: analyses running on a worker.
//! - `leitmotif_admitted`: requests holding an admission slot (uploading, queued or running).
//! - `leitmotif_workers`, `leitmotif_admission_capacity`: the pool's size.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Upper bounds of the latency histogram buckets, seconds.
const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Counters and gauges shared by every request.
#[derive(Default)]
pub(crate) struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    tracks: Mutex<BTreeMap<&'static str, u64>>,
    pub(crate) received_bytes: AtomicU64,
    audio_micros: AtomicU64,
    pub(crate) queue_depth: AtomicI64,
    pub(crate) in_flight: AtomicI64,
    pub(crate) admitted: AtomicI64,
    pub(crate) workers: AtomicI64,
    pub(crate) capacity: AtomicI64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    /// Counts one answered request and its latency.
    pub(crate) fn observe_request(&self, route: &str, status: u16, seconds: f64) {
        *lock(&self.requests)
            .entry((route.to_string(), status))
            .or_insert(0) += 1;
        let mut lat = lock(&self.latency);
        let h = lat.entry(route.to_string()).or_default();
        for (c, &b) in h.counts.iter_mut().zip(BUCKETS.iter()) {
            if seconds <= b {
                *c += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Counts one finished analysis (`ok` or an error kind) and its audio duration.
    pub(crate) fn observe_track(&self, outcome: &'static str, audio_s: f64) {
        *lock(&self.tracks).entry(outcome).or_insert(0) += 1;
        if audio_s.is_finite() && audio_s > 0.0 {
            self.audio_micros
                .fetch_add((audio_s * 1e6) as u64, Ordering::Relaxed);
        }
    }

    /// The Prometheus text exposition of every metric.
    pub(crate) fn render(&self) -> String {
        let mut s = String::with_capacity(4096);
        let _ = writeln!(
            s,
            "# HELP leitmotif_http_requests_total Answered HTTP requests by route and status."
        );
        let _ = writeln!(s, "# TYPE leitmotif_http_requests_total counter");
        for ((route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                s,
                "leitmotif_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        let _ = writeln!(
            s,
            "# HELP leitmotif_http_request_duration_seconds Request latency by route."
        );
        let _ = writeln!(
            s,
            "# TYPE leitmotif_http_request_duration_seconds histogram"
        );
        for (route, h) in lock(&self.latency).iter() {
            let r = escape(route);
            for (c, b) in h.counts.iter().zip(BUCKETS.iter()) {
                let _ = writeln!(
                    s,
                    "leitmotif_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {c}"
                );
            }
            let _ = writeln!(
                s,
                "leitmotif_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                s,
                "leitmotif_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                s,
                "leitmotif_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.count
            );
        }
        let _ = writeln!(
            s,
            "# HELP leitmotif_tracks_total Analyses by outcome (ok or the error kind)."
        );
        let _ = writeln!(s, "# TYPE leitmotif_tracks_total counter");
        for (outcome, n) in lock(&self.tracks).iter() {
            let _ = writeln!(s, "leitmotif_tracks_total{{outcome=\"{outcome}\"}} {n}");
        }
        let counters = [
            (
                "leitmotif_http_received_bytes_total",
                "Request body bytes received.",
                self.received_bytes.load(Ordering::Relaxed) as f64,
            ),
            (
                "leitmotif_audio_seconds_total",
                "Seconds of audio analysed.",
                self.audio_micros.load(Ordering::Relaxed) as f64 / 1e6,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(s, "# HELP {name} {help}");
            let _ = writeln!(s, "# TYPE {name} counter");
            let _ = writeln!(s, "{name} {v}");
        }
        let gauges = [
            (
                "leitmotif_queue_depth",
                "Analyses waiting for a worker.",
                &self.queue_depth,
            ),
            (
                "leitmotif_in_flight",
                "Analyses running on a worker.",
                &self.in_flight,
            ),
            (
                "leitmotif_admitted",
                "Requests holding an admission slot (uploading, queued or analysing).",
                &self.admitted,
            ),
            ("leitmotif_workers", "Analysis workers.", &self.workers),
            (
                "leitmotif_admission_capacity",
                "Admission slots (workers + queue).",
                &self.capacity,
            ),
        ];
        for (name, help, v) in gauges {
            let _ = writeln!(s, "# HELP {name} {help}");
            let _ = writeln!(s, "# TYPE {name} gauge");
            let _ = writeln!(s, "{name} {}", v.load(Ordering::Relaxed));
        }
        s
    }
}

/// Escapes a label value (backslash, quote, newline).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
