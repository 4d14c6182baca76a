//! The mailbox relay's gate: `builder serve` terminates each client's
//! WebSocket itself (bounded messages, pings, a silence limit) and speaks to
//! the relay library over an in-memory stream, passing every message
//! through [`Gate`] both ways.
//!
//! Why: the library (`nostr-relay-builder` 0.44 with "auth for DMs")
//! demands NIP-42 only of a REQ whose filter names kind 1059. A REQ without
//! `kinds`, a `limit` alone, COUNT, NEG-OPEN (negentropy lists the ids it
//! holds) and the live feed of such a subscription all handed out or
//! counted anyone's wraps (`builder/tests/relay_attacks.rs`). The gate
//! therefore:
//! - refuses COUNT and NEG-* (this relay offers neither);
//! - refuses any REQ filter that may match a wrap (one without `kinds`
//!   counts) unless it is for exactly `#p` = the key this connection
//!   authenticated with — before authentication, a filter that names kind
//!   1059 and one `#p` goes on, so that the library answers with its AUTH
//!   challenge;
//! - caps every filter's `limit` at [`MAX_LIMIT`];
//! - never passes a wrap to a client that did not authenticate as its one
//!   recipient, whatever the library sends (defence in depth);
//! - answers messages over the client's rate with `rate-limited:`.
//!
//! Authentication is followed, not performed: the gate notes the relay's
//! AUTH challenges, the client's AUTH event answering one of them, and the
//! relay's `OK true` for that event.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use nostr_relay_builder::prelude::{
    Alphabet, ClientMessage, Event, EventId, Filter, JsonUtil, Kind, PublicKey, RelayMessage,
    SingleLetterTag, SubscriptionId,
};
use serde_json::Value;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as Upstream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::limits::{Client, Limits, RateLimiter, SocketPlaces};
use super::relay::{MAX_MESSAGE, MailboxRelay};

/// Most events one filter returns (a larger `limit` is lowered to it).
pub const MAX_LIMIT: usize = 500;
/// Challenges (and AUTH events awaiting the relay's answer) remembered per
/// connection; the oldest is forgotten first.
const CHALLENGES_KEPT: usize = 16;
/// A client that does not take a message within this long is disconnected.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// The in-memory stream's buffer each way (one message may be larger: it
/// then goes through in parts).
const PIPE_BUFFER: usize = 256 * 1024;

const REFUSED_WRAPS: &str = "restricted: wraps (kind 1059) are served only to their recipient: authenticate (NIP-42) and ask with \"kinds\": [1059] and \"#p\": [the key you authenticated with]";
const REFUSED_COUNT: &str = "restricted: this mailbox relay does not count events";
const REFUSED_NEGENTROPY: &str =
    "blocked: this mailbox relay does not offer negentropy sync (NIP-77)";
const RATE_LIMITED: &str =
    "rate-limited: too many messages from your address, try again in a few seconds";

/// What the gate does with a client's message.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Pass this text on to the relay.
    Forward(String),
    /// Keep it from the relay; answer the client with these messages.
    Answer(Vec<String>),
}

/// One connection's view of its NIP-42 authentication.
#[derive(Debug, Default)]
pub struct Gate {
    /// Challenges the relay sent on this connection.
    challenges: VecDeque<String>,
    /// AUTH events the client sent for one of them, by id, with their author.
    pending: VecDeque<(EventId, PublicKey)>,
    /// The key the relay last accepted an AUTH of (as the library, one at a time).
    authenticated: Option<PublicKey>,
}

fn closed(subscription_id: &SubscriptionId, reason: &str) -> String {
    RelayMessage::closed(subscription_id.clone(), reason).as_json()
}

fn notice(reason: &str) -> String {
    RelayMessage::notice(reason).as_json()
}

fn negentropy_error(subscription_id: &SubscriptionId, reason: &str) -> String {
    RelayMessage::NegErr {
        subscription_id: Cow::Borrowed(subscription_id),
        message: Cow::Borrowed(reason),
    }
    .as_json()
}

/// Keeps at most [`CHALLENGES_KEPT`] items, forgetting the oldest.
fn remember<T>(list: &mut VecDeque<T>, item: T) {
    if list.len() >= CHALLENGES_KEPT {
        list.pop_front();
    }
    list.push_back(item);
}

