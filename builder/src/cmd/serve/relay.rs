//! `builder serve`'s mailbox relay: rust-nostr's maintained relay library
//! (`nostr-relay-builder`) over its LMDB store (`nostr-lmdb`), kept in the
//! data directory so that a restart loses no stored mail.
//!
//! It is a mailbox relay, not a general one: it stores only what Trustero
//! publishes (gift wraps, kind 1059, each for one recipient and expiring,
//! their NIP-09 deletions, and the roaming profile's records: kind 30078
//! under an opaque 64-hex-digit `d`) and, with NIP-42 "auth for DMs",
//! hands a wrap only to the connection that proved it holds the recipient's
//! mailbox key — someone on the LAN who learnt a mailbox address can neither
//! read the wraps waiting there nor use the server as a free store.
//!
//! The HTTP side (the upgrade on [`super::http::RELAY_PATH`], the NIP-11
//! document) is in `http.rs`; this module owns the relay and its policy.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use nostr_lmdb::NostrLMDB;
use nostr_relay_builder::prelude::{
    BoxedFuture, Event, Filter, Kind, NostrDatabase, PolicyResult, RateLimit, Timestamp,
    WritePolicy,
};
use nostr_relay_builder::{LocalRelay, RelayBuilder};
use tokio::io::{AsyncRead, AsyncWrite};

/// Longest mailbox any page may ask for (Settings → "Mail on relays": 1–60
/// days), plus the two days wraps' `created_at` may lie in the past, plus a
/// day of clock skew. A wrap may not ask to be kept longer than this.
pub const MAX_RETENTION: Duration = Duration::from_secs((60 + 2 + 1) * 24 * 3600);
/// Largest event content kept (a 32 KiB fragment, sealed and base64'd, is
/// about 44 KiB; more is not Trustero's).
pub const MAX_CONTENT: usize = 64 * 1024;
/// Largest message the relay says it accepts (NIP-11 `max_message_length`).
pub const MAX_MESSAGE: usize = 96 * 1024;
/// Relay connections at once. The library takes the raw upgraded stream, so
/// one WebSocket message cannot be bounded below tungstenite's default
/// (64 MiB); bounding the number of connections bounds the memory instead.
/// Events over [`MAX_CONTENT`] are refused once read.
pub const MAX_CONNECTIONS: usize = 128;
/// Subscriptions per connection (the page uses one).
pub const MAX_SUBSCRIPTIONS: usize = 20;
/// Events one connection may publish per minute: a catch-up after a long
/// absence, or a 256 KiB file in fragments, stays well under it.
const EVENTS_PER_MINUTE: u32 = 600;
/// The roaming profile's addressable records (NIP-78 application data).
pub const PROFILE_KIND: u16 = 30078;
/// How often wraps past [`MAX_RETENTION`] are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// The relay with its store.
#[derive(Debug, Clone)]
pub struct MailboxRelay {
    relay: LocalRelay,
    database: Arc<NostrLMDB>,
}

impl MailboxRelay {
    /// Opens (or creates) the store in `dir` and starts the relay and its sweeper.
    /// Must be called inside the Tokio runtime.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "creating the mailbox relay's directory {}: pass --data-dir to use another",
                dir.display()
            )
        })?;
        let database = Arc::new(
            NostrLMDB::open(dir)
                .with_context(|| format!("opening the mailbox store in {}", dir.display()))?,
        );
        let builder = RelayBuilder::default()
            .database(Arc::clone(&database))
            .rate_limit(RateLimit {
                max_reqs: MAX_SUBSCRIPTIONS,
                notes_per_minute: EVENTS_PER_MINUTE,
            })
            .max_connections(MAX_CONNECTIONS)
            .auth_dm(true)
            .write_policy(MailboxOnly);
        let relay = LocalRelay::new(builder);
        // The sweeper lives as long as the store does.
        let sweeper = Arc::downgrade(&database);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            loop {
                every.tick().await;
                let Some(database) = sweeper.upgrade() else {
                    return;
                };
                if let Err(e) = sweep(database.as_ref(), Timestamp::now()).await {
                    eprintln!("builder serve: sweeping old mail failed: {e}");
                }
            }
        });
        Ok(Self { relay, database })
    }

    /// Serves one WebSocket connection that HTTP already upgraded.
    pub async fn take<S>(&self, stream: S, peer: SocketAddr)
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        // A malformed message ends that client's connection; nothing else.
        let _ = self.relay.take_connection(stream, peer).await;
    }

    /// The store (for tests).
    pub fn database(&self) -> &NostrLMDB {
        &self.database
    }
}

