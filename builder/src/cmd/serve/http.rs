//! `builder serve`'s HTTP server (or HTTPS, with `--tls`), on hyper and axum: the bundle's files
//! ([`super::site`]), the WebSocket tracker at `/announce`
//! ([`super::tracker`]), the mailbox relay at `/relay` ([`super::relay`],
//! with its NIP-11 document for `Accept: application/nostr+json`) and
//! `/local-tracker`, which tells a page the tracker's and the relay's URLs.
//!
//! Every request must name an allowed `Host` (see [`host_allowed`]): a
//! website that rebinds its own domain name to this machine's address gets
//! `403` instead of the bundle or the tracker. A WebSocket upgrade must also
//! come from an allowed `Origin` (see [`origin_allowed`]): a page of another
//! site that points its scripts at `ws://localhost:9000` gets `403`.
//! Connections are bounded in number (WebSockets included, until they
//! close), request heads in size and time, WebSockets per endpoint and per
//! client ([`Limits`]); one slow or hostile client never holds up another
//! (each connection is its own task).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Extension, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::gate;
use super::limits::{Client, Full, Limits, RateLimiter, SocketPlaces, SocketSlots};
use super::relay::{self, MailboxRelay};
use super::site::{Refusal, Site};
use super::tracker::{self, Tracker};

/// Largest request head buffered (hyper's minimum is 8 KiB).
const MAX_HEAD: usize = 16 * 1024;
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
    /// What one client may hold and send ([`Limits::default`] in `builder serve`).
    pub limits: Limits,
}

/// One accepted connection, as each of its requests sees it: the client's
/// address, and the connection's place among [`Limits::connections`],
/// which a WebSocket upgrade takes along (so an open WebSocket keeps
/// counting until it closes).
#[derive(Debug, Clone)]
struct Connection {
    peer: SocketAddr,
    place: Arc<Mutex<Option<OwnedSemaphorePermit>>>,
}

impl Connection {
    fn take_place(&self) -> Option<OwnedSemaphorePermit> {
        self.place
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

#[derive(Debug)]
struct Shared {
    site: Site,
    tracker: Arc<Tracker>,
    relay: MailboxRelay,
    allowed_hosts: Vec<String>,
    secure: bool,
    limits: Limits,
    tracker_sockets: Arc<SocketSlots>,
    relay_sockets: Arc<SocketSlots>,
    relay_rate: Arc<RateLimiter>,
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

/// Whether an address belongs to a local network rather than the internet:
/// loopback, private (RFC 1918), shared (RFC 6598), link-local, IPv6 unique
/// local.
fn is_local_network(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || (v4.octets()[0] == 100 && v4.octets()[1] & 0xc0 == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.segments()[0] & 0xfe00 == 0xfc00
                || v6.segments()[0] & 0xffc0 == 0xfe80
        }
    }
}

/// What the `Origin` of a WebSocket upgrade says about who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginCheck {
    /// No `Origin`: not a browser (browsers always send one for WebSockets).
    Absent,
    /// `Origin: null`: a page opened from disk, or a sandboxed frame of any
    /// site (Chromium sends the same for both). Accepted, and counted apart.
    Opaque,
    /// A page of this server, of a local name or a local network address, or
    /// of an `--allow-host` name.
    Allowed,
    /// A page of some other site.
    Refused,
}

/// Judges the `Origin` of a WebSocket upgrade whose `Host` is `host`: an
/// `http(s)` origin is allowed if it is this server as the request reached
/// it, or its host is a localhost name, an IP address of a local network
/// ([`is_local_network`]: a page served from a public address is a website)
/// or a name (or address) in `extra` (`--allow-host`).
pub fn origin_allowed(origin: Option<&str>, host: Option<&str>, extra: &[String]) -> OriginCheck {
    let Some(origin) = origin else {
        return OriginCheck::Absent;
    };
    if origin == "null" {
        return OriginCheck::Opaque;
    }
    let Some(authority) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return OriginCheck::Refused;
    };
    if authority.is_empty() || authority.contains(['/', '@', '?', '#']) {
        return OriginCheck::Refused;
    }
    if host.is_some_and(|host| host.eq_ignore_ascii_case(authority)) {
        return OriginCheck::Allowed;
    }
    // The name without its port, then as host_allowed reads it.
    let name = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((literal, after))
                if after.is_empty() || after.strip_prefix(':').is_some_and(is_port) =>
            {
                literal.to_owned()
            }
            _ => return OriginCheck::Refused,
        },
        None => match authority.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name.to_ascii_lowercase(),
            Some(_) => return OriginCheck::Refused,
            None => authority.to_ascii_lowercase(),
        },
    };
    let local = match name.parse::<IpAddr>() {
        Ok(ip) => is_local_network(ip),
        Err(_) => name == "localhost" || name.ends_with(".localhost"),
    };
    if local
        || extra
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(&name))
    {
        OriginCheck::Allowed
    } else {
        OriginCheck::Refused
    }
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
    let limits = options.limits.clone();
    let shared = Arc::new(Shared {
        site: Site::new(options.root.clone()),
        tracker: Arc::new(Tracker::new(limits.clone())),
        // The library's own bound stays out of the gate's way (its places
        // are given back a moment after the gate's).
        relay: MailboxRelay::open(&options.relay_dir, 2 * limits.relay_sockets)?,
        allowed_hosts: options.allowed_hosts.clone(),
        secure: options.tls.is_some(),
        tracker_sockets: SocketSlots::new(limits.tracker_sockets, limits.sockets_per_client),
        relay_sockets: SocketSlots::new(limits.relay_sockets, limits.sockets_per_client),
        relay_rate: Arc::new(RateLimiter::new(limits.relay_messages_per_minute)),
        limits,
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
    let slots = Arc::new(Semaphore::new(options.limits.connections));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of file descriptors or similar: let others finish.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let place = Arc::clone(&slots).try_acquire_owned().ok();
        let busy = place.is_none();
        let connection = Connection {
            peer,
            place: Arc::new(Mutex::new(place)),
        };
        let app = app.clone();
        let service =
            TowerToHyperService::new(tower::Layer::layer(&axum::Extension(connection), app));
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                // The TLS handshake is bounded like a request head.
                Some(acceptor) => {
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(HEAD_TIMEOUT, acceptor.accept(stream)).await
                    {
                        serve_connection(stream, service, busy).await;
                    }
                }
                None => serve_connection(stream, service, busy).await,
            }
        });
    }
}

