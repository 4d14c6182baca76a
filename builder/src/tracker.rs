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
//! are opaque to the tracker (Trustero seals them). One client's malformed or
//! hostile input gets a `failure reason` reply and never reaches the others;
//! every size is bounded.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

/// Largest message a client may send.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Most offers relayed per announce (as bittorrent-tracker caps `numwant`).
pub const MAX_OFFERS: usize = 10;
/// Most swarms one connection may be in.
pub const MAX_SWARMS_PER_PEER: usize = 256;
/// Most peers in one swarm.
pub const MAX_SWARM_SIZE: usize = 1000;
/// Suggested re-announce interval, seconds (bittorrent-tracker's WebSocket default).
pub const INTERVAL_SECS: u64 = 120;
/// A peer that does not read its messages within this long is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Writes whole WebSocket frames to one client; shared by every thread that
/// relays to it, so frames never interleave.
#[derive(Debug, Clone)]
struct Outbox(Arc<Mutex<TcpStream>>);

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, TcpStream> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends one unmasked text frame (RFC 6455 §5.2, server to client).
    fn send_text(&self, text: &str) -> std::io::Result<()> {
        let payload = text.as_bytes();
        let mut frame = Vec::with_capacity(payload.len() + 10);
        frame.push(0x81);
        match payload.len() {
            len if len < 126 => frame.push(len as u8),
            len if len <= u16::MAX as usize => {
                frame.push(126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            len => {
                frame.push(127);
                frame.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(payload);
        let mut stream = self.lock();
        stream.write_all(&frame)?;
        stream.flush()
    }

    fn send(&self, value: &Value) -> std::io::Result<()> {
        self.send_text(&value.to_string())
    }
}

/// The reading side of a client connection; anything tungstenite writes
/// (pongs, close frames) goes through the shared [`Outbox`].
#[derive(Debug)]
struct Duplex {
    read: TcpStream,
    write: Outbox,
}

impl Read for Duplex {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.read.read(buf)
    }
}

impl Write for Duplex {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut stream = self.write.lock();
        stream.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.write.lock().flush()
    }
}

#[derive(Debug)]
struct Member {
    connection: u64,
    outbox: Outbox,
}

/// Swarms by info_hash, then members by peer_id.
#[derive(Debug, Default)]
pub struct Tracker {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    swarms: HashMap<String, HashMap<String, Member>>,
    next_connection: u64,
}

/// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`.
pub fn accept_key(client_key: &str) -> String {
    let digest = Sha1::new()
        .chain_update(client_key.trim().as_bytes())
        .chain_update(ACCEPT_GUID.as_bytes())
        .finalize();
    base64::engine::general_purpose::STANDARD.encode(digest)
}

fn is_id(value: &Value) -> Option<&str> {
    value.as_str().filter(|s| s.chars().count() == 20)
}

fn failure(reason: &str) -> Value {
    json!({ "failure reason": reason })
}

impl Tracker {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Serves one upgraded connection until it closes. `stream` has already
    /// received the `101 Switching Protocols` response.
    pub fn serve_connection(&self, stream: TcpStream) {
        let Ok(write) = stream.try_clone() else {
            return;
        };
        let _ = write.set_write_timeout(Some(WRITE_TIMEOUT));
        let outbox = Outbox(Arc::new(Mutex::new(write)));
        let connection = {
            let mut state = self.state();
            state.next_connection += 1;
            state.next_connection
        };
        let mut config = WebSocketConfig::default();
        config.max_message_size = Some(MAX_MESSAGE);
        config.max_frame_size = Some(MAX_MESSAGE);
        // Clients re-announce at least every INTERVAL_SECS; a silent peer is gone.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(INTERVAL_SECS * 3)));
        let mut socket = WebSocket::from_raw_socket(
            Duplex {
                read: stream,
                write: outbox.clone(),
            },
            Role::Server,
            Some(config),
        );
        let mut joined: Vec<String> = Vec::new();
        loop {
            match socket.read() {
                Ok(Message::Text(text)) => {
                    let reply = self.handle(text.as_str(), connection, &outbox, &mut joined);
                    if let Some(reply) = reply
                        && outbox.send(&reply).is_err()
                    {
                        break;
                    }
                }
                Ok(Message::Binary(_)) => {
                    if outbox
                        .send(&failure("binary messages are not part of the protocol"))
                        .is_err()
                    {
                        break;
                    }
                }
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        self.leave_all(connection, &joined);
    }

    fn leave_all(&self, connection: u64, joined: &[String]) {
        let mut state = self.state();
        for info_hash in joined {
            if let Some(swarm) = state.swarms.get_mut(info_hash) {
                swarm.retain(|_, member| member.connection != connection);
                if swarm.is_empty() {
                    state.swarms.remove(info_hash);
                }
            }
        }
    }

    /// Handles one message; returns the reply to the sender, if any.
    fn handle(
        &self,
        text: &str,
        connection: u64,
        outbox: &Outbox,
        joined: &mut Vec<String>,
    ) -> Option<Value> {
        let Ok(message) = serde_json::from_str::<Value>(text) else {
            return Some(failure("invalid JSON"));
        };
        match message["action"].as_str() {
            Some("announce") => self.announce(&message, connection, outbox, joined),
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

    fn announce(
        &self,
        message: &Value,
        connection: u64,
        outbox: &Outbox,
        joined: &mut Vec<String>,
    ) -> Option<Value> {
        let Some(info_hash) = is_id(&message["info_hash"]) else {
            return Some(failure("invalid info_hash"));
        };
        let Some(peer_id) = is_id(&message["peer_id"]) else {
            return Some(failure("invalid peer_id"));
        };
        if let Some(answer) = message.get("answer") {
            let Some(to_peer) = is_id(&message["to_peer_id"]) else {
                return Some(failure("invalid `to_peer_id` (required with `answer`)"));
            };
            let target = {
                let state = self.state();
                state
                    .swarms
                    .get(info_hash)
                    .and_then(|swarm| swarm.get(to_peer))
                    .map(|member| member.outbox.clone())
            };
            if let Some(target) = target {
                let _ = target.send(&json!({
                    "action": "announce",
                    "answer": answer,
                    "offer_id": message["offer_id"],
                    "peer_id": peer_id,
                    "info_hash": info_hash,
                }));
            }
            return None; // bittorrent-tracker does not reply to answers
        }

        let stopped = message["event"].as_str() == Some("stopped");
        let offers: &[Value] = message["offers"]
            .as_array()
            .map_or(&[], |offers| offers.as_slice());
        let (targets, count) = {
            let mut state = self.state();
            if stopped {
                if let Some(swarm) = state.swarms.get_mut(info_hash) {
                    swarm.remove(peer_id);
                }
                joined.retain(|hash| hash != info_hash);
                (
                    Vec::new(),
                    state.swarms.get(info_hash).map_or(0, HashMap::len),
                )
            } else {
                if !joined.iter().any(|hash| hash == info_hash) {
                    if joined.len() >= MAX_SWARMS_PER_PEER {
                        return Some(failure("too many swarms on one connection"));
                    }
                    joined.push(info_hash.to_owned());
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
                let mut others: Vec<(&String, &Member)> = swarm
                    .iter()
                    .filter(|(id, _)| id.as_str() != peer_id)
                    .collect();
                shuffle(&mut others);
                let targets: Vec<(Outbox, &Value)> = others
                    .into_iter()
                    .zip(offers.iter().take(MAX_OFFERS))
                    .map(|((_, member), offer)| (member.outbox.clone(), offer))
                    .collect();
                let count = swarm.len();
                (targets, count)
            }
        };
        for (target, offer) in targets {
            let _ = target.send(&json!({
                "action": "announce",
                "offer": offer["offer"],
                "offer_id": offer["offer_id"],
                "peer_id": peer_id,
                "info_hash": info_hash,
            }));
        }
        Some(json!({
            "action": "announce",
            "interval": INTERVAL_SECS,
            "info_hash": info_hash,
            "complete": 0,
            "incomplete": count,
        }))
    }
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

    #[test]
    fn accept_key_matches_rfc_6455_example() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