/// Removes every wrap and deletion older than [`MAX_RETENTION`]: none may
/// still be wanted, as [`MailboxOnly`] refuses wraps that ask to be kept
/// longer. Profile records stay: each is the latest of its `d`.
pub async fn sweep(database: &NostrLMDB, now: Timestamp) -> Result<()> {
    let cutoff = Timestamp::from_secs(now.as_secs().saturating_sub(MAX_RETENTION.as_secs()));
    database
        .delete(
            Filter::new()
                .kinds([Kind::GiftWrap, Kind::EventDeletion])
                .until(cutoff),
        )
        .await
        .context("deleting expired mail")
}

/// The NIP-11 relay information document.
pub fn information_document() -> serde_json::Value {
    serde_json::json!({
        "name": "builder serve mailbox",
        "description": "Trustero's mailbox relay on this server: keeps only gift wraps (kind 1059), their deletions and profile records (kind 30078); wraps are handed only to their recipient (NIP-42).",
        "supported_nips": [1, 9, 11, 40, 42, 59, 78],
        "software": "https://crates.io/crates/nostr-relay-builder",
        "version": "0.44.1",
        "limitation": {
            "max_message_length": MAX_MESSAGE,
            "max_subscriptions": MAX_SUBSCRIPTIONS,
            "max_content_length": MAX_CONTENT,
            "auth_required": false,
            "restricted_writes": true,
        },
        "retention": [{ "kinds": [1059], "time": MAX_RETENTION.as_secs() }],
    })
}

/// Why a mailbox relay refuses an event, or `None` when it keeps it.
pub fn refusal(event: &Event, now: Timestamp) -> Option<String> {
    if event.content.len() > MAX_CONTENT {
        return Some(format!(
            "invalid: content over {MAX_CONTENT} bytes is not mailbox mail"
        ));
    }
    if event.kind == Kind::EventDeletion {
        return None;
    }
    if event.kind == Kind::Custom(PROFILE_KIND) {
        let d = event.tags.identifier().unwrap_or_default();
        let opaque = d.len() == 64 && d.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        return (!opaque).then(|| "invalid: a profile record's d tag is 64 hex digits".into());
    }
    if event.kind != Kind::GiftWrap {
        return Some("blocked: this relay keeps only Trustero's mailbox wraps (kind 1059), their deletions (kind 5) and profile records (kind 30078)".into());
    }
    let recipients = event.tags.public_keys().count();
    if recipients != 1 {
        return Some(format!(
            "invalid: a wrap names exactly one recipient, this one names {recipients}"
        ));
    }
    let Some(expiration) = event.tags.expiration() else {
        return Some("invalid: a wrap must carry a NIP-40 expiration".into());
    };
    if expiration.as_secs() > now.as_secs() + MAX_RETENTION.as_secs() {
        return Some(format!(
            "invalid: this relay keeps mail at most {} days",
            MAX_RETENTION.as_secs() / 86_400
        ));
    }
    if event.is_expired_at(&now) {
        return Some("invalid: this wrap has already expired".into());
    }
    None
}

/// The write policy: only [`refusal`]-free events are stored.
#[derive(Debug)]
struct MailboxOnly;

