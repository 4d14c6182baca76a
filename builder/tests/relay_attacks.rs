//! Attacks on `builder serve`'s mailbox relay by a LAN client that learnt a
//! mailbox address: every way a Nostr relay can hand out or count stored
//! events (a REQ without `kinds`, a `limit` alone, COUNT, NEG-OPEN, the live
//! feed of a stored subscription) yields no wrap unless the connection
//! authenticated (NIP-42) with the recipient's key; a request returns at most
//! 500 events; one address may publish a real burst but not a flood.

mod common;

use std::net::Ipv4Addr;
use std::time::Instant;

use common::{
    Client, authenticated_mail, event_json, next, open, publish, receive, relay, send, site, start,
    wrap_for,
};
use nostr_relay_builder::prelude::{Event, Keys};
use serde_json::{Value, json};

/// Reads until the relay has answered the request `id` (its EOSE, CLOSED,
/// COUNT, NEG-MSG or NEG-ERR, or a NOTICE), returning everything it sent
/// meanwhile; `None` if it closed the connection instead.
fn answers_to(client: &mut Client, id: &str) -> Option<Vec<Value>> {
    let mut seen = Vec::new();
    loop {
        let message = next(client)?;
        let kind = message[0].as_str().unwrap_or_default().to_owned();
        let about_id = message[1] == id;
        seen.push(message);
        if kind == "NOTICE"
            || (about_id && ["EOSE", "CLOSED", "COUNT", "NEG-MSG", "NEG-ERR"].contains(&&*kind))
        {
            return Some(seen);
        }
    }
}

/// What in `answers` gives away stored mail: a wrap, a count, a negentropy reply.
fn leaks(answers: &[Value]) -> Vec<String> {
    answers
        .iter()
        .filter(|m| {
            (m[0] == "EVENT" && m[2]["kind"] == 1059) || m[0] == "COUNT" || m[0] == "NEG-MSG"
        })
        .map(Value::to_string)
        .collect()
}

#[test]
fn unauthenticated_requests_get_no_wrap_and_no_count() {
    let root = site();
    let server = start(root.path(), &[]);
    let recipient = Keys::generate();
    let mut sender = relay(server.port);
    assert_eq!(
        publish(&mut sender, &wrap_for(&recipient, "sealed"))[2],
        true
    );

    let mut snoop = relay(server.port);
    let mut leaked = Vec::new();
    for (id, request) in [
        ("no-kinds", json!(["REQ", "no-kinds", {}])),
        ("limit-only", json!(["REQ", "limit-only", {"limit": 10}])),
        (
            "by-recipient",
            json!(["REQ", "by-recipient", {"#p": [recipient.public_key().to_hex()]}]),
        ),
        ("count", json!(["COUNT", "count", {"kinds": [1059]}])),
        ("count-all", json!(["COUNT", "count-all", {}])),
        // Negentropy (NIP-77): version 0x61, one range to infinity as an
        // empty id list; the reply lists what the relay holds.
        ("neg", json!(["NEG-OPEN", "neg", {}, "6100000200"])),
    ] {
        send(&mut snoop, request);
        let Some(answers) = answers_to(&mut snoop, id) else {
            leaked.push(format!("{id}: the relay closed the connection"));
            snoop = relay(server.port);
            continue;
        };
        leaked.extend(leaks(&answers).into_iter().map(|m| format!("{id}: {m}")));
    }
    assert!(leaked.is_empty(), "{leaked:#?}");
    // The connection still works for what it may do.
    send(
        &mut snoop,
        json!(["REQ", "profile", {"kinds": [30078], "authors": [Keys::generate().public_key().to_hex()]}]),
    );
    assert_eq!(receive(&mut snoop)[0], "EOSE");
}

#[test]
fn a_live_wrap_reaches_its_authenticated_recipient_and_no_one_else() {
    let root = site();
    let server = start(root.path(), &[]);
    let recipient = Keys::generate();
    let mut reader = relay(server.port);
    assert!(authenticated_mail(&mut reader, &recipient, server.port).is_empty());

    // Subscriptions that would match every new event, from a stranger and
    // from someone authenticated with another key.
    let mut snoops = Vec::new();
    for (n, filter) in [json!({}), json!({"limit": 1}), json!({"kinds": [1059]})]
        .into_iter()
        .enumerate()
    {
        let mut snoop = relay(server.port);
        if n == 2 {
            authenticated_mail(&mut snoop, &Keys::generate(), server.port);
        }
        send(&mut snoop, json!(["REQ", "sneak", filter]));
        let answers = answers_to(&mut snoop, "sneak").unwrap();
        assert!(leaks(&answers).is_empty(), "{answers:?}");
        snoops.push(snoop);
    }

    let mut sender = relay(server.port);
    assert_eq!(publish(&mut sender, &wrap_for(&recipient, "live"))[2], true);
    let live = receive(&mut reader);
    assert_eq!(live[0], "EVENT", "{live}");
    assert_eq!(live[2]["content"], "live");

    // Each snoop's relay session had the new wrap on its feed before the
    // recipient read it; a few more round trips give it every chance to
    // pass it on.
    for snoop in &mut snoops {
        for probe in 0..3 {
            let id = format!("probe-{probe}");
            send(
                snoop,
                json!(["REQ", id, {"kinds": [30078], "authors": [Keys::generate().public_key().to_hex()]}]),
            );
            let answers = answers_to(snoop, &id).unwrap();
            assert!(leaks(&answers).is_empty(), "{answers:?}");
        }
    }
}

