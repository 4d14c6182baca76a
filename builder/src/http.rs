//! A small static-file HTTP/1.1 server for `builder serve`: GET and HEAD,
//! keep-alive, correct MIME types and security headers, plus the WebSocket
//! tracker at `/announce` ([`crate::tracker`]) and `/local-tracker`, which
//! tells the page that tracker's URL. One thread per connection, bounded;
//! malformed or hostile requests get an error response and never affect
//! other connections.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::tracker::Tracker;

/// Longest request head accepted (request line + headers).
const MAX_HEAD: usize = 16 * 1024;
/// Connections served at once; more get `503`.
const MAX_CONNECTIONS: usize = 512;
/// An idle keep-alive connection is closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Headers on every response. The page carries its own strict CSP in a
/// `<meta>`; this header adds what a `<meta>` policy cannot express.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'none'",
    ),
    (
        "Permissions-Policy",
        "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()",
    ),
    ("Cache-Control", "no-cache"),
];

/// The `Content-Type` for a file name.
pub fn mime_type(path: &str) -> &'static str {
    match path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
    {
        Some(ext) => match ext.as_str() {
            "htm" | "html" => "text/html; charset=utf-8",
            "js" | "mjs" => "text/javascript; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "wasm" => "application/wasm",
            "json" => "application/json",
            "webmanifest" => "application/manifest+json",
            "svg" => "image/svg+xml",
            "png" => "image/png",
            "ico" => "image/x-icon",
            "txt" => "text/plain; charset=utf-8",
            _ => "application/octet-stream",
        },
        None if path.ends_with("MANIFEST") => "text/plain; charset=utf-8",
        None => "application/octet-stream",
    }
}

/// Path of the embedded WebSocket tracker.
pub const TRACKER_PATH: &str = "/announce";
/// Path that tells a page served from here where the tracker is.
pub const LOCAL_TRACKER_PATH: &str = "/local-tracker";

/// A parsed request line with the headers we act on.
#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    keep_alive: bool,
    host: Option<String>,
    websocket_key: Option<String>,
}

/// Serves files under `root` (and the tracker) on a bound listener, forever.
pub fn serve(listener: TcpListener, root: PathBuf) -> Result<()> {
    let root = Arc::new(root);
    let tracker = Arc::new(Tracker::default());
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let _ = respond_error(&stream, 503, "too many connections", false);
            continue;
        }
        let root = Arc::clone(&root);
        let active = Arc::clone(&active);
        let tracker = Arc::clone(&tracker);
        std::thread::spawn(move || {
            let _ = handle_connection(stream, &root, &tracker);
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(())
}

/// Binds `addr` with a clear message when the port is taken.
pub fn bind(addr: SocketAddr) -> Result<TcpListener> {
    match TcpListener::bind(addr) {
        Ok(listener) => Ok(listener),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "port {} on {} is already in use (another `builder serve`?): stop that program or pass --port",
            addr.port(),
            addr.ip()
        ),
        Err(e) => Err(e).with_context(|| format!("binding {addr}")),
    }
}

fn handle_connection(stream: TcpStream, root: &Path, tracker: &Tracker) -> Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_write_timeout(Some(IDLE_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let head = match read_head(&mut reader) {
            Ok(Some(head)) => head,
            Ok(None) => return Ok(()),
            Err(HeadError::TooLarge) => {
                return respond_error(&stream, 431, "request head too large", false);
            }
            Err(HeadError::Io) => return Ok(()),
        };
        let request = match parse_request(&head) {
            Some(request) => request,
            None => return respond_error(&stream, 400, "malformed request", false),
        };
        let path_only = request.path.split(['?', '#']).next().unwrap_or("/");
        if path_only == TRACKER_PATH {
            let Some(key) = request.websocket_key.as_deref() else {
                return respond_error(&stream, 426, "the tracker speaks WebSocket", false);
            };
            let accept = crate::tracker::accept_key(key);
            let head = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            );
            (&stream).write_all(head.as_bytes())?;
            tracker.serve_connection(stream);
            return Ok(());
        }
        respond(&stream, root, &request)?;
        if !request.keep_alive {
            return Ok(());
        }
    }
}

enum HeadError {
    TooLarge,
    Io,
}

/// Reads up to the blank line ending the head; `None` on a clean close.
fn read_head(reader: &mut BufReader<TcpStream>) -> Result<Option<Vec<u8>>, HeadError> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let read = reader
            .by_ref()
            .take((MAX_HEAD + 1 - head.len().min(MAX_HEAD)) as u64)
            .read_until(b'\n', &mut line)
            .map_err(|_| HeadError::Io)?;
        if read == 0 {
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(HeadError::Io)
            };
        }
        head.extend_from_slice(&line);
        if head.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
        if line == b"\r\n" || line == b"\n" {
            return Ok(Some(head));
        }
    }
}