/// Serves one connection (plain or TLS) until it closes (its place, kept in
/// the service's [`Connection`], is given back then, unless a WebSocket took
/// it along); when `busy` (no place was free), answers 503 and closes.
async fn serve_connection<I>(stream: I, service: TowerToHyperService<AppService>, busy: bool)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(stream);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD);
    if busy {
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
}

/// The router as each connection runs it: with the [`Connection`] in every
/// request.
type AppService = axum::middleware::AddExtension<Router, Connection>;

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

/// Admits a WebSocket upgrade to the endpoint of `slots` (named `what`):
/// checks its `Origin`, takes a place for its client and the place of its
/// HTTP connection; or says why not.
fn admit_socket(
    shared: &Shared,
    headers: &HeaderMap,
    connection: &Connection,
    slots: &Arc<SocketSlots>,
    what: &str,
) -> Result<(Client, SocketPlaces), (StatusCode, String)> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let check = origin_allowed(
        text(header::ORIGIN),
        text(header::HOST),
        &shared.allowed_hosts,
    );
    if check == OriginCheck::Refused {
        return Err((
            StatusCode::FORBIDDEN,
            format!(
                "the {what} does not take connections from pages of other sites; its operator can allow a name with `builder serve --allow-host NAME`"
            ),
        ));
    }
    let client = Client::new(connection.peer.ip(), check == OriginCheck::Opaque);
    match slots.admit(client) {
        Ok(endpoint) => Ok((
            client,
            SocketPlaces {
                endpoint,
                connection: connection.take_place(),
            },
        )),
        Err(Full::Endpoint) => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the {what} is full, try again shortly"),
        )),
        Err(Full::Client) => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "your address holds {} connections to the {what} already: close some tabs or try again later",
                shared.limits.sockets_per_client
            ),
        )),
    }
}

async fn tracker_socket(
    State(shared): State<Arc<Shared>>,
    Extension(connection): Extension<Connection>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return error(StatusCode::UPGRADE_REQUIRED, "the tracker speaks WebSocket");
    };
    let places = match admit_socket(
        &shared,
        &headers,
        &connection,
        &shared.tracker_sockets,
        "tracker",
    ) {
        Ok((_, places)) => places,
        Err((status, reason)) => return error(status, &reason),
    };
    let tracker = Arc::clone(&shared.tracker);
    upgrade
        .max_message_size(tracker::MAX_MESSAGE)
        .max_frame_size(tracker::MAX_MESSAGE)
        .on_upgrade(move |socket| tracker.serve(socket, places))
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

