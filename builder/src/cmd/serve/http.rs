//! `builder serve`'s HTTP server (or HTTPS, with `--tls`), on hyper and axum: the bundle's files
//! ([`super::site`]), the WebSocket tracker at `/announce`
//! ([`super::tracker`]), the mailbox relay at `/relay` ([`super::relay`],
//! with its NIP-11 document for `Accept: application/nostr+json`) and
//! `/local-tracker`, which tells a page the tracker's and the relay's URLs.
//!
//! Every request must name an allowed `Host` (see [`host_allowed`]): a
//! website that rebinds its own domain name to this machine's address gets
//! `403` instead of the bundle or the tracker. Connections are bounded in
//! number, request heads in size and time; one slow or hostile client never
//! holds up another (each connection is its own task).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;

use super::relay::{self, MailboxRelay};
use super::site::{Refusal, Site};
use super::tracker::{self, Tracker};

/// Largest request head buffered (hyper's minimum is 8 KiB).
const MAX_HEAD: usize = 16 * 1024;
/// HTTP connections served at once; more get `503`.
const MAX_CONNECTIONS: usize = 512;
/// A client must send a complete request head within this long (this also
/// closes idle keep-alive connections).
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Path of the embedded WebSocket tracker.
pub const TRACKER_PATH: &str = "/announce";
/// Path of the embedded Nostr relay (the mailbox).
pub const RELAY_PATH: &str = "/relay";
/// Path that tells a page served from here where the tracker and relay are.
pub const LOCAL_TRACKER_PATH: &str = "/local-tracker";

/// Headers on every response. The page carries its own strict CSP in a
/// `<meta>`; this header adds what a `<meta>` policy cannot express.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    (
        "content-security-policy",
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'none'",
    ),
    (
        "permissions-policy",
        "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()",
    ),
    ("cache-control", "no-cache"),
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

/// What `builder serve` serves and to whom.
#[derive(Debug, Clone)]
pub struct Options {
    /// The bundle directory (dist/).
    pub root: PathBuf,
    /// Host names accepted besides localhost names and IP literals.
    pub allowed_hosts: Vec<String>,
    /// Serve https and wss with this configuration (`--tls`), or plain http.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Where the mailbox relay keeps its store.
    pub relay_dir: PathBuf,
}

/// The address of the client of a connection (for the relay's policies).
#[derive(Debug, Clone, Copy)]
struct Peer(SocketAddr);

#[derive(Debug)]
struct Shared {
    site: Site,
    tracker: Arc<Tracker>,
    relay: MailboxRelay,
    allowed_hosts: Vec<String>,
    secure: bool,
}

/// Whether a request's `Host` header names this server rather than some
/// other site's domain (DNS rebinding): `localhost` and `*.localhost`, any
/// IPv4 or bracketed IPv6 literal (an address is what a user types on a LAN,
/// and a rebinding site cannot make a browser send one for its own origin),
/// and the names in `extra` (`--allow-host`), each with an optional port.
pub fn host_allowed(host: &str, extra: &[String]) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else {
            return false;
        };
        if !(after.is_empty() || is_port(after.strip_prefix(':').unwrap_or("x"))) {
            return false;
        }
        return literal.parse::<Ipv6Addr>().is_ok();
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        }
    };
    let name = name.to_ascii_lowercase();
    let name = name.strip_suffix('.').unwrap_or(&name);
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<Ipv4Addr>().is_ok()
        || extra
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(name))
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit())
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

/// Serves on a bound listener, forever.
pub fn serve(listener: TcpListener, options: Options) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(accept_loop(listener, options))
}

/// The app: routes, host check and security headers. Runs inside the
/// Tokio runtime (the relay starts its sweeper).
fn router(options: &Options) -> Result<Router> {
    let shared = Arc::new(Shared {
        site: Site::new(options.root.clone()),
        tracker: Arc::new(Tracker::default()),
        relay: MailboxRelay::open(&options.relay_dir)?,
        allowed_hosts: options.allowed_hosts.clone(),
        secure: options.tls.is_some(),
    });
    Ok(Router::new()
        .route("/", get(|| async { redirect_to_index() }))
        .route(TRACKER_PATH, any(tracker_socket))
        .route(RELAY_PATH, any(relay_socket))
        .route(LOCAL_TRACKER_PATH, get(local_tracker))
        .fallback(static_file)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            check_host,
        ))
        .layer(middleware::map_response(security_headers))
        .with_state(shared))
}