impl Gate {
    /// The key this connection authenticated with, if any.
    pub fn authenticated(&self) -> Option<PublicKey> {
        self.authenticated
    }

    /// Judges one message of the client; `within_rate` is false when the
    /// client is over its rate (then only CLOSE goes on).
    pub fn from_client(&mut self, text: &str, within_rate: bool) -> Verdict {
        let message = match ClientMessage::from_json(text) {
            Ok(message) => message,
            // The library would end the connection on it: say why instead.
            Err(e) => return Verdict::Answer(vec![notice(&format!("invalid: {e}"))]),
        };
        if !within_rate {
            return match message {
                ClientMessage::Close(_) => Verdict::Forward(text.to_owned()),
                ClientMessage::Event(event) | ClientMessage::Auth(event) => Verdict::Answer(vec![
                    RelayMessage::ok(event.id, false, RATE_LIMITED).as_json(),
                ]),
                ClientMessage::Req {
                    subscription_id, ..
                }
                | ClientMessage::Count {
                    subscription_id, ..
                } => Verdict::Answer(vec![closed(&subscription_id, RATE_LIMITED)]),
                ClientMessage::NegOpen {
                    subscription_id, ..
                }
                | ClientMessage::NegMsg {
                    subscription_id, ..
                } => Verdict::Answer(vec![negentropy_error(&subscription_id, RATE_LIMITED)]),
                ClientMessage::NegClose { .. } => Verdict::Answer(Vec::new()),
            };
        }
        match message {
            ClientMessage::Event(_) | ClientMessage::Close(_) => Verdict::Forward(text.to_owned()),
            ClientMessage::Auth(event) => {
                self.note_auth(&event);
                Verdict::Forward(text.to_owned())
            }
            ClientMessage::Req {
                subscription_id,
                filters,
            } => self.request(&subscription_id, filters),
            ClientMessage::Count {
                subscription_id, ..
            } => Verdict::Answer(vec![closed(&subscription_id, REFUSED_COUNT)]),
            ClientMessage::NegOpen {
                subscription_id, ..
            }
            | ClientMessage::NegMsg {
                subscription_id, ..
            } => Verdict::Answer(vec![negentropy_error(&subscription_id, REFUSED_NEGENTROPY)]),
            ClientMessage::NegClose { .. } => Verdict::Answer(Vec::new()),
        }
    }

    /// An AUTH event answering a challenge of this connection is awaited:
    /// the relay's `OK true` for it authenticates its author.
    fn note_auth(&mut self, event: &Event) {
        let answers_ours = event
            .tags
            .challenge()
            .is_some_and(|challenge| self.challenges.iter().any(|c| c == challenge));
        if event.kind == Kind::Authentication && answers_ours {
            remember(&mut self.pending, (event.id, event.pubkey));
        }
    }

    fn request(&self, subscription_id: &SubscriptionId, filters: Vec<Cow<'_, Filter>>) -> Verdict {
        let mut kept = Vec::with_capacity(filters.len());
        for filter in filters {
            let mut filter = filter.into_owned();
            if !self.may_ask(&filter) {
                return Verdict::Answer(vec![closed(subscription_id, REFUSED_WRAPS)]);
            }
            filter.limit = Some(filter.limit.map_or(MAX_LIMIT, |limit| limit.min(MAX_LIMIT)));
            kept.push(filter);
        }
        Verdict::Forward(ClientMessage::req(subscription_id.clone(), kept).as_json())
    }

    /// Whether `filter` may go to the relay: it cannot match a wrap, or it
    /// asks for the authenticated key's wraps only (before authentication,
    /// a filter naming kind 1059 and one `#p` goes on to be challenged).
    fn may_ask(&self, filter: &Filter) -> bool {
        let names_wraps = filter
            .kinds
            .as_ref()
            .is_some_and(|kinds| kinds.contains(&Kind::GiftWrap));
        let may_match_wraps = filter.kinds.is_none() || names_wraps;
        if !may_match_wraps {
            return true;
        }
        let only_recipient = filter
            .generic_tags
            .get(&SingleLetterTag::lowercase(Alphabet::P))
            .filter(|values| values.len() == 1)
            .and_then(|values| values.iter().next());
        match (self.authenticated, only_recipient) {
            (Some(key), Some(recipient)) => *recipient == key.to_hex(),
            (None, Some(_)) => names_wraps,
            (_, None) => false,
        }
    }

