//! Who may open `builder serve`'s WebSockets (the relay at /relay, the
//! tracker at /announce), and how many: a web page of another site is
//! refused by its `Origin`; one address holds a bounded number of sockets
//! per endpoint, while other addresses still connect.

mod common;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use common::{open, refusal_status, site, start};

const PATHS: [&str; 2] = ["/relay", "/announce"];

#[test]
fn pages_of_other_sites_cannot_open_the_relay_or_the_tracker() {
    let root = site();
    let server = start(root.path(), &["--allow-host", "laptop.lan"]);
    let me = Ipv4Addr::LOCALHOST;
    let served_here = format!("http://127.0.0.1:{}", server.port);
    for path in PATHS {
        for origin in [
            "https://evil.example",
            "http://evil.example:9000",
            "http://localhost.evil.example",
            // A site served from a public address is not a LAN page.
            "http://203.0.113.7",
            "https://[2001:db8::1]:9000",
            "chrome-extension://abcdefghijklmnop",
            "http://127.0.0.1:9000/path",
            "not an origin",
        ] {
            assert_eq!(
                refusal_status(open(me, server.port, path, Some(origin))),
                Some(403),
                "{path} from {origin}"
            );
        }
        for origin in [
            None,
            Some(served_here.as_str()),
            Some("http://localhost:9000"),
            Some("https://192.168.1.20:9000"),
            Some("http://[fd00::2]:9000"),
            Some("http://laptop.lan:9000"),
            // A page opened from disk (and, indistinguishably, a sandboxed
            // frame): see docs/decisions.md.
            Some("null"),
        ] {
            assert!(
                open(me, server.port, path, origin).is_ok(),
                "{path} from {origin:?}"
            );
        }
    }
}

#[test]
fn one_address_holds_a_bounded_number_of_sockets_per_endpoint() {
    let root = site();
    let server = start(root.path(), &[]);
    let crowded = Ipv4Addr::new(127, 0, 0, 2);
    let cap = builder::cmd::serve::limits::Limits::default().sockets_per_client;
    for path in PATHS {
        let mut held: Vec<_> = (0..cap)
            .map(|n| {
                open(crowded, server.port, path, None)
                    .unwrap_or_else(|e| panic!("{path} socket {n}: {e}"))
            })
            .collect();
        assert_eq!(
            refusal_status(open(crowded, server.port, path, None)),
            Some(503),
            "{path}: socket {} from one address",
            cap + 1
        );
        // Another machine still connects, and so do pages opened from disk
        // on the crowded one (counted apart: see docs/decisions.md).
        assert!(open(Ipv4Addr::new(127, 0, 0, 3), server.port, path, None).is_ok());
        assert!(open(crowded, server.port, path, Some("null")).is_ok());
        // A socket that closes gives its place back.
        drop(held.pop());
        let deadline = Instant::now() + Duration::from_secs(10);
        while open(crowded, server.port, path, None).is_err() {
            assert!(
                Instant::now() < deadline,
                "{path}: the closed socket's place never came back"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
