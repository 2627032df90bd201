//! The HTTP side of every service: `/healthz` (the process is alive),
//! `/readyz` (it can do its job: connected to the broker, models loaded) and
//! `/metrics` (Prometheus), merged with whatever API the service adds.
//!
//! The server is written here rather than taken from `axum::serve`, for
//! the limits a service facing the internet needs and that one lacks:
//! a client must send its request headers within [`HEADER_READ_TIMEOUT`]
//! (a slowloris client holding connections open is cut off), at most
//! [`MAX_CONNECTIONS`] are open at once, a handler that panics answers 500
//! instead of dropping the connection, unknown paths and methods answer
//! JSON like every other error, and on shutdown requests in hand get
//! [`DRAIN_TIMEOUT`] to finish, not for ever. Handlers see the client's
//! address as `ConnectInfo<SocketAddr>`.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

use crate::{metrics::Metrics, shutdown::Shutdown};

/// Whether the service is ready for traffic. Starts not ready.
#[derive(Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Relaxed)
    }
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Readiness {
    /// Keeps readiness true to whether `probe` (a blocking call: a
    /// metadata request to the broker) succeeds, checking every 10 s while
    /// ready and every second while not, until shutdown.
    pub async fn follow<P>(self, probe: P, shutdown: Shutdown)
    where
        P: Fn() -> bool + Clone + Send + 'static,
    {
        loop {
            let p = probe.clone();
            let ok = tokio::task::spawn_blocking(p).await.unwrap_or(false);
            if ok != self.is_ready() {
                tracing::info!(ready = ok, "broker readiness changed");
            }
            self.set(ok);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(if ok { 10 } else { 1 })) => {}
                _ = shutdown.triggered() => return,
            }
        }
    }
}

#[derive(Clone)]
struct Ops {
    readiness: Readiness,
    metrics: Metrics,
}

/// The operational routes, to merge with a service's own.
pub fn ops_router(readiness: Readiness, metrics: Metrics) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(render_metrics))
        .with_state(Ops { readiness, metrics })
}

async fn ready(State(ops): State<Ops>) -> (StatusCode, &'static str) {
    if ops.readiness.is_ready() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

async fn render_metrics(State(ops): State<Ops>) -> ([(&'static str, &'static str); 1], String) {
    (
        [("content-type", "text/plain; version=0.0.4")],
        ops.metrics.render(),
    )
}

/// Binds the listener (port 0 picks a free port; tests use that).
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// The longest a client may take to send a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections open at once; more are closed as they arrive.
pub const MAX_CONNECTIONS: usize = 1024;
/// How long requests in hand may take to finish once shutdown starts.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// A JSON error answer: `{"error": kind, "message": message}`.
pub fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": kind, "message": message })),
    )
        .into_response()
}

async fn not_found(request: Request) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("no route for {} {}", request.method(), request.uri().path()),
    )
}

async fn method_not_allowed(request: Request) -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the request could not be handled; it was logged",
    )
}

/// Serves `router` until shutdown, then lets in-flight requests finish
/// (for at most [`DRAIN_TIMEOUT`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "http listening");
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked));
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.triggered() => break,
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!(%peer, limit = MAX_CONNECTIONS, "too many connections; closing one");
            continue;
        };
        let router = router.clone();
        let service = tower::service_fn(move |mut request: Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            timeout_s = DRAIN_TIMEOUT.as_secs(),
            "requests still in hand after the drain timeout; stopping anyway"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// One HTTP/1.1 request over a fresh connection; the raw answer.
    fn request(addr: SocketAddr, method: &str, path: &str) -> String {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readiness_follows_the_probe_all_along() {
        let up = Arc::new(AtomicBool::new(false));
        let readiness = Readiness::default();
        let shutdown = Shutdown::new();
        let following = tokio::spawn(readiness.clone().follow(
            {
                let up = up.clone();
                move || up.load(Ordering::SeqCst)
            },
            shutdown.clone(),
        ));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!readiness.is_ready(), "the broker is down");
        up.store(true, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !readiness.is_ready() {
            assert!(
                std::time::Instant::now() < deadline,
                "never noticed the broker back"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        shutdown.trigger();
        following.await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_unknown_paths_and_methods_answer_json_and_the_server_stays_up() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = ops_router(Readiness::default(), Metrics::new("test")).route(
            "/boom",
            get(|| async {
                panic!("a bug");
                #[allow(unreachable_code)]
                "never"
            }),
        );
        let shutdown = Shutdown::new();
        let server = tokio::spawn(serve(listener, router, shutdown.clone()));
        let answers = tokio::task::spawn_blocking(move || {
            [
                request(addr, "GET", "/boom"),
                request(addr, "GET", "/nowhere"),
                request(addr, "POST", "/healthz"),
                request(addr, "GET", "/healthz"),
            ]
        })
        .await
        .unwrap();
        assert!(answers[0].starts_with("HTTP/1.1 500"), "{}", answers[0]);
        assert!(
            answers[0].contains(r#""error":"internal""#),
            "{}",
            answers[0]
        );
        assert!(answers[1].starts_with("HTTP/1.1 404"), "{}", answers[1]);
        assert!(
            answers[1].contains(r#""error":"not_found""#),
            "{}",
            answers[1]
        );
        assert!(answers[2].starts_with("HTTP/1.1 405"), "{}", answers[2]);
        assert!(answers[2].contains("method_not_allowed"), "{}", answers[2]);
        assert!(answers[3].starts_with("HTTP/1.1 200"), "{}", answers[3]);
        shutdown.trigger();
        server.await.unwrap().unwrap();
    }
}
