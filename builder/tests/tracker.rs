//! The embedded tracker speaks the WebTorrent protocol to real WebSocket
//! clients, and one client's garbage does not disturb the others.

mod common;

use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use common::{Client, Server, open, receive, send, site};
use serde_json::{Value, json};
use tungstenite::Message;

/// A `builder serve` of a site of its own, removed once the server stops.
fn start() -> (Server, tempfile::TempDir) {
    let root = site();
    (common::start(root.path(), &[]), root)
}

/// A tracker client from 127.0.0.1 with no `Origin`.
fn connect(port: u16) -> Client {
    open(Ipv4Addr::LOCALHOST, port, "/announce", None).unwrap()
}

const HASH: &str = "0123456789abcdef0123";

fn announce(peer: &str, offers: Value) -> Value {
    json!({"action": "announce", "info_hash": HASH, "peer_id": peer, "numwant": 1,
           "uploaded": 0, "downloaded": 0, "left": 1, "event": "started", "offers": offers})
}

#[test]
fn offers_and_answers_are_relayed_between_swarm_members() {
    let (server, _site) = start();
    let mut alice = connect(server.port);
    send(&mut alice, announce("aaaaaaaaaaaaaaaaaaaa", json!([])));
    let reply = receive(&mut alice);
    assert_eq!(reply["action"], "announce");
    assert_eq!(reply["incomplete"], 1);

    let mut bob = connect(server.port);
    let offer = json!({"type": "offer", "sdp": "sealed-offer"});
    send(
        &mut bob,
        announce(
            "bbbbbbbbbbbbbbbbbbbb",
            json!([{"offer": offer, "offer_id": "oooooooooooooooooooo"}]),
        ),
    );
    assert_eq!(receive(&mut bob)["incomplete"], 2);

    let relayed = receive(&mut alice);
    assert_eq!(relayed["offer"], offer);
    assert_eq!(relayed["offer_id"], "oooooooooooooooooooo");
    assert_eq!(relayed["peer_id"], "bbbbbbbbbbbbbbbbbbbb");
    assert_eq!(relayed["info_hash"], HASH);

    send(
        &mut alice,
        json!({"action": "announce", "info_hash": HASH, "peer_id": "aaaaaaaaaaaaaaaaaaaa",
        "to_peer_id": "bbbbbbbbbbbbbbbbbbbb", "offer_id": "oooooooooooooooooooo",
        "answer": {"type": "answer", "sdp": "sealed-answer"}}),
    );
    let answered = receive(&mut bob);
    assert_eq!(answered["answer"]["sdp"], "sealed-answer");
    assert_eq!(answered["peer_id"], "aaaaaaaaaaaaaaaaaaaa");
}

#[test]
fn garbage_gets_a_failure_reason_and_others_keep_working() {
    let (server, _site) = start();
    let mut mallory = connect(server.port);
    for garbage in [
        "not json",
        "{\"action\":\"announce\",\"info_hash\":\"short\"}",
        "{\"action\":\"dance\"}",
    ] {
        mallory.send(Message::text(garbage)).unwrap();
        assert!(
            receive(&mut mallory)["failure reason"].is_string(),
            "{garbage}"
        );
    }
    // Oversized messages close only that connection.
    let _ = mallory.send(Message::text("x".repeat(200 * 1024)));
    let mut alice = connect(server.port);
    send(&mut alice, announce("aaaaaaaaaaaaaaaaaaaa", json!([])));
    assert_eq!(receive(&mut alice)["action"], "announce");
}

#[test]
fn closing_a_socket_leaves_the_swarm() {
    let (server, _site) = start();
    let mut alice = connect(server.port);
    send(&mut alice, announce("aaaaaaaaaaaaaaaaaaaa", json!([])));
    receive(&mut alice);
    let mut bob = connect(server.port);
    send(&mut bob, announce("bbbbbbbbbbbbbbbbbbbb", json!([])));
    assert_eq!(receive(&mut bob)["incomplete"], 2);
    alice.close(None).unwrap();
    drop(alice);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        send(&mut bob, json!({"action": "scrape", "info_hash": HASH}));
        if receive(&mut bob)["files"][HASH]["incomplete"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "alice never left the swarm");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_page_learns_the_local_tracker_url() {
    let (server, _site) = start();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(
            b"GET /local-tracker HTTP/1.1\r\nHost: 127.0.0.1:1234\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.ends_with(
            "{\"announce\":\"ws://127.0.0.1:1234/announce\",\"relay\":\"ws://127.0.0.1:1234/relay\"}"
        ),
        "{response}"
    );
}