/// Sends `events` on one connection without waiting, then reads their `OK`s.
fn publish_all(client: &mut Client, events: &[Event]) -> Vec<Value> {
    for event in events {
        send(client, json!(["EVENT", event_json(event)]));
    }
    events.iter().map(|_| receive(client)).collect()
}

#[test]
fn a_request_returns_at_most_500_events() {
    let root = site();
    let server = start(root.path(), &[]);
    let recipient = Keys::generate();
    let wraps: Vec<Event> = (0..600)
        .map(|n| wrap_for(&recipient, &format!("wrap {n}")))
        .collect();
    for half in wraps.chunks(300) {
        let mut sender = relay(server.port);
        let oks = publish_all(&mut sender, half);
        assert!(oks.iter().all(|ok| ok[2] == true), "{:?}", oks.first());
    }
    let mut reader = relay(server.port);
    authenticated_mail(&mut reader, &recipient, server.port);
    send(
        &mut reader,
        json!(["REQ", "huge", {"kinds": [1059], "#p": [recipient.public_key().to_hex()], "limit": 1_000_000}]),
    );
    let answers = answers_to(&mut reader, "huge").unwrap();
    let events = answers.iter().filter(|m| m[0] == "EVENT").count();
    assert_eq!(events, 500, "a limit of 10^6 is served as 500");
    // Without `kinds` and `#p`, even the recipient gets nothing.
    send(
        &mut reader,
        json!(["REQ", "everything", {"limit": 1_000_000}]),
    );
    let answers = answers_to(&mut reader, "everything").unwrap();
    assert!(leaks(&answers).is_empty(), "{} answers", answers.len());
}

#[test]
fn one_address_may_publish_a_burst_but_not_a_flood() {
    let root = site();
    let server = start(root.path(), &[]);
    let recipient = Keys::generate();
    // A 200-message burst to an offline friend, about 2 wraps each plus a
    // file's fragments and our own history: 800 wraps, most on the page's
    // connection and the rest on short-lived ones, from one address.
    let burst: Vec<Event> = (0..800)
        .map(|n| wrap_for(&recipient, &format!("burst {n}")))
        .collect();
    let laptop = Ipv4Addr::new(127, 0, 0, 2);
    let mut refused = Vec::new();
    for part in [&burst[..650], &burst[650..725], &burst[725..]] {
        let mut client = open(laptop, server.port, "/relay", None).unwrap();
        refused.extend(
            publish_all(&mut client, part)
                .into_iter()
                .filter(|ok| ok[2] != true),
        );
    }
    assert!(
        refused.is_empty(),
        "{} refused: {:?}",
        refused.len(),
        refused.first()
    );

    // A flood from another address: 2,000 events as fast as it can, over
    // four connections.
    let flood: Vec<Event> = (0..2000)
        .map(|n| wrap_for(&recipient, &format!("flood {n}")))
        .collect();
    let flooder = Ipv4Addr::new(127, 0, 0, 3);
    let started = Instant::now();
    let mut accepted = 0;
    let mut rate_limited = 0;
    for part in flood.chunks(500) {
        let mut client = open(flooder, server.port, "/relay", None).unwrap();
        for ok in publish_all(&mut client, part) {
            if ok[2] == true {
                accepted += 1;
            } else if ok[3]
                .as_str()
                .unwrap_or_default()
                .starts_with("rate-limited:")
            {
                rate_limited += 1;
            }
        }
    }
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    assert!(rate_limited > 0, "a flood of 2,000 was all accepted");
    let allowed = 1000.0 + 1000.0 * minutes + 1.0;
    assert!(
        f64::from(accepted) <= allowed,
        "{accepted} accepted in {minutes:.2} min"
    );
}

#[test]
fn a_message_over_96_kib_ends_only_its_own_connection() {
    let root = site();
    let server = start(root.path(), &[]);
    let request = |padding: usize| {
        json!(["REQ", "big", {"kinds": [30078], "authors": [Keys::generate().public_key().to_hex()],
               "search": "x".repeat(padding)}])
    };
    // Just under the bound: answered.
    let mut fits = relay(server.port);
    send(&mut fits, request(90 * 1024));
    assert_eq!(receive(&mut fits)[0], "EOSE");
    // Over it (a valid request, 200 KiB): that connection ends unanswered...
    let mut hog = relay(server.port);
    send(&mut hog, request(200 * 1024));
    assert_eq!(next(&mut hog), None, "a 200 KiB message was read");
    // ...and the others go on.
    send(&mut fits, request(10));
    assert_eq!(receive(&mut fits)[0], "EOSE");
}
