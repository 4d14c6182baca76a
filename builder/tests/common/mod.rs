//! Helpers of the tests that attack `builder serve`'s sockets: a real
//! `builder serve` on a free port, and WebSocket clients that connect from a
//! chosen loopback source address (127.0.0.2, 127.0.0.3, … stand for
//! distinct machines of a LAN) with a chosen `Origin`.

#![allow(dead_code, reason = "each test file uses part of these helpers")]

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nostr_relay_builder::prelude::{
    Event, EventBuilder, JsonUtil, Keys, Kind, RelayUrl, Tag, Timestamp,
};
use serde_json::{Value, json};
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

/// A running `builder serve`, stopped on drop.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A workspace with a tiny dist/, served with `--no-build`.
pub fn site() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("templates")).unwrap();
    let mut bundle = builder::bundle::Bundle::default();
    bundle.insert("index.htm", b"<p>".to_vec());
    bundle.write(&root.path().join("dist")).unwrap();
    root
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `builder serve` for `root` with `extra` arguments, keeping its data
/// under `root/data`; returns once it listens on 127.0.0.1.
pub fn start(root: &Path, extra: &[&str]) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_builder"))
        .arg("--root")
        .arg(root)
        .args(["serve", "--no-build", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(root.join("data"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "builder serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, port }
}

pub type Client = WebSocket<TcpStream>;

/// Opens a WebSocket to `path` on 127.0.0.1:`port` from the loopback
/// address `source`, sending `origin` as the `Origin` header if given.
pub fn open(
    source: Ipv4Addr,
    port: u16,
    path: &str,
    origin: Option<&str>,
) -> Result<Client, tungstenite::Error> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::from((source, 0)).into())?;
    socket.connect(&SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!("ws://127.0.0.1:{port}{path}").into_client_request()?;
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    match tungstenite::client(request, stream) {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::HandshakeError::Failure(e)) => Err(e),
        Err(tungstenite::HandshakeError::Interrupted(_)) => Err(tungstenite::Error::Io(
            std::io::ErrorKind::WouldBlock.into(),
        )),
    }
}

/// The HTTP status a refused upgrade was answered with.
pub fn refusal_status(result: Result<Client, tungstenite::Error>) -> Option<u16> {
    match result {
        Err(tungstenite::Error::Http(response)) => Some(response.status().as_u16()),
        _ => None,
    }
}

/// A relay client from 127.0.0.1 with no `Origin` (as a non-browser client).
pub fn relay(port: u16) -> Client {
    open(Ipv4Addr::LOCALHOST, port, "/relay", None).unwrap()
}

pub fn send(client: &mut Client, value: Value) {
    client.send(Message::text(value.to_string())).unwrap();
}

/// The next text message, or `None` once the connection is closed.
pub fn next(client: &mut Client) -> Option<Value> {
    loop {
        match client.read() {
            Ok(Message::Text(text)) => return Some(serde_json::from_str(text.as_str()).unwrap()),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

pub fn receive(client: &mut Client) -> Value {
    next(client).expect("the connection closed or timed out")
}

pub fn event_json(event: &Event) -> Value {
    serde_json::from_str(&event.as_json()).unwrap()
}

pub fn relay_url(port: u16) -> String {
    format!("ws://127.0.0.1:{port}/relay")
}

/// A wrap for `recipient` that expires in two weeks.
pub fn wrap_for(recipient: &Keys, content: &str) -> Event {
    let expires = Timestamp::from_secs(Timestamp::now().as_secs() + 14 * 86_400);
    EventBuilder::new(Kind::GiftWrap, content)
        .tags([
            Tag::public_key(recipient.public_key()),
            Tag::expiration(expires),
        ])
        .sign_with_keys(&Keys::generate())
        .unwrap()
}

/// Publishes `event` and returns the relay's `OK`.
pub fn publish(client: &mut Client, event: &Event) -> Value {
    send(client, json!(["EVENT", event_json(event)]));
    receive(client)
}

/// Asks for `recipient`'s wraps as a page does (subscription `mail`).
pub fn ask_for_mail(client: &mut Client, recipient: &Keys) {
    send(
        client,
        json!(["REQ", "mail", {"kinds": [1059], "#p": [recipient.public_key().to_hex()]}]),
    );
}

/// Answers the relay's AUTH challenge with `keys` (NIP-42).
pub fn authenticate(client: &mut Client, challenge: &str, keys: &Keys, port: u16) {
    let auth = EventBuilder::auth(challenge, RelayUrl::parse(&relay_url(port)).unwrap())
        .sign_with_keys(keys)
        .unwrap();
    send(client, json!(["AUTH", event_json(&auth)]));
    let ok = receive(client);
    assert_eq!(ok[0], "OK", "{ok}");
    assert_eq!(ok[2], true, "{ok}");
}

/// Reads until the subscription's EOSE; returns the contents received.
pub fn mail_until_eose(client: &mut Client) -> Vec<String> {
    let mut contents = Vec::new();
    loop {
        let message = receive(client);
        match message[0].as_str() {
            Some("EVENT") => contents.push(message[2]["content"].as_str().unwrap().to_owned()),
            Some("EOSE") => return contents,
            _ => panic!("unexpected {message}"),
        }
    }
}

/// Asks for `recipient`'s wraps (as a page does), authenticates with
/// `recipient`'s key when challenged, asks again, and returns the wraps'
/// contents up to the end of stored events: the subscription `mail` then
/// stays open for live wraps.
pub fn authenticated_mail(client: &mut Client, recipient: &Keys, port: u16) -> Vec<String> {
    ask_for_mail(client, recipient);
    let challenge = receive(client);
    assert_eq!(challenge[0], "AUTH", "{challenge}");
    let closed = receive(client);
    assert_eq!(closed[0], "CLOSED", "{closed}");
    authenticate(client, challenge[1].as_str().unwrap(), recipient, port);
    ask_for_mail(client, recipient);
    mail_until_eose(client)
}