async fn accept_loop(listener: TcpListener, options: Options) -> Result<()> {
    listener
        .set_nonblocking(true)
        .context("configuring the listener")?;
    let listener = tokio::net::TcpListener::from_std(listener).context("adopting the listener")?;
    let app = router(&options)?;
    let tls = options.tls.map(tokio_rustls::TlsAcceptor::from);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of file descriptors or similar: let others finish.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let permit = Arc::clone(&slots).try_acquire_owned().ok();
        let app = app.clone();
        let service =
            TowerToHyperService::new(tower::Layer::layer(&axum::Extension(Peer(peer)), app));
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                // The TLS handshake is bounded like a request head.
                Some(acceptor) => {
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(HEAD_TIMEOUT, acceptor.accept(stream)).await
                    {
                        serve_connection(stream, service, permit).await;
                    }
                }
                None => serve_connection(stream, service, permit).await,
            }
        });
    }
}

/// Serves one connection (plain or TLS) until it closes; without a
/// connection slot, answers 503 and closes.
async fn serve_connection<I>(
    stream: I,
    service: TowerToHyperService<AppService>,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(stream);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD);
    if permit.is_none() {
        let busy = hyper::service::service_fn(|_| async {
            Ok::<_, std::convert::Infallible>(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many connections, try again shortly",
            ))
        });
        let _ = http.keep_alive(false).serve_connection(io, busy).await;
        return;
    }
    let _ = http.serve_connection(io, service).with_upgrades().await;
    drop(permit);
}

/// The router as each connection runs it: with the connection's [`Peer`]
/// in every request.
type AppService = axum::middleware::AddExtension<Router, Peer>;

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{} {message}\n", status.as_u16()),
    )
        .into_response()
}

fn redirect_to_index() -> Response {
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, "/index.htm"),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        "see /index.htm\n",
    )
        .into_response()
}

async fn check_host(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    match host {
        None => error(StatusCode::BAD_REQUEST, "missing Host header"),
        Some(host) if !host_allowed(&host, &shared.allowed_hosts) => error(
            StatusCode::FORBIDDEN,
            "this server does not answer to that host name; its operator can allow it with `builder serve --allow-host NAME`",
        ),
        Some(_) => next.run(request).await,
    }
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(*name, HeaderValue::from_static(value));
    }
    response
}

async fn tracker_socket(
    State(shared): State<Arc<Shared>>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return error(StatusCode::UPGRADE_REQUIRED, "the tracker speaks WebSocket");
    };
    let Some(admission) = shared.tracker.admit() else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the tracker is full");
    };
    let tracker = Arc::clone(&shared.tracker);
    upgrade
        .max_message_size(tracker::MAX_MESSAGE)
        .max_frame_size(tracker::MAX_MESSAGE)
        .on_upgrade(move |socket| tracker.serve(socket, admission))
}

