//! One environment's Runtime API endpoint, served by whichever task drives it.
//!
//! The endpoint is not a server task of its own. While the runtime initializes, a task on the host
//! thread drives it; once the runtime has asked for its first event, each invocation's own task
//! drives it for as long as the invocation runs, and between invocations nobody does (the runtime
//! is waiting on `/next` then, with nothing else to say). So a warm invocation is served on the
//! caller's thread, with no hop to another thread and back: the event goes out, the answer comes
//! in and the next `/next` ends it, all within the caller's task (issue 15). The HTTP is hyper's;
//! only its sockets are registered with the runtime of whoever drives them at the time.

use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::runtime::{Handle, Id};

use super::{lock, FunctionError, Invoked, Payload, Shared, MAX_PAYLOAD};
use crate::http;

/// How long the endpoint waits before accepting again after a failed accept (out of file
/// descriptors or similar), instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";

/// The listening socket and the runtime's connections, each with the request it is on.
pub(super) struct Endpoint {
    listener: Registered<TcpListener>,
    connections: Vec<Connection>,
    /// Set after an accept failed for the listener's own reasons; dropped at the end of a drive,
    /// since it belongs to the driver's runtime.
    backoff: Option<Pin<Box<tokio::time::Sleep>>>,
    shared: Arc<Shared>,
}

/// One connection served by hyper; it ends when the runtime closes it.
type Connection = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Endpoint {
    /// A fresh listening socket on 127.0.0.1, for the runtime's `AWS_LAMBDA_RUNTIME_API`.
    pub(super) fn listen() -> io::Result<(TcpListener, SocketAddr)> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    /// The endpoint on `listener` (from [`listen`](Self::listen)), serving the environment `shared`.
    pub(super) fn new(listener: TcpListener, shared: Arc<Shared>) -> Endpoint {
        Endpoint {
            listener: Registered::new(listener),
            connections: Vec::new(),
            backoff: None,
            shared,
        }
    }

    /// The environment this endpoint serves.
    pub(super) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Serves, from the calling task, until `finished` gives a value. `finished` is asked before
    /// and after each round; the waker is left with the shared state, so what the host thread
    /// settles (the process exited) wakes this task.
    pub(super) async fn drive<T>(&mut self, mut finished: impl FnMut() -> Option<T>) -> T {
        let value = poll_fn(|cx| {
            if let Some(value) = finished() {
                return Poll::Ready(value);
            }
            self.poll_serve(cx);
            // Stored before the last look, so an end settled in between still wakes this task.
            lock(&self.shared.state).wake_on_end(cx.waker());
            match finished() {
                Some(value) => Poll::Ready(value),
                None => Poll::Pending,
            }
        })
        .await;
        self.backoff = None;
        value
    }

    /// Accepts what is waiting and moves every connection on as far as it goes now.
    fn poll_serve(&mut self, cx: &mut Context<'_>) {
        if let Some(backoff) = &mut self.backoff {
            if backoff.as_mut().poll(cx).is_ready() {
                self.backoff = None;
            }
        }
        while self.backoff.is_none() {
            match self.listener.poll_accept(cx) {
                Poll::Ready(Ok(stream)) => match serve(stream, self.shared.clone()) {
                    Ok(connection) => self.connections.push(connection),
                    Err(_) => continue,
                },
                Poll::Ready(Err(e)) if is_connection_error(&e) => {}
                Poll::Ready(Err(_)) => {
                    let mut backoff = Box::pin(tokio::time::sleep(ACCEPT_BACKOFF));
                    if backoff.as_mut().poll(cx).is_pending() {
                        self.backoff = Some(backoff);
                    }
                }
                Poll::Pending => break,
            }
        }
        self.connections
            .retain_mut(|connection| connection.as_mut().poll(cx).is_pending());
    }
}

/// Whether an accept error concerns only the connection being accepted (the listener is fine).
fn is_connection_error(e: &io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    )
}

/// One accepted connection as HTTP/1.1 with keep-alive and `TCP_NODELAY` (the runtime sends small
/// request/response pairs: Nagle would hold the answer back). No header timeout: runtimes
/// long-poll `/next`, and a timer would tie the connection to one runtime.
fn serve(stream: TcpStream, shared: Arc<Shared>) -> io::Result<Connection> {
    stream.set_nonblocking(true)?;
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(Registered::new(stream));
    let service = service_fn(move |request| route(shared.clone(), request));
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    Ok(Box::pin(async move {
        let _ = connection.await;
    }))
}

/// A socket registered with the reactor of the runtime that polls it now: registered afresh when
/// a task of another runtime drives the endpoint (the host thread during init, then the callers).
struct Registered<S: AsRawFd> {
    /// Declared before `socket`, so it is deregistered before the socket closes.
    registration: Option<(Id, AsyncFd<RawFd>)>,
    socket: S,
}

impl<S: AsRawFd> Registered<S> {
    fn new(socket: S) -> Self {
        Registered {
            registration: None,
            socket,
        }
    }

    /// The socket's registration with the current runtime, made now if it has none there.
    fn registration(
        registration: &mut Option<(Id, AsyncFd<RawFd>)>,
        fd: RawFd,
    ) -> io::Result<&AsyncFd<RawFd>> {
        let handle = Handle::try_current().map_err(io::Error::other)?;
        let id = handle.id();
        if !matches!(registration, Some((registered, _)) if *registered == id) {
            // Leave the old reactor first: one descriptor, one registration at a time.
            *registration = None;
            // SAFETY: `fd` is the socket's, which is dropped after its registration (field order)
            // and never replaced, so it stays open and the same for the registration's lifetime.
            let registered = unsafe { AsyncFd::register(fd) }?;
            *registration = Some((id, registered));
        }
        Ok(&registration.as_ref().expect("registered above").1)
    }

