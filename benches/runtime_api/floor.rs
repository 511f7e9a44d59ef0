//! The floor: the least a host can do to run the same stock `lambda_runtime` binary. One blocking
//! thread, no runtime, no channels, no logs: it answers `/next` with a fixed event, reads the
//! `/response`, answers 202 and waits for the next `/next`, which is where the harness ends an
//! invocation too. Whatever the harness costs beyond this is the harness's own.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};

/// One connection from the runtime and what it sent that is not parsed yet.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// One request: which connection it came on, its method, path and body.
pub struct Request {
    conn: usize,
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// A minimal Runtime API host and the process it runs.
pub struct Floor {
    listener: TcpListener,
    conns: Vec<Option<Conn>>,
    /// The connection whose `GET /next` is waiting for an event.
    parked: Option<usize>,
    child: Child,
    count: u64,
}

impl Floor {
    /// Starts `binary` against a fresh endpoint and waits for its first `/next`.
    pub fn start(binary: &std::path::Path) -> Floor {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let child = Command::new(binary)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "floor")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/floor")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "floor")
            .env("AWS_REGION", "us-east-1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the trigger starts");
        let mut floor = Floor {
            listener,
            conns: Vec::new(),
            parked: None,
            child,
            count: 0,
        };
        floor.await_next();
        floor
    }

    /// The process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// One invocation: the event to the waiting `/next`, its answer back, until the next `/next`.
    pub fn invoke(&mut self, event: &[u8]) -> Vec<u8> {
        self.count += 1;
        let id = format!("00000000-0000-4000-8000-{:012x}", self.count);
        let conn = self.parked.take().expect("a parked /next");
        let mut response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
             lambda-runtime-aws-request-id: {id}\r\n\
             lambda-runtime-deadline-ms: 4102444800000\r\n\
             lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:floor\r\n\
             lambda-runtime-trace-id: Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0\r\n\
             content-length: {}\r\n\r\n",
            event.len()
        )
        .into_bytes();
        response.extend_from_slice(event);
        self.write(conn, &response);
        let request = self.request();
        assert!(
            request.method == "POST" && request.path.ends_with("/response"),
            "unexpected {} {}",
            request.method,
            request.path
        );
        self.write(
            request.conn,
            b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"status\":\"OK\"}",
        );
        let answer = request.body;
        self.await_next();
        answer
    }

    fn await_next(&mut self) {
        let request = self.request();
        assert!(
            request.method == "GET" && request.path.ends_with("/invocation/next"),
            "unexpected {} {}",
            request.method,
            request.path
        );
        self.parked = Some(request.conn);
    }

    fn write(&mut self, conn: usize, bytes: &[u8]) {
        let conn = self.conns[conn].as_mut().expect("an open connection");
        conn.stream.write_all(bytes).expect("write to the runtime");
    }

    /// The next whole request on any connection, accepting new ones as they come.
    fn request(&mut self) -> Request {
        loop {
            for (i, conn) in self.conns.iter_mut().enumerate() {
                if let Some(request) = conn.as_mut().and_then(|c| parse(c, i)) {
                    return request;
                }
            }
            let mut fds: Vec<libc::pollfd> = std::iter::once(self.listener.as_raw_fd())
                .chain(
                    self.conns
                        .iter()
                        .map(|c| c.as_ref().map_or(-1, |c| c.stream.as_raw_fd())),
                )
                .map(|fd| libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                })
                .collect();
            // SAFETY: fds is a valid array of fds.len() pollfds.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
            assert!(n > 0, "poll: {}", std::io::Error::last_os_error());
            if fds[0].revents != 0 {
                let (stream, _) = self.listener.accept().expect("accept");
                stream.set_nodelay(true).expect("nodelay");
                self.conns.push(Some(Conn {
                    stream,
                    buf: Vec::with_capacity(8192),
                }));
            }
            for (i, fd) in fds[1..].iter().enumerate() {
                if fd.revents == 0 {
                    continue;
                }
                let conn = self.conns[i].as_mut().expect("polled connection");
                let mut chunk = [0u8; 16384];
                match conn.stream.read(&mut chunk) {
                    Ok(0) | Err(_) => self.conns[i] = None,
                    Ok(n) => conn.buf.extend_from_slice(&chunk[..n]),
                }
            }
        }
    }
}

/// A whole request from the front of the connection's buffer (content-length bodies only, which
/// is what lambda_runtime sends).
fn parse(conn: &mut Conn, index: usize) -> Option<Request> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    let head = match request.parse(&conn.buf).expect("a valid request") {
        httparse::Status::Complete(head) => head,
        httparse::Status::Partial => return None,
    };
    let length = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .map_or(0, |h| {
            std::str::from_utf8(h.value)
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        });
    if conn.buf.len() < head + length {
        return None;
    }
    let parsed = Request {
        conn: index,
        method: request.method.unwrap_or_default().to_string(),
        path: request.path.unwrap_or_default().to_string(),
        body: conn.buf[head..head + length].to_vec(),
    };
    conn.buf.drain(..head + length);
    Some(parsed)
}

impl Drop for Floor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
