//! The one HTTP/1.1 server stack in the harness, under both of its servers: the Cognito endpoint
//! (`server`) and the Lambda Runtime API it hosts for process functions (`function::runtime_api`).
//!
//! Both are small request/response servers on hyper. This module owns what they share, so there
//! is one accept loop, one way a connection is served and shut down, one way a request body is
//! read, and one way a response is built. It is a low layer: it knows nothing about Cognito or
//! Lambda, and imports nothing from the rest of the crate.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::Service;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The body of every response the harness serves: a complete buffer, so hyper sends it with a
/// `content-length`.
pub(crate) type Body = Full<Bytes>;

/// Accepts connections on `listener` and serves each with a service from `make_service`, until
/// `shutdown` completes.
///
/// Every accepted socket gets `TCP_NODELAY` (callers send small request/response pairs: Nagle
/// would hold the answer back) and is served as HTTP/1.1 with keep-alive. On `shutdown` the
/// listener is closed at once (new connections are refused), every open connection is told to
/// finish the request it is on and close, and this returns when the last one has. Dropping the
/// future instead drops every connection with it.
///
/// A failed accept is never fatal: one that only concerns the incoming connection (reset or
/// aborted by the peer) is skipped; any other (out of file descriptors, ...) waits
/// `accept_backoff` before trying again instead of spinning.
pub(crate) async fn serve<M, S>(
    listener: TcpListener,
    mut make_service: M,
    shutdown: impl Future<Output = ()>,
    accept_backoff: Duration,
) where
    M: FnMut() -> S,
    S: Service<Request<Incoming>, Response = Response<Body>, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    // Dropping `stop` is the signal; each connection holds a receiver.
    let (stop, stopped) = watch::channel(());
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            stream = accept(&listener, accept_backoff) => {
                connections.spawn(serve_connection(stream, make_service(), stopped.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    drop(stop);
    while connections.join_next().await.is_some() {}
}

/// The next connection, with `TCP_NODELAY` set; waits out the errors [`serve`] describes.
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

/// Serves one connection until the client closes it, or until `stop`'s sender is dropped: then
/// the request in flight (if any) is answered and the connection closed.
async fn serve_connection<S>(stream: TcpStream, service: S, mut stop: watch::Receiver<()>)
where
    S: Service<Request<Incoming>, Response = Response<Body>, Error = Infallible>,
{
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
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

/// Why a request body could not be read: it was longer than allowed, or the connection failed
/// (closed early, malformed chunked encoding, ...). Displays as the underlying error
/// (`length limit exceeded`, `error reading a body from connection`).
#[derive(Debug)]
pub(crate) struct BodyError(Box<dyn std::error::Error + Send + Sync>);

/// What callers ask of the error.
impl BodyError {
    /// The body was longer than the limit.
    pub(crate) fn too_large(&self) -> bool {
        self.0.is::<LengthLimitError>()
    }
}

/// Shows the underlying error's text, nothing added.
impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Reads a whole request body, failing as soon as it exceeds `limit` bytes (a longer
/// `content-length` alone is not refused before that many bytes have come).
pub(crate) async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => Err(BodyError(e)),
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
