//! The WebTorrent tracker built into `builder serve` (`ws://HOST:PORT/announce`),
//! so two tabs, or several machines on a LAN, can meet with no internet.
//!
//! It speaks the protocol of the npm `bittorrent-tracker` WebSocket server:
//! - `{"action":"announce","info_hash","peer_id","offers":[{"offer","offer_id"}],...}`
//!   registers the peer in the swarm and relays each offer to a different
//!   random member, as `{"action":"announce","offer","offer_id","peer_id","info_hash"}`;
//! - `{"action":"announce","answer","offer_id","to_peer_id",...}` relays the answer
//!   to `to_peer_id` only;
//! - `"event":"stopped"` or closing the socket leaves the swarm;
//! - `{"action":"scrape","info_hash"}` reports counts.
//!
//! `info_hash`, `peer_id` and ids are 20-character strings. Offers and answers
//! are opaque to the tracker (Trustero seals them).
//!
//! Hostile clients are contained: a `peer_id` belongs to the connection that
//! first announced it until that connection closes or stops it (nobody else
//! can announce, answer or stop as it); a connection holds at most
//! [`MAX_PEER_IDS`] ids in at most [`MAX_SWARMS_PER_PEER`] swarms, and one
//! member per swarm (a page has a peer id of its own in each room: a new id
//! of the same connection in a swarm replaces its old one, so a connection
//! cannot fill a swarm with ids of its own); every size is bounded; relaying
//! never waits on the receiver: each client has its own bounded queue and its
//! own writer task, and what does not fit is dropped for that client alone;
//! and a socket that stays silent, or sends no announce for long, is closed
//! (the number of sockets, in all and per client, is bounded in `http.rs`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::limits::{Limits, SocketPlaces};

/// Largest message a client may send.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Most offers relayed per announce (as bittorrent-tracker caps `numwant`).
pub const MAX_OFFERS: usize = 10;
/// Most swarms one connection may be in.
pub const MAX_SWARMS_PER_PEER: usize = 256;
/// Most distinct peer ids one connection may hold at once (a page uses one
/// per room, each in its own swarm).
pub const MAX_PEER_IDS: usize = MAX_SWARMS_PER_PEER;
/// Most peers in one swarm.
pub const MAX_SWARM_SIZE: usize = 1000;
/// Suggested re-announce interval, seconds (bittorrent-tracker's WebSocket default).
pub const INTERVAL_SECS: u64 = 120;
/// Messages waiting for one client; beyond this, relays to it are dropped.
const OUTBOX: usize = 64;
/// A client that does not take a message within this long is disconnected.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct Member {
    connection: u64,
    outbox: mpsc::Sender<Message>,
}

/// Swarms by info_hash, then members by peer_id.
#[derive(Debug, Default)]
pub struct Tracker {
    state: Mutex<State>,
    next_connection: AtomicU64,
    limits: Limits,
}

#[derive(Debug, Default)]
struct State {
    swarms: HashMap<String, HashMap<String, Member>>,
    /// peer_id → the connection that owns it.
    owners: HashMap<String, u64>,
}

/// What one connection has registered, so closing it undoes exactly that.
#[derive(Debug, Default)]
struct Registered {
    peer_ids: HashSet<String>,
    swarms: HashSet<String>,
}

fn is_id(value: &Value) -> Option<&str> {
    value.as_str().filter(|s| s.chars().count() == 20)
}

fn failure(reason: &str) -> Value {
    json!({ "failure reason": reason })
}

fn text(value: &Value) -> Message {
    Message::Text(value.to_string().into())
}