    /// Judges one message of the relay: the text to pass to the client, or
    /// `None` to keep it back.
    pub fn from_relay(&mut self, text: &str) -> Option<String> {
        let message: Value = serde_json::from_str(text).ok()?;
        match message[0].as_str() {
            Some("AUTH") => {
                if let Some(challenge) = message[1].as_str() {
                    remember(&mut self.challenges, challenge.to_owned());
                }
            }
            Some("OK") => {
                let id = message[1].as_str().unwrap_or_default();
                let answered = self.pending.iter().position(|(e, _)| e.to_hex() == id);
                if let Some((_, key)) = answered.and_then(|at| self.pending.remove(at))
                    && message[2] == true
                {
                    self.authenticated = Some(key);
                }
            }
            Some("EVENT")
                if message[2]["kind"] == Kind::GiftWrap.as_u16()
                    && !self.may_see_wrap(&message[2]) =>
            {
                return None;
            }
            _ => {}
        }
        Some(text.to_owned())
    }

    /// Whether the wrap `event` (JSON) is for the authenticated key alone.
    fn may_see_wrap(&self, event: &Value) -> bool {
        let Some(key) = self.authenticated else {
            return false;
        };
        let key = key.to_hex();
        let recipients: Vec<&Value> = event["tags"]
            .as_array()
            .map(|tags| tags.iter().filter(|tag| tag[0] == "p").collect())
            .unwrap_or_default();
        !recipients.is_empty() && recipients.iter().all(|tag| tag[1] == key.as_str())
    }
}

/// Sends `message` to the client within [`WRITE_TIMEOUT`]; false if it could not.
async fn deliver(socket: &mut WebSocket, message: Message) -> bool {
    matches!(
        tokio::time::timeout(WRITE_TIMEOUT, socket.send(message)).await,
        Ok(Ok(()))
    )
}

