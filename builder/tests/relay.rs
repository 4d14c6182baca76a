//! `builder serve`'s mailbox relay, spoken to by a real WebSocket client:
//! it keeps wraps across a restart, hands them only to the recipient who
//! authenticated (NIP-42), refuses what is not mailbox mail, serves its
//! NIP-11 document, and one client's garbage does not disturb the others.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use common::{
    ask_for_mail, authenticate, event_json, mail_until_eose, publish, receive, relay, send, site,
    start, wrap_for,
};
use nostr_relay_builder::prelude::{Event, EventBuilder, JsonUtil, Keys, Kind, Tag};
use serde_json::{Value, json};
use tungstenite::Message;

#[test]
fn wraps_reach_only_their_authenticated_recipient_and_survive_a_restart() {
    let root = site();
    let recipient = Keys::generate();
    let server = start(root.path(), &[]);
    let mut sender = relay(server.port);
    let ok = publish(&mut sender, &wrap_for(&recipient, "sealed-1"));
    assert_eq!(ok[2], true, "{ok}");
    drop(server);

    let server = start(root.path(), &[]);
    let mut reader = relay(server.port);
    // Not authenticated: a challenge and a CLOSED that says why.
    ask_for_mail(&mut reader, &recipient);
    let challenge = receive(&mut reader);
    assert_eq!(challenge[0], "AUTH", "{challenge}");
    let closed = receive(&mut reader);
    assert_eq!(closed[0], "CLOSED", "{closed}");
    assert!(closed[2].as_str().unwrap().starts_with("auth-required:"));

    // Someone else's key does not open the recipient's mailbox.
    let mut snoop = relay(server.port);
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
    let server = start(root.path(), &[]);
    let keys = Keys::generate();

    let mut hostile = relay(server.port);
    hostile
        .send(Message::text("[\"EVENT\", {not json"))
        .unwrap();
    hostile.send(Message::text("x".repeat(100_000))).unwrap();

    let mut client = relay(server.port);
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
    let server = start(root.path(), &[]);
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
