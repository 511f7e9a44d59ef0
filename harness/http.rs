//! The one HTTP/1.1 server stack in the harness, under both of its servers: the Cognito endpoint
//! (`server`) and the Lambda Runtime API it hosts for process functions (`function::runtime_api`).
//!
//! Both are small request/response servers on hyper. This module owns what they share: one way a
//! request body is read and one way a response is built, and the accept loop and connection
//! handling of the Cognito endpoint. (The Runtime API serves its connections from whichever task
//! drives an environment, so it accepts them itself.) It is a low layer: it knows nothing about
//! Cognito or Lambda, and imports nothing from the rest of the crate.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::Service;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// The body of every response the harness serves: a complete buffer, so hyper sends it with a
/// `content-length`.
pub(crate) type Body = Full<Bytes>;

/// What keeps one client from wedging a server: how long a connection may take to send a
/// request's headers (also how long it may sit idle between requests), how many connections are
/// served at once, and how long a shutdown waits for requests in flight before dropping them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// A connection that has not sent a whole request head within this long is closed; `None`
    /// waits for ever (the Runtime API, whose clients long-poll).
    pub header_read_timeout: Option<Duration>,
    /// Connections served at once; a connection beyond it waits in the listen backlog until one
    /// closes.
    pub max_connections: usize,
    /// How long a shutdown lets connections finish the request they are on before dropping them
    /// (and with them every request still running); `None` waits for them all.
    pub shutdown_grace: Option<Duration>,
    /// How long to wait before accepting again after an accept that failed for the listener's
    /// own reasons (out of file descriptors, ...).
    pub accept_backoff: Duration,
}

/// Accepts connections on `listener` and serves each with a service from `make_service`, until
/// `shutdown` completes, within `limits`.
///
/// Every accepted socket gets `TCP_NODELAY` (callers send small request/response pairs: Nagle
/// would hold the answer back) and is served as HTTP/1.1 with keep-alive. At most
/// `limits.max_connections` are served at once: the next is accepted when one closes. On
/// `shutdown` the listener is closed at once (new connections are refused) and every open
/// connection is told to finish the request it is on and close; after `limits.shutdown_grace`
/// the ones still open are dropped, with the requests they were running, and this returns.
/// Dropping the future instead drops every connection with it.
///
/// A failed accept is never fatal: one that only concerns the incoming connection (reset or
/// aborted by the peer) is skipped; any other (out of file descriptors, ...) waits
/// `limits.accept_backoff` before trying again instead of spinning.
pub(crate) async fn serve_limited<M, S>(
    listener: TcpListener,
    mut make_service: M,
    shutdown: impl Future<Output = ()>,
    limits: Limits,
) where
    M: FnMut() -> S,
    S: Service<Request<Incoming>, Response = Response<Body>, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    // Dropping `stop` is the signal; each connection holds a receiver.
    let (stop, stopped) = watch::channel(());
    let slots = Arc::new(Semaphore::new(
        limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Both steps are cancel-safe: a slot taken without a connection goes back when the
        // future is dropped, and `accept` loses nothing.
        let next = async {
            let slot = slots.clone().acquire_owned().await;
            (slot, accept(&listener, limits.accept_backoff).await)
        };
        tokio::select! {
            (slot, stream) = next => {
                let connection = serve_connection(stream, make_service(), stopped.clone(), limits.header_read_timeout);
                connections.spawn(async move {
                    connection.await;
                    drop(slot);
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    drop(stop);
    let finish = async { while connections.join_next().await.is_some() {} };
    match limits.shutdown_grace {
        None => finish.await,
        Some(grace) => {
            if tokio::time::timeout(grace, finish).await.is_err() {
                connections.abort_all();
                while connections.join_next().await.is_some() {}
            }
        }
    }
}

/// The next connection, with `TCP_NODELAY` set; waits out the errors [`serve_limited`] describes.
async fn accept(listener: &TcpListener, backoff: Duration) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                return stream;
            }
            Err(e) if is_connection_error(&e) => {}
            Err(_) => tokio::time::sleep(backoff).await,
        }
    }
}

/// Serves one connection until the client closes it, it sends no whole request head within
/// `header_read_timeout`, or `stop`'s sender is dropped: then the request in flight (if any) is
/// answered and the connection closed.
async fn serve_connection<S>(
    stream: TcpStream,
    service: S,
    mut stop: watch::Receiver<()>,
    header_read_timeout: Option<Duration>,
) where
    S: Service<Request<Incoming>, Response = Response<Body>, Error = Infallible>,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.keep_alive(true);
    if let Some(timeout) = header_read_timeout {
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(timeout);
    }
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        biased;
        _ = connection.as_mut() => return,
        _ = stop.changed() => connection.as_mut().graceful_shutdown(),
    }
    let _ = connection.await;
}

/// Whether an accept error concerns only the connection being accepted (the listener is fine).
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    )
}

/// Why a request body could not be read: it was longer than allowed, it did not arrive in time,
/// or the connection failed (closed early, malformed chunked encoding, ...). Displays as the
/// underlying error (`length limit exceeded`, `error reading a body from connection`).
#[derive(Debug)]
pub(crate) struct BodyError(Box<dyn std::error::Error + Send + Sync>);

/// What callers ask of the error.
impl BodyError {
    /// The body was longer than the limit.
    pub(crate) fn too_large(&self) -> bool {
        self.0.is::<LengthLimitError>()
    }

    /// The body did not arrive within the deadline.
    pub(crate) fn timed_out(&self) -> bool {
        self.0.is::<BodyTimedOut>()
    }
}

/// Shows the underlying error's text, nothing added.
impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A body that did not arrive within the deadline [`read_body_within`] was given.
#[derive(Debug)]
struct BodyTimedOut(Duration);

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body did not arrive within {} s",
            self.0.as_secs_f64()
        )
    }
}

impl std::error::Error for BodyTimedOut {}

/// Reads a whole request body, failing as soon as it exceeds `limit` bytes (a longer
/// `content-length` alone is not refused before that many bytes have come).
pub(crate) async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => Err(BodyError(e)),
    }
}

/// [`read_body`], failing when the whole body has not arrived within `deadline`.
pub(crate) async fn read_body_within(
    body: Incoming,
    limit: usize,
    deadline: Duration,
) -> Result<Bytes, BodyError> {
    match tokio::time::timeout(deadline, read_body(body, limit)).await {
        Ok(read) => read,
        Err(_) => Err(BodyError(Box::new(BodyTimedOut(deadline)))),
    }
}

/// A response with `status`, a `content-type` and `body` (its length is sent by hyper).
pub(crate) fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