fn parse_request(head: &[u8]) -> Option<Request> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    if !parsed.parse(head).ok()?.is_complete() {
        return None;
    }
    let version = parsed.version?;
    let connection = parsed
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("connection"))
        .map(|h| String::from_utf8_lossy(h.value).to_ascii_lowercase());
    let keep_alive = match connection.as_deref() {
        Some(value) if value.contains("close") => false,
        Some(value) if value.contains("keep-alive") => true,
        _ => version == 1,
    };
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    let upgrade = header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let websocket_key = header("sec-websocket-key").filter(|_| upgrade);
    let host = header("host").filter(|h| {
        !h.is_empty()
            && h.len() < 256
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    });
    let has_body = parsed.headers.iter().any(|h| {
        (h.name.eq_ignore_ascii_case("content-length") && h.value != b"0")
            || h.name.eq_ignore_ascii_case("transfer-encoding")
    });
    Some(Request {
        method: parsed.method?.to_owned(),
        path: parsed.path?.to_owned(),
        // A request with a body we do not read would desynchronize keep-alive.
        keep_alive: keep_alive && !has_body,
        host,
        websocket_key,
    })
}

/// Maps a URL path to a file under `root`, refusing anything that could escape it.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next()?;
    let decoded = percent_decode(path)?;
    let mut file = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment == "."
            || segment == ".."
            || segment.contains(['\\', '\0'])
            || segment.starts_with('.')
        {
            return None;
        }
        file.push(segment);
    }
    Some(file)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn respond(stream: &TcpStream, root: &Path, request: &Request) -> Result<()> {
    let head_only = match request.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => {
            return respond_error(
                stream,
                405,
                "only GET and HEAD are served",
                request.keep_alive,
            );
        }
    };
    let path_only = request.path.split(['?', '#']).next().unwrap_or("/");
    if path_only == "/" {
        return write_response(
            stream,
            302,
            &[
                ("Location", "/index.htm"),
                ("Content-Type", "text/plain; charset=utf-8"),
            ],
            b"see /index.htm\n",
            head_only,
            request.keep_alive,
        );
    }
    if path_only == LOCAL_TRACKER_PATH {
        let Some(host) = request.host.as_deref() else {
            return respond_error(stream, 400, "missing Host header", request.keep_alive);
        };
        let body =
            serde_json::json!({ "announce": format!("ws://{host}{TRACKER_PATH}") }).to_string();
        return write_response(
            stream,
            200,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
            head_only,
            request.keep_alive,
        );
    }
    let Some(file) = resolve(root, &request.path) else {
        return respond_error(stream, 400, "bad path", request.keep_alive);
    };
    match std::fs::read(&file) {
        Ok(body) if file.is_file() => write_response(
            stream,
            200,
            &[("Content-Type", mime_type(&request.path))],
            &body,
            head_only,
            request.keep_alive,
        ),
        _ => respond_error(stream, 404, "not found", request.keep_alive),
    }
}

fn respond_error(stream: &TcpStream, status: u16, message: &str, keep_alive: bool) -> Result<()> {
    let body = format!("{status} {message}\n");
    write_response(
        stream,
        status,
        &[("Content-Type", "text/plain; charset=utf-8")],
        body.as_bytes(),
        false,
        keep_alive,
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

fn write_response(
    mut stream: &TcpStream,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
    keep_alive: bool,
) -> Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers.iter().chain(SECURITY_HEADERS) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_root() {
        let root = Path::new("/srv/dist");
        assert_eq!(
            resolve(root, "/js/app.js?x=1"),
            Some(PathBuf::from("/srv/dist/js/app.js"))
        );
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(root, "/a%5c..%5cb"), None);
        assert_eq!(resolve(root, "/.git/config"), None);
        assert_eq!(resolve(root, "/%zz"), None);
    }

    #[test]
    fn wasm_and_scripts_get_their_mime_types() {
        assert_eq!(mime_type("/worker.wasm"), "application/wasm");
        assert_eq!(mime_type("/js/app.js"), "text/javascript; charset=utf-8");
        assert_eq!(mime_type("/index.htm"), "text/html; charset=utf-8");
        assert_eq!(mime_type("/MANIFEST"), "text/plain; charset=utf-8");
    }
}
