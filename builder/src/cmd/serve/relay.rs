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
//! document) is in `http.rs`, and every message passes the gate in
//! `gate.rs` (the library alone hands out wraps without NIP-42 in several
//! ways); this module owns the relay, its write policy and its sweeper.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use nostr_lmdb::NostrLMDB;
use nostr_relay_builder::prelude::{
    BoxedFuture, Event, Filter, Kind, NostrDatabase, PolicyResult, RateLimit, TagKind, Timestamp,
    WritePolicy,
};
use nostr_relay_builder::{LocalRelay, RelayBuilder};
use tokio::io::{AsyncRead, AsyncWrite};

use super::gate::MAX_LIMIT;
use super::limits::Limits;

/// Longest mailbox any page may ask for (Settings → "Mail on relays": 1–60
/// days), plus the two days wraps' `created_at` may lie in the past, plus a
/// day of clock skew. A wrap may not ask to be kept longer than this.
pub const MAX_RETENTION: Duration = Duration::from_secs((60 + 2 + 1) * 24 * 3600);
/// Largest event content kept (a 32 KiB fragment, sealed and base64'd, is
/// about 44 KiB; more is not Trustero's).
pub const MAX_CONTENT: usize = 64 * 1024;
/// Largest message the relay says it accepts (NIP-11 `max_message_length`).
pub const MAX_MESSAGE: usize = 96 * 1024;
/// Subscriptions per connection (the page uses three at most).
pub const MAX_SUBSCRIPTIONS: usize = 20;
/// Most tags an event may carry (Trustero's carry two).
pub const MAX_TAGS: usize = 16;
/// Most fields in one tag, and bytes in one field.
pub const MAX_TAG_FIELDS: usize = 4;
pub const MAX_TAG_FIELD: usize = 256;
/// How far in the future an event's `created_at` may be (clock skew).
pub const MAX_FUTURE: Duration = Duration::from_secs(15 * 60);
/// The roaming profile's addressable records (NIP-78 application data).
pub const PROFILE_KIND: u16 = 30078;
/// Profile records one author may keep here: one per contact, group, device
/// and setting a long-lived identity ever had, with room to spare. They are
/// never swept (a fresh device reads its contacts from them, and a page
/// publishes a record again only when it changes).
pub const PROFILE_QUOTA: usize = 1024;
/// How often wraps past [`MAX_RETENTION`] are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// The relay with its store.
#[derive(Debug, Clone)]
pub struct MailboxRelay {
    relay: LocalRelay,
    database: Arc<NostrLMDB>,
}

impl MailboxRelay {
    /// Opens (or creates) the store in `dir` and starts the relay and its
    /// sweeper; `max_connections` is the library's own bound (the gate's
    /// come first). Must be called inside the Tokio runtime.
    pub fn open(dir: &Path, max_connections: usize) -> Result<Self> {
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
                // The gate limits each client over all its connections; the
                // library's own limit is per connection (and refills only
                // after a second without events), so it is left out of the way.
                notes_per_minute: u32::MAX,
            })
            .max_connections(max_connections)
            .max_filter_limit(MAX_LIMIT)
            .default_filter_limit(MAX_LIMIT)
            .auth_dm(true)
            .write_policy(MailboxOnly {
                database: Arc::clone(&database),
            });
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

    /// Serves one WebSocket connection already upgraded (the gate's side of
    /// an in-memory stream).
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
/// longer. Profile records stay: each is the latest of its `d`. Also
/// removes any event dated more than [`MAX_FUTURE`] ahead (kept before such
/// events were refused, they would never be swept by age).
pub async fn sweep(database: &NostrLMDB, now: Timestamp) -> Result<()> {
    let cutoff = Timestamp::from_secs(now.as_secs().saturating_sub(MAX_RETENTION.as_secs()));
    database
        .delete(
            Filter::new()
                .kinds([Kind::GiftWrap, Kind::EventDeletion])
                .until(cutoff),
        )
        .await
        .context("deleting expired mail")?;
    let future = Timestamp::from_secs(now.as_secs() + MAX_FUTURE.as_secs() + 1);
    database
        .delete(Filter::new().since(future))
        .await
        .context("deleting events dated in the future")
}

/// The NIP-11 relay information document.
pub fn information_document(limits: &Limits) -> serde_json::Value {
    serde_json::json!({
        "name": "builder serve mailbox",
        "description": format!(
            "Trustero's mailbox relay on this server: keeps only gift wraps (kind 1059), their deletions and profile records (kind 30078, at most {PROFILE_QUOTA} per author); wraps are handed only to their recipient (NIP-42); no COUNT, no negentropy; at most {} messages a minute and {} sockets per client address.",
            limits.relay_messages_per_minute, limits.sockets_per_client
        ),
        "supported_nips": [1, 9, 11, 40, 42, 59, 78],
        "software": "https://crates.io/crates/nostr-relay-builder",
        "version": "0.44.1",
        "limitation": {
            "max_message_length": MAX_MESSAGE,
            "max_subscriptions": MAX_SUBSCRIPTIONS,
            "max_limit": MAX_LIMIT,
            "default_limit": MAX_LIMIT,
            "max_event_tags": MAX_TAGS,
            "max_content_length": MAX_CONTENT,
            "created_at_upper_limit": MAX_FUTURE.as_secs(),
            "auth_required": false,
            "restricted_writes": true,
        },
        "retention": [{ "kinds": [1059], "time": MAX_RETENTION.as_secs() }],
    })
}

