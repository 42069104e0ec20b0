//! The HTTP routes and their handlers.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{MatchedPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::oneshot;

use super::config::MAX_NAME_BYTES;
use super::metrics::Metrics;
use super::openapi;
use super::pool::{Job, Pool};
use super::problem::Problem;
use super::spool::{self, SpoolSettings};
use crate::output::npz::write_npz_to;
use crate::output::record::record_value;
use crate::output::settings::{Settings, attach};
use crate::pipeline::TrackAnalysis;
use crate::similarity::{Index, Metric, SearchMode};
use crate::vector::FeatureVector;

/// The loaded similarity index and the metric's per-dimension weights.
pub(crate) struct IndexState {
    pub(crate) index: Index,
    pub(crate) weights: Vec<f32>,
}

/// Shared state of every handler.
pub(crate) struct AppState {
    pub(crate) pool: Pool,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) spool: SpoolSettings,
    pub(crate) index: Option<IndexState>,
    /// Longest wait for a queued analysis before 504 (a safety net behind the
    /// analyzer's own per-track deadline).
    pub(crate) wait_limit: Duration,
    pub(crate) shutting_down: AtomicBool,
    /// The analysis settings written into every record, as `extract` writes them.
    pub(crate) settings: Settings,
}

type St = State<Arc<AppState>>;

/// The service's router: every route, the fallbacks and the access-log layer.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/analyze", post(analyze))
        .route("/v1/similar", post(similar))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_json))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            access_log,
        ))
        .with_state(state)
}

async fn access_log(State(st): St, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let secs = started.elapsed().as_secs_f64();
    st.metrics.observe_request(&route, status, secs);
    tracing::info!(
        target: "leitmotif::access",
        method = %method,
        path = %path.chars().take(200).collect::<String>(),
        status,
        latency_ms = (secs * 1e3 * 1e3).round() / 1e3,
        "request"
    );
    resp
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed on this route",
    )
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, r#"{"status":"ok"}"#.to_string())
}

async fn readyz(State(st): St) -> Response {
    if st.shutting_down.load(Ordering::Relaxed) {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the service is shutting down",
        )
        .into_response();
        p.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(1u64));
        return p;
    }
    if !st.pool.has_room() {
        return Problem::overloaded(1).into_response();
    }
    json_response(StatusCode::OK, r#"{"status":"ready"}"#.to_string())
}

async fn metrics(State(st): St) -> Response {
    let mut r = st.metrics.render().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

async fn openapi_json() -> Response {
    json_response(StatusCode::OK, openapi::document().to_string())
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Query parameters as a map, with malformed queries and unknown keys as 400.
fn params(
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
    allowed: &[&str],
) -> Result<HashMap<String, String>, Problem> {
    let Query(map) = q.map_err(|e| Problem::bad_request(format!("bad query string: {e}")))?;
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Problem::bad_request(format!(
            "unknown query parameter `{}` (allowed: {})",
            k.chars().take(64).collect::<String>(),
            allowed.join(", ")
        )));
    }
    Ok(map)
}

/// The upload's label (`?name=`, default `upload`): a record field and a format hint,
/// never a path on this machine.
fn name_param(map: &HashMap<String, String>) -> Result<String, Problem> {
    match map.get("name") {
        None => Ok("upload".into()),
        Some(n) if n.is_empty() || n.len() > MAX_NAME_BYTES => Err(Problem::bad_request(format!(
            "`name` must be 1 to {MAX_NAME_BYTES} bytes"
        ))),
        Some(n) if n.chars().any(char::is_control) => Err(Problem::bad_request(
            "`name` must not contain control characters",
        )),
        Some(n) => Ok(n.clone()),
    }
}

fn bool_param(map: &HashMap<String, String>, key: &str) -> Result<bool, Problem> {
    match map.get(key).map(|s| s.as_str()) {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(_) => Err(Problem::bad_request(format!(
            "`{key}` must be 0, 1, true or false"
        ))),
    }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse().ok())
}

