//! `builder serve`'s connection limits over time, on the real server code
//! run in-process with short durations: an open WebSocket keeps counting
//! against the connection cap until it closes; a relay socket that answers
//! no ping is closed while a quiet mailbox subscription whose client answers
//! pings stays; a tracker socket that never announces is closed.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use builder::cmd::serve::http::{self, Options};
use builder::cmd::serve::limits::Limits;
use common::{Client, open, receive, send};
use serde_json::json;
use tungstenite::Message;

/// Serves a tiny site with `limits` on a free port, in a thread of this test.
fn serve(limits: Limits) -> (u16, tempfile::TempDir) {
    let root = common::site();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let options = Options {
        root: root.path().join("dist"),
        allowed_hosts: Vec::new(),
        tls: None,
        relay_dir: root.path().join("relay"),
        limits,
    };
    std::thread::spawn(move || http::serve(listener, options));
    (port, root)
}

/// The status line of `GET /index.htm`.
fn get_status(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /index.htm HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.lines().next().unwrap_or_default().to_owned()
}

/// Reads the socket's raw bytes, answering nothing (not even pings), until
/// the server closes it; how long that took, or `None` within `patience`.
fn closed_within(socket: &mut Client, patience: Duration) -> Option<Duration> {
    let started = Instant::now();
    let stream = socket.get_mut();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < patience {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

/// Reads (so answering pings) for `how_long`, failing if the socket closes.
fn stays_open(socket: &mut Client, how_long: Duration) {
    socket
        .get_mut()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let until = Instant::now() + how_long;
    while Instant::now() < until {
        match socket.read() {
            Ok(Message::Close(_)) => panic!("the server closed a socket that answers pings"),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("the socket failed: {e}"),
        }
    }
    socket
        .get_mut()
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
}

#[test]
fn open_websockets_keep_their_connection_places() {
    let (port, _root) = serve(Limits {
        connections: 4,
        ..Limits::default()
    });
    let me = Ipv4Addr::LOCALHOST;
    let mut sockets: Vec<Client> = (0..4)
        .map(|n| {
            open(
                me,
                port,
                if n % 2 == 0 { "/announce" } else { "/relay" },
                None,
            )
            .unwrap_or_else(|e| panic!("socket {n}: {e}"))
        })
        .collect();
    assert!(
        get_status(port).contains(" 503 "),
        "four open WebSockets hold the four connection places"
    );
    drop(sockets.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !get_status(port).contains(" 200 ") {
        assert!(
            Instant::now() < deadline,
            "a closed WebSocket's place never came back"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_relay_socket_that_answers_no_ping_is_closed_and_a_quiet_subscription_stays() {
    let silence = Duration::from_millis(1500);
    let (port, _root) = serve(Limits {
        ping_every: Duration::from_millis(250),
        relay_silence: silence,
        ..Limits::default()
    });
    let me = Ipv4Addr::LOCALHOST;
    // A page's mailbox subscription: quiet, but its client answers pings.
    let mut page = open(me, port, "/relay", None).unwrap();
    send(
        &mut page,
        json!(["REQ", "profile", {"kinds": [30078], "authors": ["00".repeat(32)]}]),
    );
    assert_eq!(receive(&mut page)[0], "EOSE");
    let mut dead = open(me, port, "/relay", None).unwrap();
    // The page keeps answering pings while the dead socket is watched.
    let gone = std::thread::scope(|scope| {
        let watched = scope.spawn(|| closed_within(&mut dead, Duration::from_secs(20)));
        while !watched.is_finished() {
            stays_open(&mut page, Duration::from_millis(200));
        }
        watched.join().unwrap()
    })
    .expect("a relay socket that never answered was kept");
    assert!(gone >= silence, "closed after {gone:?}");
    stays_open(&mut page, 2 * silence);
    send(&mut page, json!(["REQ", "again", {"kinds": [5]}]));
    assert_eq!(receive(&mut page)[0], "EOSE");
}

#[test]
fn a_tracker_socket_that_never_announces_is_closed() {
    let idle = Duration::from_millis(1500);
    let (port, _root) = serve(Limits {
        ping_every: Duration::from_millis(250),
        tracker_idle: idle,
        ..Limits::default()
    });
    let me = Ipv4Addr::LOCALHOST;
    let announce = json!({"action": "announce", "info_hash": "0123456789abcdef0123",
        "peer_id": "aaaaaaaaaaaaaaaaaaaa", "numwant": 1, "offers": []});
    let mut page = open(me, port, "/announce", None).unwrap();
    let mut idler = open(me, port, "/announce", None).unwrap();
    idler
        .get_mut()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let mut announced = Instant::now() - idle;
    let closed = loop {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "a socket that never announced was kept"
        );
        // The page announces every half idle period; the idler only answers pings.
        if announced.elapsed() > idle / 2 {
            send(&mut page, announce.clone());
            assert_eq!(receive(&mut page)["action"], "announce");
            announced = Instant::now();
        }
        match idler.read() {
            Ok(Message::Close(_)) | Err(tungstenite::Error::ConnectionClosed) => {
                break started.elapsed();
            }
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Ok(_) => {}
            Err(_) => break started.elapsed(),
        }
    };
    assert!(closed >= idle, "closed after {closed:?}");
    send(&mut page, announce);
    assert_eq!(
        receive(&mut page)["action"],
        "announce",
        "the announcing page stays"
    );
}