#[test]
fn another_connection_cannot_take_over_or_stop_a_peer_id() {
    let (server, _site) = start();
    let mut alice = connect(server.port);
    send(&mut alice, announce("aaaaaaaaaaaaaaaaaaaa", json!([])));
    assert_eq!(receive(&mut alice)["incomplete"], 1);
    let mut mallory = connect(server.port);
    // Announcing, stopping or answering as Alice from another socket is refused.
    send(&mut mallory, announce("aaaaaaaaaaaaaaaaaaaa", json!([])));
    assert!(
        receive(&mut mallory)["failure reason"]
            .as_str()
            .unwrap()
            .contains("in use")
    );
    send(
        &mut mallory,
        json!({"action": "announce", "info_hash": HASH, "peer_id": "aaaaaaaaaaaaaaaaaaaa", "event": "stopped"}),
    );
    assert!(receive(&mut mallory)["failure reason"].is_string());
    // Alice is still there, reachable by offers from a third peer.
    let mut bob = connect(server.port);
    let offer = json!({"type": "offer", "sdp": "x"});
    send(
        &mut bob,
        announce(
            "bbbbbbbbbbbbbbbbbbbb",
            json!([{"offer": offer, "offer_id": "oooooooooooooooooooo"}]),
        ),
    );
    assert_eq!(receive(&mut bob)["incomplete"], 2);
    assert_eq!(receive(&mut alice)["peer_id"], "bbbbbbbbbbbbbbbbbbbb");
}

#[test]
fn one_connection_holds_one_member_per_swarm_so_it_cannot_fill_one_with_ids() {
    let (server, _site) = start();
    let mut mallory = connect(server.port);
    for n in 0..20 {
        send(&mut mallory, announce(&format!("{n:020}"), json!([])));
        assert!(
            receive(&mut mallory)["failure reason"].is_null(),
            "announce {n}"
        );
    }
    // Each new id replaced the previous one: the swarm holds Mallory once.
    send(&mut mallory, json!({"action": "scrape", "info_hash": HASH}));
    assert_eq!(receive(&mut mallory)["files"][HASH]["incomplete"], 1);
}

#[test]
fn a_page_has_a_peer_id_of_its_own_in_each_room_on_one_connection() {
    let (server, _site) = start();
    let mut page = connect(server.port);
    let mut friend = connect(server.port);
    // Seven rooms, seven ids, one connection (the creator of a group with its contacts' rooms).
    for n in 0..7 {
        let hash = format!("{n:0>20}");
        send(
            &mut page,
            json!({"action": "announce", "info_hash": hash, "peer_id": format!("page{n:016}"), "numwant": 0,
                   "uploaded": 0, "downloaded": 0, "left": 1, "event": "started", "offers": []}),
        );
        assert!(receive(&mut page)["failure reason"].is_null(), "room {n}");
    }
    // Stopping a room gives its id up; the id of another room stays the page's.
    let stop = |n: usize| {
        json!({"action": "announce", "info_hash": format!("{n:0>20}"), "peer_id": format!("page{n:016}"),
               "numwant": 0, "uploaded": 0, "downloaded": 0, "left": 1, "event": "stopped"})
    };
    send(&mut page, stop(3));
    assert!(receive(&mut page)["failure reason"].is_null());
    send(&mut friend, stop(4));
    let _ = receive(&mut friend);
    send(
        &mut page,
        json!({"action": "scrape", "info_hash": [format!("{:0>20}", 3), format!("{:0>20}", 4)]}),
    );
    let files = receive(&mut page)["files"].clone();
    assert_eq!(
        files[format!("{:0>20}", 3)]["incomplete"],
        0,
        "the stopped room"
    );
    assert_eq!(
        files[format!("{:0>20}", 4)]["incomplete"],
        1,
        "nobody else stops a page's id"
    );
}

#[test]
fn a_client_that_never_reads_does_not_block_the_others() {
    let (server, _site) = start();
    // Mallory joins, then never reads: offers relayed to her pile up.
    let mut mallory = connect(server.port);
    send(&mut mallory, announce("mmmmmmmmmmmmmmmmmmmm", json!([])));
    receive(&mut mallory);
    let mut alice = connect(server.port);
    let big_offer = json!({"type": "offer", "sdp": "x".repeat(60_000)});
    // Each reply must come within the clients' 10 s read timeout.
    for n in 0..400 {
        send(
            &mut alice,
            announce(
                "aaaaaaaaaaaaaaaaaaaa",
                json!([{"offer": big_offer, "offer_id": format!("{n:020}")}]),
            ),
        );
        assert_eq!(receive(&mut alice)["action"], "announce", "reply {n}");
    }
    // 24 MB were relayed to a socket nobody reads; Alice was answered throughout.
    let mut bob = connect(server.port);
    send(&mut bob, announce("bbbbbbbbbbbbbbbbbbbb", json!([])));
    assert_eq!(receive(&mut bob)["action"], "announce");
}