/// Why a mailbox relay refuses an event, or `None` when it keeps it (as
/// far as the event alone tells: see also [`MailboxOnly`]'s quota).
pub fn refusal(event: &Event, now: Timestamp) -> Option<String> {
    if event.content.len() > MAX_CONTENT {
        return Some(format!(
            "invalid: content over {MAX_CONTENT} bytes is not mailbox mail"
        ));
    }
    if event.tags.len() > MAX_TAGS {
        return Some(format!(
            "invalid: an event has at most {MAX_TAGS} tags here"
        ));
    }
    let oversized = event.tags.iter().any(|tag| {
        tag.len() > MAX_TAG_FIELDS
            || tag
                .as_slice()
                .iter()
                .any(|field| field.len() > MAX_TAG_FIELD)
    });
    if oversized {
        return Some(format!(
            "invalid: a tag has at most {MAX_TAG_FIELDS} fields of at most {MAX_TAG_FIELD} bytes here"
        ));
    }
    if event.created_at.as_secs() > now.as_secs() + MAX_FUTURE.as_secs() {
        return Some(format!(
            "invalid: created_at is more than {} minutes ahead of this server's clock (check the clock of the device that made it)",
            MAX_FUTURE.as_secs() / 60
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
    // Every `p` tag, valid key or not: a wrap is for exactly one recipient.
    let recipients = event
        .tags
        .iter()
        .filter(|tag| tag.kind() == TagKind::p())
        .count();
    if recipients != 1 || event.tags.public_keys().count() != 1 {
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

/// The write policy: only [`refusal`]-free events are stored, and an
/// author's new profile record only while it has fewer than
/// [`PROFILE_QUOTA`] (replacing one of its records is always allowed).
#[derive(Debug)]
struct MailboxOnly {
    database: Arc<NostrLMDB>,
}

impl MailboxOnly {
    async fn over_quota(&self, event: &Event) -> Option<String> {
        if event.kind != Kind::Custom(PROFILE_KIND) {
            return None;
        }
        let records = Filter::new().kind(event.kind).author(event.pubkey);
        let d = event.tags.identifier().unwrap_or_default();
        let (same_d, all) = match (
            self.database.count(records.clone().identifier(d)).await,
            self.database.count(records).await,
        ) {
            (Ok(same_d), Ok(all)) => (same_d, all),
            _ => return Some("error: could not read this author's records, try again".into()),
        };
        (same_d == 0 && all >= PROFILE_QUOTA).then(|| {
            format!(
                "an author keeps at most {PROFILE_QUOTA} profile records on this relay (records are replaced, never added, past that)"
            )
        })
    }
}

impl WritePolicy for MailboxOnly {
    fn admit_event<'a>(
        &'a self,
        event: &'a Event,
        _addr: &'a SocketAddr,
    ) -> BoxedFuture<'a, PolicyResult> {
        Box::pin(async move {
            let reason = match refusal(event, Timestamp::now()) {
                Some(reason) => Some(reason),
                None => self.over_quota(event).await,
            };
            match reason {
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
        let doc = information_document(&Limits::default());
        assert_eq!(doc["limitation"]["max_message_length"], MAX_MESSAGE);
        assert_eq!(doc["limitation"]["max_content_length"], MAX_CONTENT);
        assert_eq!(doc["limitation"]["max_limit"], MAX_LIMIT);
        assert_eq!(doc["limitation"]["max_event_tags"], MAX_TAGS);
        assert_eq!(doc["limitation"]["created_at_upper_limit"], 900);
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
            let relay = MailboxRelay::open(dir.path(), 8).unwrap();
            for event in [&fresh, &old] {
                let status = relay.database().save_event(event).await.unwrap();
                assert!(status.is_success(), "{status:?}");
            }
        }
        // Each open also starts a sweeper whose first round runs at once, so
        // the old wrap may already be gone here: only the fresh one is
        // asserted before the explicit sweep.
        let reopened = MailboxRelay::open(dir.path(), 8).unwrap();
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

    #[test]
    fn many_or_long_tags_and_far_future_dates_are_refused() {
        let now = Timestamp::now();
        let keys = Keys::generate();
        let mut tags = vec![recipient(), expires_in(now, 60)];
        tags.extend((0..MAX_TAGS - 1).map(|n| Tag::custom(TagKind::custom("x"), [n.to_string()])));
        let crowded = wrap(&keys, tags, "x", Kind::GiftWrap);
        assert!(refusal(&crowded, now).unwrap().contains("at most 16 tags"));
        let long = wrap(
            &keys,
            vec![
                recipient(),
                expires_in(now, 60),
                Tag::custom(TagKind::custom("x"), ["y".repeat(MAX_TAG_FIELD + 1)]),
            ],
            "x",
            Kind::GiftWrap,
        );
        assert!(refusal(&long, now).unwrap().contains("256 bytes"));
        let wide = wrap(
            &keys,
            vec![
                recipient(),
                expires_in(now, 60),
                Tag::custom(TagKind::custom("x"), ["a", "b", "c", "d"]),
            ],
            "x",
            Kind::GiftWrap,
        );
        assert!(refusal(&wide, now).unwrap().contains("4 fields"));
        // Year 2100, and anything past the quarter hour of skew allowed.
        for ahead in [4_102_444_800 - now.as_secs(), MAX_FUTURE.as_secs() + 1] {
            let future = EventBuilder::new(Kind::GiftWrap, "x")
                .tags([recipient(), expires_in(now, ahead + 60)])
                .custom_created_at(Timestamp::from_secs(now.as_secs() + ahead))
                .sign_with_keys(&keys)
                .unwrap();
            assert!(
                refusal(&future, now).unwrap().contains("created_at"),
                "{ahead}"
            );
        }
        let skewed = EventBuilder::new(Kind::GiftWrap, "x")
            .tags([recipient(), expires_in(now, 3600)])
            .custom_created_at(Timestamp::from_secs(now.as_secs() + MAX_FUTURE.as_secs()))
            .sign_with_keys(&keys)
            .unwrap();
        assert_eq!(refusal(&skewed, now), None);
        // A second `p` that is not even a key still names a second recipient.
        let sneaky = wrap(
            &keys,
            vec![
                recipient(),
                Tag::custom(TagKind::p(), ["not a key"]),
                expires_in(now, 60),
            ],
            "x",
            Kind::GiftWrap,
        );
        assert!(refusal(&sneaky, now).unwrap().contains("names 2"));
    }

    async fn admitted(policy: &MailboxOnly, event: &Event) -> Result<(), String> {
        let addr = SocketAddr::from(([127, 0, 0, 1], 1));
        match policy.admit_event(event, &addr).await {
            PolicyResult::Accept => Ok(()),
            PolicyResult::Reject(reason) => Err(reason),
        }
    }

    #[tokio::test]
    async fn an_author_keeps_a_bounded_number_of_profile_records() {
        let dir = tempfile::tempdir().unwrap();
        let relay = MailboxRelay::open(dir.path(), 8).unwrap();
        let author = Keys::generate();
        let record = |n: usize, at: u64| {
            EventBuilder::new(Kind::Custom(PROFILE_KIND), "sealed")
                .tags([Tag::identifier(format!("{n:064x}"))])
                .custom_created_at(Timestamp::from_secs(at))
                .sign_with_keys(&author)
                .unwrap()
        };
        let now = Timestamp::now().as_secs();
        for n in 0..PROFILE_QUOTA {
            let status = relay
                .database()
                .save_event(&record(n, now - 10))
                .await
                .unwrap();
            assert!(status.is_success(), "{status:?}");
        }
        let policy = MailboxOnly {
            database: Arc::clone(&relay.database),
        };
        let refused = admitted(&policy, &record(PROFILE_QUOTA, now))
            .await
            .unwrap_err();
        assert!(
            refused.contains("at most 1024 profile records"),
            "{refused}"
        );
        // A newer version of a record it has is fine, and so is another author.
        admitted(&policy, &record(7, now)).await.unwrap();
        let other = EventBuilder::new(Kind::Custom(PROFILE_KIND), "sealed")
            .tags([Tag::identifier("ab".repeat(32))])
            .sign_with_keys(&Keys::generate())
            .unwrap();
        admitted(&policy, &other).await.unwrap();
    }

    #[tokio::test]
    async fn events_dated_in_the_future_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let relay = MailboxRelay::open(dir.path(), 8).unwrap();
        let now = Timestamp::now();
        let keys = Keys::generate();
        let in_2100 = EventBuilder::new(Kind::GiftWrap, "from 2100")
            .tags([recipient(), expires_in(now, 4_200_000_000 - now.as_secs())])
            .custom_created_at(Timestamp::from_secs(4_102_444_800))
            .sign_with_keys(&keys)
            .unwrap();
        let profile = EventBuilder::new(Kind::Custom(PROFILE_KIND), "from 2100")
            .tags([Tag::identifier("cd".repeat(32))])
            .custom_created_at(Timestamp::from_secs(4_102_444_800))
            .sign_with_keys(&keys)
            .unwrap();
        let fresh = wrap(
            &keys,
            vec![recipient(), expires_in(now, 3600)],
            "now",
            Kind::GiftWrap,
        );
        for event in [&in_2100, &profile, &fresh] {
            assert!(
                relay
                    .database()
                    .save_event(event)
                    .await
                    .unwrap()
                    .is_success()
            );
        }
        sweep(relay.database(), now).await.unwrap();
        let left = relay.database().query(Filter::new()).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left.first().unwrap().content, "now");
    }
}