async fn local_tracker(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    // The Host header was checked by `check_host`.
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if shared.secure { "wss" } else { "ws" };
    let body = serde_json::json!({
        "announce": format!("{scheme}://{host}{TRACKER_PATH}"),
        "relay": format!("{scheme}://{host}{RELAY_PATH}"),
    })
    .to_string();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The mailbox relay: a WebSocket upgrade handed to the relay library, or
/// (for `Accept: application/nostr+json`) its NIP-11 document, which pages
/// on other origins may read (NIP-11 asks for CORS).
async fn relay_socket(State(shared): State<Arc<Shared>>, mut request: Request) -> Response {
    let headers = request.headers();
    let wants_upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !wants_upgrade {
        let wants_info = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/nostr+json"));
        if wants_info && request.method() == Method::GET {
            return (
                [
                    (header::CONTENT_TYPE, "application/nostr+json"),
                    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                ],
                relay::information_document().to_string(),
            )
                .into_response();
        }
        return error(
            StatusCode::UPGRADE_REQUIRED,
            "the mailbox relay speaks Nostr over WebSocket (NIP-11 document: Accept: application/nostr+json)",
        );
    }
    let version_ok = headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v.as_bytes() == b"13");
    let key = headers.get(header::SEC_WEBSOCKET_KEY).cloned();
    let on_upgrade = request
        .extensions_mut()
        .remove::<hyper::upgrade::OnUpgrade>();
    let peer = request
        .extensions()
        .get::<Peer>()
        .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |p| p.0);
    let is_get = request.method() == Method::GET;
    let (Some(key), Some(on_upgrade), true, true) = (key, on_upgrade, version_ok, is_get) else {
        return error(
            StatusCode::BAD_REQUEST,
            "not a valid WebSocket upgrade (GET, version 13, with a key)",
        );
    };
    let relay = shared.relay.clone();
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            relay.take(TokioIo::new(upgraded), peer).await;
        }
    });
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
}

async fn static_file(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let head_only = match *request.method() {
        Method::GET => false,
        Method::HEAD => true,
        _ => {
            return error(
                StatusCode::METHOD_NOT_ALLOWED,
                "only GET and HEAD are served",
            );
        }
    };
    let path = request.uri().path().to_owned();
    let site = shared.site.clone();
    let found = tokio::task::spawn_blocking(move || site.read(&path)).await;
    match found {
        Ok(Ok((relative, bytes))) => {
            let length = bytes.len();
            let body = if head_only {
                Body::empty()
            } else {
                Body::from(bytes)
            };
            (
                [
                    (header::CONTENT_TYPE, mime_type(&relative).to_owned()),
                    (header::CONTENT_LENGTH, length.to_string()),
                ],
                body,
            )
                .into_response()
        }
        Ok(Err(Refusal::BadPath)) => error(
            StatusCode::BAD_REQUEST,
            "bad path: only plain file names of the bundle are served",
        ),
        Ok(Err(Refusal::NotFound)) => error(StatusCode::NOT_FOUND, "not found"),
        Ok(Err(Refusal::Unreadable(reason))) => {
            eprintln!("builder serve: {reason}");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the bundle could not be read (see the server's output)",
            )
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

/// The address pages should show for a bound IP (an unspecified one means
/// "every interface": localhost is where this machine's browser finds it).
pub fn shown_host(ip: IpAddr) -> String {
    if ip.is_unspecified() {
        "localhost".to_owned()
    } else if ip.is_ipv6() {
        format!("[{ip}]")
    } else {
        ip.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_and_addresses_are_allowed_hosts() {
        for host in [
            "localhost",
            "localhost:9000",
            "LOCALHOST.",
            "app.localhost:1",
            "127.0.0.1",
            "127.0.0.1:9000",
            "192.168.1.20:9000",
            "[::1]",
            "[::1]:9000",
            "[fe80::1]:80",
        ] {
            assert!(host_allowed(host, &[]), "{host}");
        }
    }

    #[test]
    fn other_names_are_refused_unless_allowed() {
        for host in [
            "evil.example",
            "evil.example:9000",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "[::1",
            "[::1]x",
            "[not-ip]:80",
            "localhost:port",
            "",
            "0x7f.1",
        ] {
            assert!(!host_allowed(host, &[]), "{host}");
        }
        let extra = vec!["laptop.local".to_owned()];
        assert!(host_allowed("laptop.local:9000", &extra));
        assert!(!host_allowed("other.local:9000", &extra));
    }

    #[test]
    fn wasm_and_scripts_get_their_mime_types() {
        assert_eq!(mime_type("worker.wasm"), "application/wasm");
        assert_eq!(mime_type("js/app.js"), "text/javascript; charset=utf-8");
        assert_eq!(mime_type("index.htm"), "text/html; charset=utf-8");
        assert_eq!(mime_type("MANIFEST"), "text/plain; charset=utf-8");
    }
}