/// Admits, receives and analyses one upload.
async fn run_analysis(
    st: &AppState,
    headers: &HeaderMap,
    body: Body,
    name: &str,
    frames: bool,
) -> Result<TrackAnalysis, Problem> {
    let _admission = st.pool.try_admit().ok_or_else(|| Problem::overloaded(1))?;
    let upload =
        spool::receive(body, content_length(headers), name, &st.spool, &st.metrics).await?;
    let (tx, rx) = oneshot::channel();
    let job = Job {
        upload,
        name: name.to_string(),
        frames,
        reply: tx,
    };
    if st.pool.submit(job).is_err() {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the service is shutting down",
        ));
    }
    match tokio::time::timeout(st.wait_limit, rx).await {
        Err(_) => Err(Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            format!("{name}: no answer within {} s", st.wait_limit.as_secs_f64()),
        )),
        Ok(Err(_)) => Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{name}: the worker went away"),
        )),
        Ok(Ok(Err(e))) => Err(Problem::from_analysis(&e, e.to_string())),
        Ok(Ok(Ok(a))) => Ok(a),
    }
}

async fn analyze(
    State(st): St,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let map = params(q, &["name", "frames"])?;
        let name = name_param(&map)?;
        let frames = bool_param(&map, "frames")?;
        let a = run_analysis(&st, &headers, body, &name, frames).await?;
        if frames {
            let Some(m) = a.frames else {
                return Err(Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "no frame matrices were kept",
                ));
            };
            let bytes = tokio::task::spawn_blocking(move || {
                write_npz_to(Cursor::new(Vec::new()), &m).map(|c| c.into_inner())
            })
            .await
            .map_err(|e| {
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            })?
            .map_err(|e| {
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            })?;
            let mut r = bytes.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            Ok(r)
        } else {
            let mut record = record_value(&name, None, &Ok(a.record));
            attach(&mut record, &st.settings);
            Ok(json_response(StatusCode::OK, record.to_string()))
        }
    }
    .await;
    result.unwrap_or_else(|p| p.into_response())
}

#[derive(serde::Serialize)]
struct Neighbor<'a> {
    path: &'a str,
    distance: f32,
}

#[derive(serde::Serialize)]
struct Answer<'a> {
    query: &'a str,
    neighbors: Vec<Neighbor<'a>>,
}

/// Largest JSON body accepted by `/v1/similar` (a feature vector).
const MAX_JSON_BODY: usize = 1 << 20;

async fn similar(
    State(st): St,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let map = params(q, &["name", "k"])?;
        let name = name_param(&map)?;
        let k = match map.get("k") {
            None => 10,
            Some(s) => match s.parse::<usize>() {
                Ok(k) if (1..=1000).contains(&k) => k,
                _ => {
                    return Err(Problem::bad_request(
                        "`k` must be an integer from 1 to 1000",
                    ));
                }
            },
        };
        let Some(ix) = st.index.as_ref() else {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "no_index",
                "the service was started without --index",
            ));
        };
        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.trim_start().starts_with("application/json"));
        let vector: FeatureVector = if is_json {
            let bytes = axum::body::to_bytes(body, MAX_JSON_BODY)
                .await
                .map_err(|e| {
                    Problem::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "body_too_large",
                        format!("a vector body is at most {MAX_JSON_BODY} bytes: {e}"),
                    )
                })?;
            st.metrics
                .received_bytes
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            serde_json::from_slice(&bytes).map_err(|e| {
                Problem::bad_request(format!(
                    "expected {{\"version\": N, \"values\": [...]}} (a record's `vector`): {e}"
                ))
            })?
        } else {
            run_analysis(&st, &headers, body, &name, false)
                .await?
                .record
                .vector
        };
        let qz = ix
            .index
            .standardize(&vector, &name)
            .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "schema", e.to_string()))?;
        let found = ix
            .index
            .search(&qz, k, &ix.weights, SearchMode::Exact, None);
        let answer = Answer {
            query: &name,
            neighbors: found
                .iter()
                .map(|n| Neighbor {
                    path: ix.index.path(n.id),
                    distance: n.distance,
                })
                .collect(),
        };
        let body = serde_json::to_string(&answer).map_err(|e| {
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
        })?;
        Ok(json_response(StatusCode::OK, body))
    }
    .await;
    result.unwrap_or_else(|p| p.into_response())
}

/// Per-dimension weights of the default metric (the one `leitmotif similar` uses).
pub(crate) fn default_weights() -> Vec<f32> {
    Metric::default().dim_weights()
}