impl Tracker {
    /// A tracker that pings and drops sockets as `limits` say.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Serves one upgraded WebSocket until it closes, stops reading, goes
    /// silent for [`Limits::tracker_silence`] (pongs count: it is pinged
    /// every [`Limits::ping_every`]) or sends no announce or scrape for
    /// [`Limits::tracker_idle`]; `places` are given back then.
    pub async fn serve(self: Arc<Self>, socket: WebSocket, places: SocketPlaces) {
        let connection = self.next_connection.fetch_add(1, Ordering::SeqCst);
        let (mut sink, mut stream) = socket.split();
        let (outbox, mut queued) = mpsc::channel::<Message>(OUTBOX);
        let writer = async move {
            while let Some(message) = queued.recv().await {
                match tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)).await {
                    Ok(Ok(())) => {}
                    _ => break,
                }
            }
        };
        let mut registered = Registered::default();
        let reader = async {
            let mut ping = tokio::time::interval(self.limits.ping_every);
            ping.tick().await;
            let mut last_heard = Instant::now();
            let mut last_message = Instant::now();
            loop {
                tokio::select! {
                    incoming = stream.next() => {
                        last_heard = Instant::now();
                        let reply = match incoming {
                            Some(Ok(Message::Text(message))) => {
                                last_message = Instant::now();
                                self.handle(message.as_str(), connection, &outbox, &mut registered)
                            }
                            Some(Ok(Message::Binary(_))) => {
                                Some(failure("binary messages are not part of the protocol"))
                            }
                            Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                            Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                        };
                        if let Some(reply) = reply
                            && outbox.send(text(&reply)).await.is_err()
                        {
                            break;
                        }
                    }
                    _ = ping.tick() => {
                        if last_heard.elapsed() > self.limits.tracker_silence
                            || last_message.elapsed() > self.limits.tracker_idle
                        {
                            break;
                        }
                        let _ = outbox.try_send(Message::Ping(Default::default()));
                    }
                }
            }
        };
        tokio::select! {
            () = reader => {}
            () = writer => {}
        }
        self.leave_all(connection, &registered);
        drop(places);
    }

    fn leave_all(&self, connection: u64, registered: &Registered) {
        let mut state = self.state();
        for info_hash in &registered.swarms {
            if let Some(swarm) = state.swarms.get_mut(info_hash) {
                swarm.retain(|_, member| member.connection != connection);
                if swarm.is_empty() {
                    state.swarms.remove(info_hash);
                }
            }
        }
        for peer_id in &registered.peer_ids {
            if state.owners.get(peer_id) == Some(&connection) {
                state.owners.remove(peer_id);
            }
        }
    }

    /// Handles one message; returns the reply to the sender, if any.
    fn handle(
        &self,
        text: &str,
        connection: u64,
        outbox: &mpsc::Sender<Message>,
        registered: &mut Registered,
    ) -> Option<Value> {
        let Ok(message) = serde_json::from_str::<Value>(text) else {
            return Some(failure("invalid JSON"));
        };
        match message["action"].as_str() {
            Some("announce") => self.announce(&message, connection, outbox, registered),
            Some("scrape") => Some(self.scrape(&message)),
            _ => Some(failure("invalid action")),
        }
    }

    fn scrape(&self, message: &Value) -> Value {
        let hashes: Vec<&Value> = match &message["info_hash"] {
            Value::Array(list) => list.iter().take(MAX_SWARMS_PER_PEER).collect(),
            single => vec![single],
        };
        let state = self.state();
        let mut files = serde_json::Map::new();
        for hash in hashes.into_iter().filter_map(is_id) {
            let count = state.swarms.get(hash).map_or(0, HashMap::len);
            files.insert(
                hash.to_owned(),
                json!({ "complete": 0, "incomplete": count, "downloaded": 0 }),
            );
        }
        json!({ "action": "scrape", "files": files })
    }

    /// Removes `peer_id` from the swarm if it is this connection's member there.
    fn remove_member(state: &mut State, info_hash: &str, peer_id: &str, connection: u64) {
        if let Some(swarm) = state.swarms.get_mut(info_hash) {
            if swarm
                .get(peer_id)
                .is_some_and(|member| member.connection == connection)
            {
                swarm.remove(peer_id);
            }
            if swarm.is_empty() {
                state.swarms.remove(info_hash);
            }
        }
    }

    /// Gives `peer_id` up once this connection has it in no swarm (a room
    /// left): a page that joins and leaves rooms for hours never runs out.
    fn release(state: &mut State, peer_id: &str, connection: u64, registered: &mut Registered) {
        let in_use = registered.swarms.iter().any(|hash| {
            state
                .swarms
                .get(hash)
                .and_then(|swarm| swarm.get(peer_id))
                .is_some_and(|member| member.connection == connection)
        });
        if !in_use && state.owners.get(peer_id) == Some(&connection) {
            state.owners.remove(peer_id);
            registered.peer_ids.remove(peer_id);
        }
    }

    /// Makes `peer_id` this connection's, unless another connection owns it
    /// or this one has too many.
    fn claim(
        state: &mut State,
        peer_id: &str,
        connection: u64,
        registered: &mut Registered,
    ) -> Result<(), Value> {
        match state.owners.get(peer_id) {
            Some(&owner) if owner == connection => Ok(()),
            Some(_) => Err(failure(
                "peer_id is in use by another connection (it is released when that connection closes)",
            )),
            None if registered.peer_ids.len() >= MAX_PEER_IDS => {
                Err(failure("too many peer ids on one connection"))
            }
            None => {
                state.owners.insert(peer_id.to_owned(), connection);
                registered.peer_ids.insert(peer_id.to_owned());
                Ok(())
            }
        }
    }

    fn announce(
        &self,
        message: &Value,
        connection: u64,
        outbox: &mpsc::Sender<Message>,
        registered: &mut Registered,
    ) -> Option<Value> {
        let Some(info_hash) = is_id(&message["info_hash"]) else {
            return Some(failure("invalid info_hash"));
        };
        let Some(peer_id) = is_id(&message["peer_id"]) else {
            return Some(failure("invalid peer_id"));
        };
        let mut state = self.state();
        if let Err(refusal) = Self::claim(&mut state, peer_id, connection, registered) {
            return Some(refusal);
        }
        if let Some(answer) = message.get("answer") {
            let Some(to_peer) = is_id(&message["to_peer_id"]) else {
                return Some(failure("invalid `to_peer_id` (required with `answer`)"));
            };
            if let Some(target) = state
                .swarms
                .get(info_hash)
                .and_then(|swarm| swarm.get(to_peer))
            {
                // Never waits: a client that does not read loses this answer alone.
                let _ = target.outbox.try_send(text(&json!({
                    "action": "announce",
                    "answer": answer,
                    "offer_id": message["offer_id"],
                    "peer_id": peer_id,
                    "info_hash": info_hash,
                })));
            }
            return None; // bittorrent-tracker does not reply to answers
        }

        if message["event"].as_str() == Some("stopped") {
            Self::remove_member(&mut state, info_hash, peer_id, connection);
            Self::release(&mut state, peer_id, connection, registered);
            // A swarm it has no member in no longer counts against the connection.
            let still_in = state
                .swarms
                .get(info_hash)
                .is_some_and(|swarm| swarm.values().any(|member| member.connection == connection));
            if !still_in {
                registered.swarms.remove(info_hash);
            }
            let count = state.swarms.get(info_hash).map_or(0, HashMap::len);
            return Some(announced(info_hash, count));
        }

        if !registered.swarms.contains(info_hash) {
            if registered.swarms.len() >= MAX_SWARMS_PER_PEER {
                return Some(failure("too many swarms on one connection"));
            }
            registered.swarms.insert(info_hash.to_owned());
        }
        // One member per connection in a swarm: a new id (the page joined the
        // room again) replaces the old one.
        let replaced: Vec<String> = state.swarms.get(info_hash).map_or_else(Vec::new, |swarm| {
            swarm
                .iter()
                .filter(|(id, member)| member.connection == connection && id.as_str() != peer_id)
                .map(|(id, _)| id.clone())
                .collect()
        });
        for old in &replaced {
            Self::remove_member(&mut state, info_hash, old, connection);
            Self::release(&mut state, old, connection, registered);
        }
        let swarm = state.swarms.entry(info_hash.to_owned()).or_default();
        if !swarm.contains_key(peer_id) && swarm.len() >= MAX_SWARM_SIZE {
            return Some(failure("swarm is full"));
        }
        swarm.insert(
            peer_id.to_owned(),
            Member {
                connection,
                outbox: outbox.clone(),
            },
        );
        let offers: &[Value] = message["offers"]
            .as_array()
            .map_or(&[], |offers| offers.as_slice());
        let mut others: Vec<&Member> = swarm
            .iter()
            .filter(|(id, _)| id.as_str() != peer_id)
            .map(|(_, member)| member)
            .collect();
        shuffle(&mut others);
        for (member, offer) in others.into_iter().zip(offers.iter().take(MAX_OFFERS)) {
            let _ = member.outbox.try_send(text(&json!({
                "action": "announce",
                "offer": offer["offer"],
                "offer_id": offer["offer_id"],
                "peer_id": peer_id,
                "info_hash": info_hash,
            })));
        }
        Some(announced(info_hash, swarm.len()))
    }
}