impl WritePolicy for MailboxOnly {
    fn admit_event<'a>(
        &'a self,
        event: &'a Event,
        _addr: &'a SocketAddr,
    ) -> BoxedFuture<'a, PolicyResult> {
        Box::pin(async move {
            match refusal(event, Timestamp::now()) {
                None => PolicyResult::Accept,
                Some(reason) => PolicyResult::Reject(reason),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nostr_relay_builder::prelude::{EventBuilder, Keys, Tag, TagKind};

    fn wrap(keys: &Keys, tags: Vec<Tag>, content: &str, kind: Kind) -> Event {
        EventBuilder::new(kind, content)
            .tags(tags)
            .sign_with_keys(keys)
            .expect("signing")
    }

    fn recipient() -> Tag {
        Tag::public_key(Keys::generate().public_key())
    }

    fn expires_in(now: Timestamp, seconds: u64) -> Tag {
        Tag::expiration(Timestamp::from_secs(now.as_secs() + seconds))
    }

    #[test]
    fn a_mailbox_wrap_for_one_recipient_that_expires_is_kept() {
        let now = Timestamp::now();
        let event = wrap(
            &Keys::generate(),
            vec![recipient(), expires_in(now, 14 * 86_400)],
            "sealed",
            Kind::GiftWrap,
        );
        assert_eq!(refusal(&event, now), None);
    }

    #[test]
    fn deletions_are_kept_so_that_wraps_can_be_deleted() {
        let now = Timestamp::now();
        let event = wrap(
            &Keys::generate(),
            vec![Tag::custom(TagKind::e(), ["00".repeat(32)])],
            "",
            Kind::EventDeletion,
        );
        assert_eq!(refusal(&event, now), None);
    }

    #[test]
    fn profile_records_are_kept_under_an_opaque_d_only() {
        let now = Timestamp::now();
        let keys = Keys::generate();
        let record = |d: &str| {
            wrap(
                &keys,
                vec![Tag::identifier(d)],
                "sealed",
                Kind::Custom(PROFILE_KIND),
            )
        };
        assert_eq!(refusal(&record(&"ab".repeat(32)), now), None);
        assert!(refusal(&record("contacts"), now).is_some());
        let untagged = wrap(&keys, vec![], "x", Kind::Custom(PROFILE_KIND));
        assert!(refusal(&untagged, now).is_some());
    }

    #[test]
    fn anything_but_mailbox_mail_is_refused_with_a_reason() {
        let now = Timestamp::now();
        let keys = Keys::generate();
        let note = wrap(&keys, vec![], "hello world", Kind::TextNote);
        assert!(refusal(&note, now).unwrap().starts_with("blocked:"));
        let forever = wrap(&keys, vec![recipient()], "x", Kind::GiftWrap);
        assert!(refusal(&forever, now).unwrap().contains("expiration"));
        let too_long = wrap(
            &keys,
            vec![recipient(), expires_in(now, 90 * 86_400)],
            "x",
            Kind::GiftWrap,
        );
        assert!(refusal(&too_long, now).unwrap().contains("at most 63 days"));
        let broadcast = wrap(
            &keys,
            vec![recipient(), recipient(), expires_in(now, 60)],
            "x",
            Kind::GiftWrap,
        );
        assert!(refusal(&broadcast, now).unwrap().contains("names 2"));
        let huge = wrap(
            &keys,
            vec![recipient(), expires_in(now, 60)],
            &"a".repeat(MAX_CONTENT + 1),
            Kind::GiftWrap,
        );
        assert!(refusal(&huge, now).unwrap().contains("content over"));
        let past = Timestamp::from_secs(now.as_secs() + 10);
        let expired = wrap(
            &keys,
            vec![recipient(), expires_in(now, 5)],
            "x",
            Kind::GiftWrap,
        );
        assert!(refusal(&expired, past).unwrap().contains("expired"));
    }

    #[test]
    fn the_information_document_states_the_limits_enforced() {
        let doc = information_document();
        assert_eq!(doc["limitation"]["max_message_length"], MAX_MESSAGE);
        assert_eq!(doc["limitation"]["max_content_length"], MAX_CONTENT);
        let nips = doc["supported_nips"].as_array().unwrap();
        for nip in [9, 11, 40, 42, 59] {
            assert!(nips.contains(&serde_json::json!(nip)), "NIP-{nip}");
        }
    }

    #[tokio::test]
    async fn stored_mail_survives_a_reopen_and_old_mail_is_swept() {
        let dir = tempfile::tempdir().unwrap();
        let keys = Keys::generate();
        let now = Timestamp::now();
        let fresh = wrap(
            &keys,
            vec![recipient(), expires_in(now, 86_400)],
            "fresh",
            Kind::GiftWrap,
        );
        let old = EventBuilder::new(Kind::GiftWrap, "old")
            .tags([recipient(), expires_in(now, 60)])
            .custom_created_at(Timestamp::from_secs(
                now.as_secs() - MAX_RETENTION.as_secs() - 10,
            ))
            .sign_with_keys(&keys)
            .unwrap();
        {
            let relay = MailboxRelay::open(dir.path()).unwrap();
            for event in [&fresh, &old] {
                let status = relay.database().save_event(event).await.unwrap();
                assert!(status.is_success(), "{status:?}");
            }
        }
        // Each open also starts a sweeper whose first round runs at once, so
        // the old wrap may already be gone here: only the fresh one is
        // asserted before the explicit sweep.
        let reopened = MailboxRelay::open(dir.path()).unwrap();
        let fresh_only = Filter::new().id(fresh.id);
        assert_eq!(reopened.database().count(fresh_only).await.unwrap(), 1);
        sweep(reopened.database(), now).await.unwrap();
        let left = reopened
            .database()
            .query(Filter::new().kind(Kind::GiftWrap))
            .await
            .unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left.first().unwrap().content, "fresh");
    }
}