/// Aborts the relay library's side of a connection when the gate's ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves one client's upgraded WebSocket through the gate until either
/// side closes, the client goes silent for longer than
/// [`Limits::relay_silence`] (pongs count: a page's browser answers the
/// pings sent every [`Limits::ping_every`]) or stops reading.
pub async fn serve(
    relay: MailboxRelay,
    mut socket: WebSocket,
    peer: SocketAddr,
    client: Client,
    rate: Arc<RateLimiter>,
    limits: Limits,
    places: SocketPlaces,
) {
    let (ours, theirs) = tokio::io::duplex(PIPE_BUFFER);
    // Its own task: the library must keep reading while the gate waits on a slow client.
    let _library = AbortOnDrop(tokio::spawn(async move { relay.take(theirs, peer).await }));
    let config = WebSocketConfig::default()
        .max_message_size(Some(4 * MAX_MESSAGE))
        .max_frame_size(Some(4 * MAX_MESSAGE));
    let mut upstream = WebSocketStream::from_raw_socket(ours, Role::Client, Some(config)).await;
    let mut gate = Gate::default();
    let mut ping = tokio::time::interval(limits.ping_every);
    ping.tick().await;
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                last_heard = Instant::now();
                let verdict = match message {
                    Message::Text(text) => gate.from_client(text.as_str(), rate.take(client)),
                    Message::Binary(_) => Verdict::Answer(vec![notice(
                        "invalid: binary messages are not part of Nostr",
                    )]),
                    Message::Ping(_) | Message::Pong(_) => continue,
                    Message::Close(_) => break,
                };
                match verdict {
                    Verdict::Forward(text) => {
                        if upstream.send(Upstream::text(text)).await.is_err() {
                            break;
                        }
                    }
                    Verdict::Answer(replies) => {
                        let mut delivered = true;
                        for reply in replies {
                            delivered = delivered && deliver(&mut socket, Message::Text(reply.into())).await;
                        }
                        if !delivered {
                            break;
                        }
                    }
                }
            }
            outgoing = upstream.next() => {
                match outgoing {
                    Some(Ok(Upstream::Text(text))) => {
                        if let Some(text) = gate.from_relay(text.as_str())
                            && !deliver(&mut socket, Message::Text(text.into())).await
                        {
                            break;
                        }
                    }
                    Some(Ok(Upstream::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => {}
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > limits.relay_silence
                    || !deliver(&mut socket, Message::Ping(Default::default())).await
                {
                    break;
                }
            }
        }
    }
    drop(places);
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr_relay_builder::prelude::{EventBuilder, Keys, RelayUrl, Tag, Timestamp};
    use serde_json::json;

    fn wrap_for(recipient: &Keys) -> Value {
        let event = EventBuilder::new(Kind::GiftWrap, "sealed")
            .tags([
                Tag::public_key(recipient.public_key()),
                Tag::expiration(Timestamp::from_secs(Timestamp::now().as_secs() + 3600)),
            ])
            .sign_with_keys(&Keys::generate())
            .unwrap();
        serde_json::from_str(&event.as_json()).unwrap()
    }

    /// Authenticates `gate` as `keys`, as the relay would: a challenge, the
    /// client's AUTH, the relay's OK.
    fn authenticate(gate: &mut Gate, keys: &Keys, accepted: bool) {
        gate.from_relay(&json!(["AUTH", "challenge-1"]).to_string())
            .unwrap();
        let auth = EventBuilder::auth(
            "challenge-1",
            RelayUrl::parse("ws://127.0.0.1:9000/relay").unwrap(),
        )
        .sign_with_keys(keys)
        .unwrap();
        let text = json!([
            "AUTH",
            serde_json::from_str::<Value>(&auth.as_json()).unwrap()
        ])
        .to_string();
        assert_eq!(
            gate.from_client(&text, true),
            Verdict::Forward(text.clone())
        );
        gate.from_relay(&json!(["OK", auth.id.to_hex(), accepted, ""]).to_string())
            .unwrap();
    }

    fn forwarded(verdict: Verdict) -> Value {
        match verdict {
            Verdict::Forward(text) => serde_json::from_str(&text).unwrap(),
            Verdict::Answer(answers) => panic!("refused: {answers:?}"),
        }
    }

    fn refused(verdict: Verdict) -> Vec<Value> {
        match verdict {
            Verdict::Forward(text) => panic!("forwarded: {text}"),
            Verdict::Answer(answers) => answers
                .iter()
                .map(|a| serde_json::from_str(a).unwrap())
                .collect(),
        }
    }

    #[test]
    fn filters_that_may_match_wraps_need_the_authenticated_recipient() {
        let me = Keys::generate();
        let mine = me.public_key().to_hex();
        let someone = Keys::generate().public_key().to_hex();
        let mut gate = Gate::default();
        for filter in [
            json!({}),
            json!({"limit": 5}),
            json!({"#p": [mine]}),
            json!({"kinds": [1, 1059]}),
            json!({"ids": ["00".repeat(32)]}),
        ] {
            let answer = refused(gate.from_client(&json!(["REQ", "s", filter]).to_string(), true));
            assert_eq!(answer[0][0], "CLOSED", "{filter}");
            assert!(answer[0][2].as_str().unwrap().starts_with("restricted:"));
        }
        // Before authentication, a proper mailbox filter goes on to be challenged.
        forwarded(gate.from_client(
            &json!(["REQ", "s", {"kinds": [1059], "#p": [mine]}]).to_string(),
            true,
        ));
        // Filters that cannot match a wrap go on.
        forwarded(gate.from_client(
            &json!(["REQ", "s", {"kinds": [30078], "authors": [mine]}]).to_string(),
            true,
        ));
        authenticate(&mut gate, &me, true);
        assert_eq!(gate.authenticated(), Some(me.public_key()));
        forwarded(gate.from_client(
            &json!(["REQ", "s", {"kinds": [1059], "#p": [mine]}]).to_string(),
            true,
        ));
        forwarded(gate.from_client(&json!(["REQ", "s", {"#p": [mine]}]).to_string(), true));
        for filter in [
            json!({"kinds": [1059], "#p": [someone]}),
            json!({"kinds": [1059], "#p": [mine, someone]}),
            json!({"kinds": [1059]}),
            json!({}),
        ] {
            refused(gate.from_client(&json!(["REQ", "s", filter]).to_string(), true));
        }
    }

    #[test]
    fn an_auth_refused_or_for_another_challenge_authenticates_no_one() {
        let mut gate = Gate::default();
        authenticate(&mut gate, &Keys::generate(), false);
        assert_eq!(gate.authenticated(), None);
        // An AUTH for a challenge this connection never got is not followed.
        let keys = Keys::generate();
        let auth = EventBuilder::auth(
            "someone else's",
            RelayUrl::parse("ws://127.0.0.1:9000/relay").unwrap(),
        )
        .sign_with_keys(&keys)
        .unwrap();
        gate.from_client(
            &json!([
                "AUTH",
                serde_json::from_str::<Value>(&auth.as_json()).unwrap()
            ])
            .to_string(),
            true,
        );
        gate.from_relay(&json!(["OK", auth.id.to_hex(), true, ""]).to_string());
        assert_eq!(gate.authenticated(), None);
    }

    #[test]
    fn limits_are_capped_and_counts_and_negentropy_refused() {
        let mut gate = Gate::default();
        let request = forwarded(
            gate.from_client(
                &json!(["REQ", "s", {"kinds": [30078], "limit": 1_000_000}, {"kinds": [5]}])
                    .to_string(),
                true,
            ),
        );
        assert_eq!(request[2]["limit"], MAX_LIMIT);
        assert_eq!(request[3]["limit"], MAX_LIMIT);
        let answer =
            refused(gate.from_client(&json!(["COUNT", "c", {"kinds": [5]}]).to_string(), true));
        assert_eq!(answer[0][0], "CLOSED");
        assert_eq!(answer[0][1], "c");
        let answer = refused(gate.from_client(
            &json!(["NEG-OPEN", "n", {"kinds": [5]}, "6100000200"]).to_string(),
            true,
        ));
        assert_eq!(answer[0][0], "NEG-ERR");
        assert!(refused(gate.from_client(&json!(["NEG-CLOSE", "n"]).to_string(), true)).is_empty());
        let answer = refused(gate.from_client("[\"EVENT\", {not json", true));
        assert_eq!(answer[0][0], "NOTICE");
        assert!(answer[0][1].as_str().unwrap().starts_with("invalid:"));
    }

    #[test]
    fn over_its_rate_a_client_is_told_so_and_may_still_close() {
        let mut gate = Gate::default();
        let event = wrap_for(&Keys::generate());
        let answer = refused(gate.from_client(&json!(["EVENT", event]).to_string(), false));
        assert_eq!(answer[0][0], "OK");
        assert_eq!(answer[0][1], event["id"]);
        assert_eq!(answer[0][2], false);
        assert!(answer[0][3].as_str().unwrap().starts_with("rate-limited:"));
        let answer =
            refused(gate.from_client(&json!(["REQ", "s", {"kinds": [5]}]).to_string(), false));
        assert!(answer[0][2].as_str().unwrap().starts_with("rate-limited:"));
        forwarded(gate.from_client(&json!(["CLOSE", "s"]).to_string(), false));
    }

    #[test]
    fn wraps_reach_only_the_authenticated_recipient() {
        let me = Keys::generate();
        let mut gate = Gate::default();
        let mine = json!(["EVENT", "s", wrap_for(&me)]).to_string();
        let theirs = json!(["EVENT", "s", wrap_for(&Keys::generate())]).to_string();
        assert_eq!(gate.from_relay(&mine), None, "not authenticated yet");
        authenticate(&mut gate, &me, true);
        assert_eq!(gate.from_relay(&mine), Some(mine.clone()));
        assert_eq!(gate.from_relay(&theirs), None);
        let mut two = wrap_for(&me);
        two["tags"]
            .as_array_mut()
            .unwrap()
            .push(json!(["p", Keys::generate().public_key().to_hex()]));
        assert_eq!(
            gate.from_relay(&json!(["EVENT", "s", two]).to_string()),
            None
        );
        // Other events pass.
        let profile = json!(["EVENT", "p", {"kind": 30078, "tags": [["d", "ab"]]}]).to_string();
        assert_eq!(gate.from_relay(&profile), Some(profile.clone()));
    }
}