fn announced(info_hash: &str, count: usize) -> Value {
    json!({
        "action": "announce",
        "interval": INTERVAL_SECS,
        "info_hash": info_hash,
        "complete": 0,
        "incomplete": count,
    })
}

/// Fisher-Yates with a small xorshift seeded from the clock: offers go to
/// random members, as in bittorrent-tracker (no security role).
fn shuffle<T>(items: &mut [T]) {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mutated protocol messages (`TRUSTERO_FUZZ_ITERATIONS`, default
    /// 20,000) never panic the tracker, and whatever they register stays
    /// within the per-connection bounds.
    #[test]
    fn mutated_messages_never_panic_and_stay_bounded() {
        let seeds: Vec<Vec<u8>> = [
            r#"{"action":"announce","info_hash":"0123456789abcdef0123","peer_id":"aaaaaaaaaaaaaaaaaaaa","numwant":1,"event":"started","offers":[{"offer":{"type":"offer","sdp":"x"},"offer_id":"oooooooooooooooooooo"}]}"#,
            r#"{"action":"announce","info_hash":"0123456789abcdef0123","peer_id":"aaaaaaaaaaaaaaaaaaaa","to_peer_id":"bbbbbbbbbbbbbbbbbbbb","offer_id":"oooooooooooooooooooo","answer":{"type":"answer","sdp":"y"}}"#,
            r#"{"action":"announce","info_hash":"0123456789abcdef0123","peer_id":"aaaaaaaaaaaaaaaaaaaa","event":"stopped"}"#,
            r#"{"action":"scrape","info_hash":["0123456789abcdef0123","x"]}"#,
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        let iterations: usize = std::env::var("TRUSTERO_FUZZ_ITERATIONS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000);
        let tracker = Tracker::default();
        let (outbox, _queued) = mpsc::channel(OUTBOX);
        let mut registered = Registered::default();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..iterations {
            let mut input = seeds[(next() % seeds.len() as u64) as usize].clone();
            for _ in 0..1 + next() % 4 {
                let len = input.len().max(1);
                let at = (next() % len as u64) as usize;
                match next() % 5 {
                    0 if at < input.len() => input[at] = next() as u8,
                    1 if at < input.len() => {
                        const JSON_BYTES: &[u8] = b"\"{}[],:0123456789abcdefghijklmnopqrstuvwxyz";
                        input[at] = JSON_BYTES[(next() % JSON_BYTES.len() as u64) as usize];
                    }
                    2 => input.truncate(at),
                    3 => input.insert(at.min(input.len()), next() as u8),
                    _ => {
                        let id = format!("{:020}", next() % 1000);
                        let text =
                            String::from_utf8_lossy(&input).replace("aaaaaaaaaaaaaaaaaaaa", &id);
                        input = text.into_bytes();
                    }
                }
            }
            let text = String::from_utf8_lossy(&input);
            let _ = tracker.handle(&text, 1, &outbox, &mut registered);
            assert!(registered.peer_ids.len() <= MAX_PEER_IDS);
            assert!(registered.swarms.len() <= MAX_SWARMS_PER_PEER);
        }
        tracker.leave_all(1, &registered);
        assert!(tracker.state().owners.is_empty());
        assert!(tracker.state().swarms.is_empty());
    }
}