/// The mailbox relay: a WebSocket upgrade served through the gate
/// ([`gate::serve`]) by the relay library, or (for `Accept:
/// application/nostr+json`) its NIP-11 document, which pages on other
/// origins may read (NIP-11 asks for CORS).
async fn relay_socket(
    State(shared): State<Arc<Shared>>,
    Extension(connection): Extension<Connection>,
    method: Method,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let wants_upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !wants_upgrade {
        let wants_info = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/nostr+json"));
        if wants_info && method == Method::GET {
            return (
                [
                    (header::CONTENT_TYPE, "application/nostr+json"),
                    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                ],
                relay::information_document(&shared.limits).to_string(),
            )
                .into_response();
        }
        return error(
            StatusCode::UPGRADE_REQUIRED,
            "the mailbox relay speaks Nostr over WebSocket (NIP-11 document: Accept: application/nostr+json)",
        );
    }
    let Ok(upgrade) = upgrade else {
        return error(
            StatusCode::BAD_REQUEST,
            "not a valid WebSocket upgrade (GET, version 13, with a key)",
        );
    };
    let (client, places) = match admit_socket(
        &shared,
        &headers,
        &connection,
        &shared.relay_sockets,
        "mailbox relay",
    ) {
        Ok(admitted) => admitted,
        Err((status, reason)) => return error(status, &reason),
    };
    let relay = shared.relay.clone();
    let rate = Arc::clone(&shared.relay_rate);
    let limits = shared.limits.clone();
    let peer = connection.peer;
    upgrade
        .max_message_size(relay::MAX_MESSAGE)
        .max_frame_size(relay::MAX_MESSAGE)
        .on_upgrade(move |socket| gate::serve(relay, socket, peer, client, rate, limits, places))
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
    fn websockets_are_opened_by_local_pages_only() {
        let host = Some("192.168.1.20:9000");
        let extra = vec!["laptop.lan".to_owned()];
        for origin in [
            "http://192.168.1.20:9000",
            "https://192.168.1.20:9000",
            "http://localhost:3000",
            "http://app.localhost",
            "http://127.0.0.1:9000",
            "http://10.1.2.3",
            "http://172.16.0.1:80",
            "http://100.64.0.1",
            "http://169.254.1.1",
            "http://[::1]:9000",
            "http://[fd00::2]",
            "http://[fe80::1]:9000",
            "http://[::ffff:192.168.1.9]",
            "http://LAPTOP.lan:9000",
        ] {
            assert_eq!(
                origin_allowed(Some(origin), host, &extra),
                OriginCheck::Allowed,
                "{origin}"
            );
        }
        for origin in [
            "https://evil.example",
            "http://localhost.evil.example",
            "http://203.0.113.7",
            "http://[2001:db8::1]",
            "http://8.8.8.8:9000",
            "file://",
            "ws://127.0.0.1",
            "http://127.0.0.1/x",
            "http://user@127.0.0.1",
            "http://",
            "http://[::1",
            "http://127.0.0.1:port",
            "https://other.lan",
        ] {
            assert_eq!(
                origin_allowed(Some(origin), host, &extra),
                OriginCheck::Refused,
                "{origin}"
            );
        }
        // A server on a public address still serves its own pages.
        assert_eq!(
            origin_allowed(
                Some("https://203.0.113.7:9000"),
                Some("203.0.113.7:9000"),
                &[]
            ),
            OriginCheck::Allowed
        );
        assert_eq!(origin_allowed(None, host, &[]), OriginCheck::Absent);
        assert_eq!(origin_allowed(Some("null"), host, &[]), OriginCheck::Opaque);
    }

    #[test]
    fn wasm_and_scripts_get_their_mime_types() {
        assert_eq!(mime_type("worker.wasm"), "application/wasm");
        assert_eq!(mime_type("js/app.js"), "text/javascript; charset=utf-8");
        assert_eq!(mime_type("index.htm"), "text/html; charset=utf-8");
        assert_eq!(mime_type("MANIFEST"), "text/plain; charset=utf-8");
    }
}
