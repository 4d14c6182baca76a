//! `builder serve`'s mailbox relay, spoken to by a real WebSocket client:
//! it keeps wraps across a restart, hands them only to the recipient who
//! authenticated (NIP-42), refuses what is not mailbox mail, serves its
//! NIP-11 document, and one client's garbage does not disturb the others.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nostr_relay_builder::prelude::{
    Event, EventBuilder, JsonUtil, Keys, Kind, RelayUrl, Tag, Timestamp,
};
use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_builder"))
        .arg("--root")
        .arg(root)
        .args(["serve", "--no-build", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(root.join("data"))
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

fn site() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("templates")).unwrap();
    let mut bundle = builder::bundle::Bundle::default();
    bundle.insert("index.htm", b"<p>".to_vec());
    bundle.write(&root.path().join("dist")).unwrap();
    root
}

type Client = WebSocket<MaybeTlsStream<TcpStream>>;

fn relay_url(port: u16) -> String {
    format!("ws://127.0.0.1:{port}/relay")
}

fn connect(port: u16) -> Client {
    let (socket, _) = tungstenite::connect(relay_url(port)).unwrap();
    if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
    }
    socket
}

fn send(client: &mut Client, value: Value) {
    client.send(Message::text(value.to_string())).unwrap();
}

fn receive(client: &mut Client) -> Value {
    loop {
        if let Message::Text(text) = client.read().unwrap() {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

fn event_json(event: &Event) -> Value {
    serde_json::from_str(&event.as_json()).unwrap()
}

fn wrap_for(recipient: &Keys, content: &str) -> Event {
    let expires = Timestamp::from_secs(Timestamp::now().as_secs() + 14 * 86_400);
    EventBuilder::new(Kind::GiftWrap, content)
        .tags([
            Tag::public_key(recipient.public_key()),
            Tag::expiration(expires),
        ])
        .sign_with_keys(&Keys::generate())
        .unwrap()
}

fn publish(client: &mut Client, event: &Event) -> Value {
    send(client, json!(["EVENT", event_json(event)]));
    receive(client)
}

fn ask_for_mail(client: &mut Client, recipient: &Keys) {
    send(
        client,
        json!(["REQ", "mail", {"kinds": [1059], "#p": [recipient.public_key().to_hex()]}]),
    );
}

/// Answers the relay's AUTH challenge with `keys` (NIP-42).
fn authenticate(client: &mut Client, challenge: &str, keys: &Keys, port: u16) {
    let auth = EventBuilder::auth(challenge, RelayUrl::parse(&relay_url(port)).unwrap())
        .sign_with_keys(keys)
        .unwrap();
    send(client, json!(["AUTH", event_json(&auth)]));
    let ok = receive(client);
    assert_eq!(ok[0], "OK", "{ok}");
    assert_eq!(ok[2], true, "{ok}");
}

/// Reads until the subscription's EOSE; returns the contents received.
fn mail_until_eose(client: &mut Client) -> Vec<String> {
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

#[test]
fn wraps_reach_only_their_authenticated_recipient_and_survive_a_restart() {
    let root = site();
    let recipient = Keys::generate();
    let server = start(root.path());
    let mut sender = connect(server.port);
    let ok = publish(&mut sender, &wrap_for(&recipient, "sealed-1"));
    assert_eq!(ok[2], true, "{ok}");
    drop(server);

    let server = start(root.path());
    let mut reader = connect(server.port);
    // Not authenticated: a challenge and a CLOSED that says why.
    ask_for_mail(&mut reader, &recipient);
    let challenge = receive(&mut reader);
    assert_eq!(challenge[0], "AUTH", "{challenge}");
    let closed = receive(&mut reader);
    assert_eq!(closed[0], "CLOSED", "{closed}");
    assert!(closed[2].as_str().unwrap().starts_with("auth-required:"));

    // Someone else's key does not open the recipient's mailbox.
    let mut snoop = connect(server.port);
    ask_for_mail(&mut snoop, &recipient);
    let snoop_challenge = receive(&mut snoop);
    receive(&mut snoop);
    authenticate(
        &mut snoop,
        snoop_challenge[1].as_str().unwrap(),
        &Keys::generate(),
        server.port,
    );
    ask_for_mail(&mut snoop, &recipient);
    let refused = receive(&mut snoop);
    assert_eq!(refused[0], "CLOSED", "{refused}");

    // The recipient's own key does, and the wrap outlived the restart.
    authenticate(
        &mut reader,
        challenge[1].as_str().unwrap(),
        &recipient,
        server.port,
    );
    ask_for_mail(&mut reader, &recipient);
    assert_eq!(mail_until_eose(&mut reader), vec!["sealed-1".to_owned()]);
}

#[test]
fn what_is_not_mailbox_mail_is_refused_and_garbage_hurts_no_one() {
    let root = site();
    let server = start(root.path());
    let keys = Keys::generate();

    let mut hostile = connect(server.port);
    hostile
        .send(Message::text("[\"EVENT\", {not json"))
        .unwrap();
    hostile.send(Message::text("x".repeat(100_000))).unwrap();

    let mut client = connect(server.port);
    let note = EventBuilder::text_note("hello")
        .sign_with_keys(&keys)
        .unwrap();
    let ok = publish(&mut client, &note);
    assert_eq!(ok[2], false, "{ok}");
    assert!(ok[3].as_str().unwrap().starts_with("blocked:"), "{ok}");

    let forever = EventBuilder::new(Kind::GiftWrap, "x")
        .tags([Tag::public_key(keys.public_key())])
        .sign_with_keys(&Keys::generate())
        .unwrap();
    let ok = publish(&mut client, &forever);
    assert_eq!(ok[2], false, "{ok}");
    assert!(ok[3].as_str().unwrap().contains("expiration"), "{ok}");

    let mut forged = event_json(&wrap_for(&keys, "forged"));
    forged["content"] = json!("changed after signing");
    send(&mut client, json!(["EVENT", forged]));
    let ok = receive(&mut client);
    assert_eq!(ok[2], false, "{ok}");

    let ok = publish(&mut client, &wrap_for(&keys, "still served"));
    assert_eq!(ok[2], true, "{ok}");
}

#[test]
fn the_relay_serves_its_nip11_document_with_cors() {
    let root = site();
    let server = start(root.path());
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .write_all(b"GET /relay HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/nostr+json\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("access-control-allow-origin: *"),
        "{head}"
    );
    let document: Value = serde_json::from_str(body).unwrap();
    assert!(
        document["limitation"]["max_message_length"]
            .as_u64()
            .unwrap()
            >= 64 * 1024
    );
}

#[test]
fn the_workers_nostr_events_verify_under_rust_nostr() {
    // An independent check of the worker's NIP-01 serialization and BIP-340
    // signatures: the committed vectors' wrap, deletion and NIP-42
    // authentication are valid events for rust-nostr too.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/mailbox.json");
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let wrap = &vectors["wrap"];
    let events = [
        (wrap.clone(), 1059, wrap["content"].clone()),
        (vectors["deletion"].clone(), 5, json!("")),
        (vectors["auth"].clone(), 22242, json!("")),
    ];
    let profile: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/profile.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let profile_event = json!({
        "id": profile["id"], "pubkey": profile["author"], "created_at": profile["created_at"],
        "tags": [["d", profile["d"]]], "sig": profile["sig"],
    });
    let events = [
        events[0].clone(),
        events[1].clone(),
        events[2].clone(),
        (profile_event, 30078, profile["content"].clone()),
    ];
    for (fields, kind, content) in events {
        let event = json!({
            "id": fields["id"], "pubkey": fields["pubkey"], "created_at": fields["created_at"],
            "kind": kind, "tags": fields["tags"], "content": content, "sig": fields["sig"],
        });
        let parsed = Event::from_json(event.to_string()).unwrap();
        parsed
            .verify()
            .unwrap_or_else(|e| panic!("kind {kind}: {e}"));
    }
}