    /// Polls `op` until it does not block, waiting for `readable` (or writable) readiness.
    fn poll_io<R>(
        &mut self,
        cx: &mut Context<'_>,
        readable: bool,
        mut op: impl FnMut(&mut S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let fd = self.socket.as_raw_fd();
        let Registered {
            registration,
            socket,
        } = self;
        let registration = Self::registration(registration, fd)?;
        loop {
            let mut ready = if readable {
                ready!(registration.poll_read_ready(cx))?
            } else {
                ready!(registration.poll_write_ready(cx))?
            };
            if let Ok(result) = ready.try_io(|_| op(socket)) {
                return Poll::Ready(result);
            }
        }
    }
}

impl Registered<TcpListener> {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<TcpStream>> {
        self.poll_io(cx, true, |listener| {
            listener.accept().map(|(stream, _)| stream)
        })
    }
}

impl AsyncRead for Registered<TcpStream> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        let read = ready!(self
            .get_mut()
            .poll_io(cx, true, |stream| stream.read(unfilled)))?;
        buf.advance(read);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Registered<TcpStream> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_io(cx, false, |stream| stream.write(bytes))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_io(cx, false, |stream| stream.write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.socket.shutdown(std::net::Shutdown::Write))
    }
}

async fn route(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (head, body) = request.into_parts();
    let path = head.uri.path();
    let response = match (&head.method, path) {
        (&Method::GET, NEXT) => next(&shared).await,
        (&Method::POST, INIT_ERROR) => init_error(&shared, body).await,
        (&Method::POST, path) if path.starts_with(INVOCATION) => {
            match path[INVOCATION.len()..].split_once('/') {
                Some((id, "response")) => answer(&shared, id, body, false).await,
                Some((id, "error")) => answer(&shared, id, body, true).await,
                _ => not_found(path),
            }
        }
        _ => not_found(path),
    };
    Ok(response)
}

/// `GET /next`: ends the invocation in flight, then waits until an event is queued. Never answers
/// 204 or 404: a release build of lambda_runtime panics on either.
///
/// The wait registers no waker: an event is queued only by an invocation, which then drives the
/// endpoint itself, and hyper polls a request's handler whenever its connection is polled.
async fn next(shared: &Shared) -> Response<Full<Bytes>> {
    {
        let mut state = lock(&shared.state);
        // What the runtime wrote before this request belongs before whatever it starts or ends.
        state.drain(&shared.pipes);
        state.initialized.get_or_insert_with(Instant::now);
        state.end_in_flight();
    }
    let queued = poll_fn(|_| match lock(&shared.state).take_event() {
        Some(queued) => Poll::Ready(queued),
        None => Poll::Pending,
    })
    .await;
    let mut response = Response::new(Full::new(queued.body));
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", &queued.request_id);
    set(
        "lambda-runtime-deadline-ms",
        &queued.deadline_ms.to_string(),
    );
    set("lambda-runtime-invoked-function-arn", &queued.function_arn);
    set("lambda-runtime-trace-id", &queued.trace_id);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// `POST /{id}/response` and `/{id}/error`: keeps the answer for the invocation, which ends when
/// the runtime asks for the next event.
async fn answer(
    shared: &Shared,
    request_id: &str,
    body: Incoming,
    is_error: bool,
) -> Response<Full<Bytes>> {
    let (result, status) = match http::read_body(body, MAX_PAYLOAD).await {
        Ok(bytes) => {
            let result = if is_error {
                Invoked::Error(FunctionError::from_body(&bytes))
            } else {
                Invoked::Output(Payload::Bytes(bytes))
            };
            (result, StatusCode::ACCEPTED)
        }
        Err(e) if e.too_large() => {
            let message = format!("Response payload size exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes).");
            (
                Invoked::Error(FunctionError::new("Function.ResponseSizeTooLarge", message)),
                StatusCode::PAYLOAD_TOO_LARGE,
            )
        }
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                &format!("could not read the body: {e}"),
            )
        }
    };
    if !lock(&shared.state).keep_answer(request_id, result) {
        return json(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            &format!("unknown request id {request_id}"),
        );
    }
    if status == StatusCode::ACCEPTED {
        json_status_ok()
    } else {
        json(
            status,
            "RequestEntityTooLarge",
            "response payload too large",
        )
    }
}

/// `POST /init/error`: the function could not start. Whoever is waiting gets the error; otherwise
/// the next invocation does. The process is replaced either way.
async fn init_error(shared: &Shared, body: Incoming) -> Response<Full<Bytes>> {
    let bytes = match http::read_body(body, MAX_PAYLOAD).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                &format!("could not read the body: {e}"),
            )
        }
    };
    let error = FunctionError::from_body(&bytes);
    let mut state = lock(&shared.state);
    state.drain(&shared.pipes);
    state.fail_init(error);
    json_status_ok()
}

fn json_status_ok() -> Response<Full<Bytes>> {
    http::response(
        StatusCode::ACCEPTED,
        "application/json",
        Bytes::from_static(br#"{"status":"OK"}"#),
    )
}

fn not_found(path: &str) -> Response<Full<Bytes>> {
    json(
        StatusCode::NOT_FOUND,
        "InvalidRequest",
        &format!("no such runtime API path: {path}"),
    )
}

fn json(status: StatusCode, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": message }).to_string();
    http::response(status, "application/json", body)
}
