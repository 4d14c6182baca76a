//! The mailbox: store-and-forward delivery over Nostr relays for contacts who
//! are not online together (DESIGN.md section 6, docs/mailbox.md).
//!
//! A payload (an envelope, an acknowledgement, a read receipt, a file chunk)
//! is first *sealed* by its sender with the identity key, then cut into
//! fragments of two fixed sizes, and each fragment travels in its own
//! *wrap*: a NIP-59-style kind-1059 event published by a one-time key.
//!
//! ```text
//! seal        = 0x01 ‖ sender fingerprint (32) ‖ u8(len type) ‖ type ‖ u32be(len) ‖ payload ‖ u16be(len sig) ‖ sig
//! sig         = RSA-PSS-SHA-256(sender, "trustero/mailbox-seal/v1" ‖ 0x00 ‖ recipient mailbox key (32)
//!                                       ‖ fingerprint ‖ u8(len type) ‖ type ‖ u32be(len) ‖ payload)
//! fragment    = 0x01 ‖ bundle id (16) ‖ u16be(index) ‖ u16be(count) ‖ u32be(len) ‖ data ‖ zeros
//!               padded to SMALL_FRAGMENT (one fragment) or LARGE_FRAGMENT (every fragment of a bigger seal)
//! wrap key    = first valid secp256k1 scalar of
//!               HKDF-SHA-256(ikm = mailbox secret, info = "trustero/mailbox-wrap-key/v1" ‖ nonce (16) ‖ u8(i))
//! shared      = x(wrap key · lift_x(recipient mailbox key))                         secp256k1 ECDH
//! aead key    = HKDF-SHA-256(ikm = shared, info = "trustero/mailbox-wrap/v1" ‖ wrap pubkey ‖ recipient)
//! content     = base64(0x01 ‖ aead nonce (12) ‖ AES-256-GCM(aead key, aead nonce, aad = 0x01, fragment))
//! event       = {kind 1059, pubkey = wrap pubkey, created_at, tags [["p", recipient], ["expiration", t]], content}
//! created_at  = now − jitter, jitter uniform in [0, 2 days), drawn for each fragment (never twice in one seal)
//! t           = created_at + retention + 2 days, retention one of RETENTION_DAYS (1, 7, 14, 30 days)
//! ```
//!
//! What this hides: relays see one-time keys, a recipient key only contacts
//! know, two wrap sizes, a randomised time and an expiration that adds one
//! of four global lifetimes to it (so it reveals the sender's retention
//! setting, shared with everyone who chose the same, and nothing about the
//! send time or the other fragments of the seal) — no fingerprint,
//! conversation, message id or size of the inner envelope. The
//! seal binds the recipient's mailbox key, so a seal cannot be re-addressed
//! to someone else; replaying one is harmless (every payload is idempotent:
//! messages are deduplicated by sender and id). The wrap key comes from the
//! mailbox secret and a random nonce, so the sender can later sign a NIP-09
//! deletion of its own wrap with nothing but the nonce kept in its outbox.

use base64ct::{Base64, Encoding};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::codec::{Reader, Writer};
use crate::identity::Identity;
use crate::nostr::{Event, NostrKey};
use crate::provider::{Holder, Provider, RustCrypto, block_on};
use crate::public_identity::{Fingerprint, PublicIdentity};
use crate::{Error, Result, aead, decode_hex, hex_lower, labels, random};

/// Format version of seals, fragments and wrap contents.
pub const VERSION: u8 = 1;
/// NIP-59 gift-wrap kind.
pub const WRAP_KIND: u32 = 1059;
/// NIP-09 deletion-request kind.
pub const DELETION_KIND: u32 = 5;
/// NIP-42 client authentication event kind.
pub const AUTH_KIND: u32 = 22242;
/// Longest relay URL or challenge put into an authentication event.
const MAX_AUTH_FIELD: usize = 512;
/// Padded size of a fragment when the whole seal fits in one.
pub const SMALL_FRAGMENT: usize = 4 * 1024;
/// Padded size of every fragment of a seal that does not (its wrap's content
/// is about 44 KiB of base64, within the usual relay limits of 64 KiB).
pub const LARGE_FRAGMENT: usize = 32 * 1024;
/// Fragment header: version, bundle id, index, count, length.
pub const FRAGMENT_HEADER: usize = 1 + 16 + 2 + 2 + 4;
/// Largest payload a seal carries (a 256 KiB file chunk and its frame header).
pub const MAX_PAYLOAD: usize = 260 * 1024;
/// Most fragments of one seal.
pub const MAX_FRAGMENTS: usize = 10;
/// Longest payload type name.
pub const MAX_TYPE_LEN: usize = 16;
const NONCE_LEN: usize = 16;
const DAY_S: u64 = 24 * 3600;
/// How far back a wrap's `created_at` is moved, at random (NIP-59 advises up
/// to two days), so relays cannot match a wrap to the moment it was sent.
pub const TIME_JITTER_S: u64 = 2 * DAY_S;
/// The only retentions (days mail waits on relays) a wrap may ask for. Few
/// and global, so that the one a wrap reveals (its expiration minus its
/// `created_at`) is shared by many users: a day, a week, two weeks (the
/// default, DEFAULT_RETENTION_DAYS in chat/mailbox.js), a month. The longest
/// plus the jitter (32 days) stays well within what `builder serve`'s relay
/// accepts (63 days after its own clock).
pub const RETENTION_DAYS: [u64; 4] = [1, 7, 14, 30];

/// How long mail waits on relays: one of [`RETENTION_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    days: u64,
}

impl Retention {
    /// The retention of `days`, refused unless it is one of [`RETENTION_DAYS`]
    /// (any other value would single its user out on every wrap).
    pub fn from_days(days: u64) -> Result<Self> {
        if RETENTION_DAYS.contains(&days) {
            Ok(Retention { days })
        } else {
            Err(Error::UnsupportedRetention(days))
        }
    }

    /// Its number of days.
    pub fn days(self) -> u64 {
        self.days
    }

    /// `expiration − created_at` of every wrap of this retention: the
    /// retention plus the whole jitter, so that a wrap whose `created_at`
    /// was moved back the most still lives the retention after it was sent.
    /// Being one constant, it reveals the retention and nothing else.
    pub fn lifetime_s(self) -> u64 {
        self.days * DAY_S + TIME_JITTER_S
    }
}

/// Data bytes a fragment of `size` holds.
const fn capacity(size: usize) -> usize {
    size - FRAGMENT_HEADER
}

/// A received fragment of some seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// Random id shared by the fragments of one seal.
    pub bundle: [u8; 16],
    /// Position, from 0.
    pub index: u16,
    /// How many fragments the seal has.
    pub count: u16,
    /// This fragment's bytes of the seal.
    pub data: Zeroizing<Vec<u8>>,
}

/// Cuts a seal into padded fragments sharing `bundle`.
pub fn fragments(seal: &[u8], bundle: [u8; 16]) -> Result<Vec<Zeroizing<Vec<u8>>>> {
    let size = if seal.len() <= capacity(SMALL_FRAGMENT) {
        SMALL_FRAGMENT
    } else {
        LARGE_FRAGMENT
    };
    let pieces: Vec<&[u8]> = if seal.is_empty() {
        vec![&[]]
    } else {
        seal.chunks(capacity(size)).collect()
    };
    if pieces.len() > MAX_FRAGMENTS {
        return Err(Error::TooLarge {
            what: "mailbox seal",
            limit: MAX_FRAGMENTS * capacity(LARGE_FRAGMENT),
        });
    }
    let count = u16::try_from(pieces.len()).expect("at most MAX_FRAGMENTS");
    Ok(pieces
        .iter()
        .enumerate()
        .map(|(index, data)| {
            let mut out = Writer::with_capacity(size);
            out.u8(VERSION)
                .bytes(&bundle)
                .u16(u16::try_from(index).expect("at most MAX_FRAGMENTS"))
                .u16(count)
                .u32(u32::try_from(data.len()).expect("a fragment is small"))
                .bytes(data);
            let mut bytes = Zeroizing::new(out.into_bytes());
            bytes.resize(size, 0);
            bytes
        })
        .collect())
}

/// Parses a decrypted fragment; its padding must be zeros and its size one
/// of the two fragment sizes.
pub fn parse_fragment(bytes: &[u8]) -> Result<Fragment> {
    if bytes.len() != SMALL_FRAGMENT && bytes.len() != LARGE_FRAGMENT {
        return Err(Error::Malformed("mailbox fragment size"));
    }
    let mut reader = Reader::new(bytes);
    let version = reader.u8("mailbox fragment version")?;
    if version != VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let bundle = reader.array::<16>("mailbox bundle id")?;
    let index = reader.u16("mailbox fragment index")?;
    let count = reader.u16("mailbox fragment count")?;
    let len = reader.u32("mailbox fragment length")? as usize;
    if count == 0 || usize::from(count) > MAX_FRAGMENTS || index >= count {
        return Err(Error::Malformed("mailbox fragment index or count"));
    }
    if len > capacity(bytes.len()) {
        return Err(Error::Malformed("mailbox fragment length"));
    }
    let data = reader.take(len, "mailbox fragment data")?;
    let padding = reader.take(reader.remaining(), "mailbox fragment padding")?;
    if padding.iter().any(|b| *b != 0) {
        return Err(Error::Malformed("mailbox fragment padding is not zeros"));
    }
    Ok(Fragment {
        bundle,
        index,
        count,
        data: Zeroizing::new(data.to_vec()),
    })
}

/// What a seal's sender signs.
fn signed_message(
    recipient: &[u8; 32],
    sender: &Fingerprint,
    kind: &str,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Writer::with_capacity(payload.len() + 128);
    out.bytes(labels::MAILBOX_SEAL)
        .u8(0)
        .bytes(recipient)
        .bytes(&sender.0)
        .u8(u8::try_from(kind.len()).expect("checked"))
        .bytes(kind.as_bytes())
        .u32(u32::try_from(payload.len()).expect("checked"))
        .bytes(payload);
    out.into_bytes()
}

fn check_kind(kind: &str) -> Result<()> {
    if kind.is_empty()
        || kind.len() > MAX_TYPE_LEN
        || !kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
    {
        return Err(Error::Malformed("mailbox payload type"));
    }
    Ok(())
}

/// Seals `payload` of type `kind` from `holder` to the owner of mailbox key
/// `recipient` (x-only).
pub async fn seal_with<P: Provider>(
    crypto: &P,
    holder: Holder<'_, P>,
    recipient: &[u8; 32],
    kind: &str,
    payload: &[u8],
) -> Result<Vec<u8>> {
    check_kind(kind)?;
    if payload.len() > MAX_PAYLOAD {
        return Err(Error::TooLarge {
            what: "mailbox payload",
            limit: MAX_PAYLOAD,
        });
    }
    let sender = holder.public.fingerprint();
    let signature = crypto
        .sign(
            holder.private,
            &signed_message(recipient, &sender, kind, payload),
        )
        .await?;
    let mut out = Writer::with_capacity(payload.len() + signature.len() + 64);
    out.u8(VERSION)
        .bytes(&sender.0)
        .u8(u8::try_from(kind.len()).expect("checked"))
        .bytes(kind.as_bytes())
        .u32(u32::try_from(payload.len()).expect("checked"))
        .bytes(payload)
        .u16(u16::try_from(signature.len()).map_err(|_| Error::Malformed("signature length"))?)
        .bytes(&signature);
    Ok(out.into_bytes())
}

/// [`seal_with`] natively.
pub fn seal(
    sender: &Identity,
    recipient: &[u8; 32],
    kind: &str,
    payload: &[u8],
) -> Result<Vec<u8>> {
    block_on(seal_with(
        &RustCrypto,
        sender.holder(),
        recipient,
        kind,
        payload,
    ))
}

/// The parts of a seal, before its signature is checked.
#[derive(Debug)]
pub struct SealParts<'a> {
    /// Who says they sealed it.
    pub sender: Fingerprint,
    /// Payload type.
    pub kind: &'a str,
    /// Payload.
    pub payload: &'a [u8],
    /// RSA-PSS signature.
    pub signature: &'a [u8],
}

/// Parses a seal without trusting it: the caller finds the claimed sender's
/// key and checks the signature with [`open_seal_with`].
pub fn parse_seal(seal: &[u8]) -> Result<SealParts<'_>> {
    let mut reader = Reader::new(seal);
    let version = reader.u8("mailbox seal version")?;
    if version != VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let sender = Fingerprint(reader.array::<32>("mailbox seal sender")?);
    let kind_len = usize::from(reader.u8("mailbox payload type length")?);
    let kind = core::str::from_utf8(reader.take(kind_len, "mailbox payload type")?)
        .map_err(|_| Error::Malformed("mailbox payload type"))?;
    check_kind(kind)?;
    let len = reader.u32("mailbox payload length")? as usize;
    if len > MAX_PAYLOAD {
        return Err(Error::TooLarge {
            what: "mailbox payload",
            limit: MAX_PAYLOAD,
        });
    }
    let payload = reader.take(len, "mailbox payload")?;
    let sig_len = usize::from(reader.u16("mailbox signature length")?);
    let signature = reader.take(sig_len, "mailbox signature")?;
    reader.finish("mailbox seal")?;
    Ok(SealParts {
        sender,
        kind,
        payload,
        signature,
    })
}

/// Checks that `sender` sealed `seal` for our mailbox key `recipient`;
/// returns its type and payload.
pub async fn open_seal_with<'a, P: Provider>(
    crypto: &P,
    seal: &'a [u8],
    sender: &PublicIdentity,
    recipient: &[u8; 32],
) -> Result<(&'a str, &'a [u8])> {
    let parts = parse_seal(seal)?;
    if parts.sender != sender.fingerprint() {
        return Err(Error::WrongSender);
    }
    crypto
        .verify(
            sender,
            &signed_message(recipient, &parts.sender, parts.kind, parts.payload),
            parts.signature,
        )
        .await?;
    Ok((parts.kind, parts.payload))
}

/// [`open_seal_with`] natively.
pub fn open_seal<'a>(
    seal: &'a [u8],
    sender: &PublicIdentity,
    recipient: &[u8; 32],
) -> Result<(&'a str, &'a [u8])> {
    block_on(open_seal_with(&RustCrypto, seal, sender, recipient))
}

/// A wrap ready for the relays, and the nonce its one-time key came from
/// (kept by the sender to delete the wrap once the recipient has it).
#[derive(Debug, Clone)]
pub struct Wrapped {
    /// The signed kind-1059 event.
    pub event: Event,
    /// The wrap key's nonce.
    pub nonce: [u8; NONCE_LEN],
}

/// An identity's mailbox key and what it does: address, wrap, unwrap, delete.
pub struct Mailbox {
    key: NostrKey,
    public: [u8; 32],
}

impl core::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Mailbox({})", hex_lower(&self.public))
    }
}

impl Mailbox {
    /// The mailbox of an identity's mailbox key.
    pub fn new(key: NostrKey) -> Result<Self> {
        let public = decode_hex::<32>(&key.public_hex(), "mailbox key")?;
        Ok(Mailbox { key, public })
    }

    /// The mailbox of a logged-in identity's mailbox key.
    pub fn of(identity: &Identity) -> Result<Self> {
        Self::new(NostrKey::from_bytes(
            &identity.mailbox_key().secret_bytes(),
        )?)
    }

    /// The mailbox secret, to hand from the derivation worker to the crypto
    /// worker (zeroized when dropped).
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        self.key.secret_bytes()
    }

    /// Our mailbox key (x-only public key): what contacts address mail to.
    pub fn public(&self) -> &[u8; 32] {
        &self.public
    }

    /// The one-time key of `nonce`.
    fn wrap_key(&self, nonce: &[u8; NONCE_LEN]) -> Result<NostrKey> {
        let secret = self.key.secret_bytes();
        let hkdf = Hkdf::<Sha256>::new(None, secret.as_ref());
        for attempt in 0..=u8::MAX {
            let mut okm = Zeroizing::new([0u8; 32]);
            hkdf.expand_multi_info(&[labels::MAILBOX_WRAP_KEY, nonce, &[attempt]], okm.as_mut())
                .map_err(|_| Error::Derivation("hkdf"))?;
            if let Ok(key) = NostrKey::from_bytes(&okm) {
                return Ok(key);
            }
        }
        Err(Error::Derivation("mailbox wrap key"))
    }

    /// Wraps one fragment for `recipient` with fresh randomness. Its
    /// expiration is `created_at` plus the lifetime of `retention`.
    pub fn wrap(
        &self,
        recipient: &[u8; 32],
        fragment: &[u8],
        created_at: u64,
        retention: Retention,
    ) -> Result<Wrapped> {
        self.wrap_with(
            recipient,
            fragment,
            created_at,
            retention,
            random::bytes()?,
            random::bytes()?,
        )
    }

    /// [`Mailbox::wrap`] with given nonces (known-answer vectors).
    pub fn wrap_with(
        &self,
        recipient: &[u8; 32],
        fragment: &[u8],
        created_at: u64,
        retention: Retention,
        nonce: [u8; NONCE_LEN],
        aead_nonce: [u8; aead::NONCE_LEN],
    ) -> Result<Wrapped> {
        parse_fragment(fragment)?;
        // Derived from this wrap's own created_at, never from the send time:
        // the expiration then tells a relay nothing created_at does not.
        let expiration = created_at
            .checked_add(retention.lifetime_s())
            .ok_or(Error::Malformed("mailbox wrap created_at"))?;
        let key = self.wrap_key(&nonce)?;
        let wrap_public = decode_hex::<32>(&key.public_hex(), "wrap key")?;
        let aead_key = wrap_aead_key(&*key.shared_x(recipient)?, &wrap_public, recipient)?;
        let ciphertext = aead::seal(&aead_key, &aead_nonce, &[VERSION], fragment);
        let mut body = Vec::with_capacity(1 + aead::NONCE_LEN + ciphertext.len());
        body.push(VERSION);
        body.extend_from_slice(&aead_nonce);
        body.extend_from_slice(&ciphertext);
        let tags = vec![
            vec!["p".to_string(), hex_lower(recipient)],
            vec!["expiration".to_string(), expiration.to_string()],
        ];
        let event = Event::signed(
            &key,
            created_at,
            WRAP_KIND,
            tags,
            Base64::encode_string(&body),
        )?;
        Ok(Wrapped { event, nonce })
    }

    /// Cuts `seal` into fragments and wraps each for `recipient`, sent at
    /// `now` (Unix seconds) to wait `retention` on relays. Every fragment
    /// gets its own `created_at`, `now` moved back by a random amount under
    /// [`TIME_JITTER_S`] (all different within one seal), and so its own
    /// expiration: nothing in the times links the fragments of one seal, or
    /// gives away `now`.
    pub fn wrap_seal(
        &self,
        recipient: &[u8; 32],
        seal: &[u8],
        now: u64,
        retention: Retention,
    ) -> Result<Vec<Wrapped>> {
        let pieces = fragments(seal, random::bytes()?)?;
        let mut jitters: Vec<u64> = Vec::with_capacity(pieces.len());
        let mut out = Vec::with_capacity(pieces.len());
        for fragment in &pieces {
            // Drawn again on the (rare) repeat, so that no two fragments of a
            // seal share a created_at. u64 % 172,800: a bias below 1e-14.
            let jitter = loop {
                let jitter = u64::from_be_bytes(random::bytes()?) % TIME_JITTER_S;
                if !jitters.contains(&jitter) {
                    break jitter;
                }
            };
            jitters.push(jitter);
            let created_at = now.saturating_sub(jitter);
            out.push(self.wrap(recipient, fragment, created_at, retention)?);
        }
        Ok(out)
    }

    /// Opens a wrap addressed to us: checks the event's id and signature, its
    /// kind and recipient, then decrypts and parses the fragment inside.
    pub fn unwrap(&self, event: &Event) -> Result<Fragment> {
        if event.kind != WRAP_KIND {
            return Err(Error::Malformed("not a mailbox wrap"));
        }
        if event.content.len()
            > Base64::encoded_len(&[0u8; 1 + aead::NONCE_LEN + aead::TAG_LEN + LARGE_FRAGMENT])
        {
            return Err(Error::TooLarge {
                what: "mailbox wrap",
                limit: LARGE_FRAGMENT,
            });
        }
        event.verify()?;
        if event.tag("p") != Some(hex_lower(&self.public).as_str()) {
            return Err(Error::NotARecipient);
        }
        let wrap_public = decode_hex::<32>(&event.pubkey, "wrap key")?;
        let body = Base64::decode_vec(&event.content)
            .map_err(|_| Error::Malformed("mailbox wrap is not base64"))?;
        let mut reader = Reader::new(&body);
        let version = reader.u8("mailbox wrap version")?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let aead_nonce = reader.array::<{ aead::NONCE_LEN }>("mailbox wrap nonce")?;
        let ciphertext = reader.take(reader.remaining(), "mailbox wrap ciphertext")?;
        let aead_key = wrap_aead_key(
            &*self.key.shared_x(&wrap_public)?,
            &wrap_public,
            &self.public,
        )?;
        let fragment = aead::open(&aead_key, &aead_nonce, &[VERSION], ciphertext)?;
        parse_fragment(&fragment)
    }

    /// A NIP-09 deletion request for our wrap `wrap_id`, signed by the
    /// one-time key of `nonce`.
    pub fn deletion(
        &self,
        nonce: &[u8; NONCE_LEN],
        wrap_id: &str,
        created_at: u64,
    ) -> Result<Event> {
        decode_hex::<32>(wrap_id, "wrap id")?;
        let key = self.wrap_key(nonce)?;
        let tags = vec![
            vec!["e".to_string(), wrap_id.to_string()],
            vec!["k".to_string(), WRAP_KIND.to_string()],
        ];
        Event::signed(&key, created_at, DELETION_KIND, tags, String::new())
    }

    /// A NIP-42 authentication to `relay` answering its `challenge`, signed
    /// by the mailbox key: it proves to a relay we read our mail from that
    /// this connection may read the wraps addressed to us. (Only ever sent
    /// to those relays: the mailbox key is what they already see in our
    /// subscription; elsewhere it would link our wraps to us.)
    pub fn auth(&self, relay: &str, challenge: &str, created_at: u64) -> Result<Event> {
        let plain = |text: &str| {
            !text.is_empty() && text.len() <= MAX_AUTH_FIELD && !text.chars().any(char::is_control)
        };
        if !plain(relay) || !(relay.starts_with("wss://") || relay.starts_with("ws://")) {
            return Err(Error::Malformed("relay url"));
        }
        if !plain(challenge) {
            return Err(Error::Malformed("auth challenge"));
        }
        let tags = vec![
            vec!["relay".to_string(), relay.to_string()],
            vec!["challenge".to_string(), challenge.to_string()],
        ];
        Event::signed(&self.key, created_at, AUTH_KIND, tags, String::new())
    }
}

fn wrap_aead_key(
    shared: &[u8; 32],
    wrap_public: &[u8; 32],
    recipient: &[u8; 32],
) -> Result<Zeroizing<[u8; 32]>> {
    let mut okm = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, shared)
        .expand_multi_info(
            &[labels::MAILBOX_WRAP, wrap_public, recipient],
            okm.as_mut(),
        )
        .map_err(|_| Error::Derivation("hkdf"))?;
    Ok(okm)
}

/// Reassembles the fragments of one seal, whatever order they come in.
#[derive(Debug, Default)]
pub struct Reassembly {
    parts: Vec<Option<Zeroizing<Vec<u8>>>>,
}

impl Reassembly {
    /// Adds a fragment; returns the whole seal once every fragment is in.
    /// Fragments whose count disagrees with the first one are refused.
    pub fn add(&mut self, fragment: Fragment) -> Result<Option<Vec<u8>>> {
        if self.parts.is_empty() {
            self.parts = vec![None; usize::from(fragment.count)];
        }
        if self.parts.len() != usize::from(fragment.count) {
            return Err(Error::Malformed(
                "mailbox fragment count differs within a bundle",
            ));
        }
        self.parts[usize::from(fragment.index)] = Some(fragment.data);
        if self.parts.iter().any(Option::is_none) {
            return Ok(None);
        }
        Ok(Some(
            self.parts
                .iter()
                .flatten()
                .flat_map(|p| p.iter().copied())
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(seed: u8) -> Mailbox {
        Mailbox::new(NostrKey::from_bytes(&[seed; 32]).unwrap()).unwrap()
    }

    #[test]
    fn a_wrap_opens_only_for_its_recipient() {
        let (alice, bob, carol) = (mailbox(1), mailbox(2), mailbox(3));
        let fragment = fragments(b"hello", [7; 16]).unwrap().remove(0);
        let wrapped = alice
            .wrap(
                bob.public(),
                &fragment,
                100,
                Retention::from_days(14).unwrap(),
            )
            .unwrap();
        assert_eq!(wrapped.event.kind, WRAP_KIND);
        assert_ne!(
            wrapped.event.pubkey,
            hex_lower(alice.public()),
            "never the sender's mailbox key"
        );
        let opened = bob.unwrap(&wrapped.event).unwrap();
        assert_eq!(
            (&opened.data[..], opened.index, opened.count),
            (&b"hello"[..], 0, 1)
        );
        assert!(matches!(
            carol.unwrap(&wrapped.event),
            Err(Error::NotARecipient)
        ));
        // Re-addressed to Carol by a relay: the signature no longer matches.
        let mut readdressed = wrapped.event.clone();
        readdressed.tags[0][1] = hex_lower(carol.public());
        assert!(carol.unwrap(&readdressed).is_err());
    }

    #[test]
    fn every_wrap_has_its_own_key_and_hides_the_size_of_what_it_carries() {
        let (alice, bob) = (mailbox(1), mailbox(2));
        let short = fragments(b"a", [1; 16]).unwrap().remove(0);
        let longer = fragments(&[9u8; 3000], [2; 16]).unwrap().remove(0);
        let week = Retention::from_days(7).unwrap();
        let one = alice.wrap(bob.public(), &short, 1, week).unwrap();
        let two = alice.wrap(bob.public(), &longer, 1, week).unwrap();
        assert_ne!(one.event.pubkey, two.event.pubkey);
        assert_eq!(one.event.content.len(), two.event.content.len());
    }

    #[test]
    fn large_seals_travel_in_equal_fragments_and_reassemble_in_any_order() {
        let seal: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let parts = fragments(&seal, [3; 16]).unwrap();
        assert_eq!(parts.len(), 100_000usize.div_ceil(capacity(LARGE_FRAGMENT)));
        assert!(parts.iter().all(|p| p.len() == LARGE_FRAGMENT));
        let mut whole = Reassembly::default();
        let mut result = None;
        for part in parts.iter().rev() {
            result = whole.add(parse_fragment(part).unwrap()).unwrap();
        }
        assert_eq!(result.unwrap(), seal);
        assert!(
            fragments(
                &vec![0; MAX_FRAGMENTS * capacity(LARGE_FRAGMENT) + 1],
                [0; 16]
            )
            .is_err()
        );
    }

    #[test]
    fn malformed_fragments_are_refused() {
        let good = fragments(b"abc", [1; 16]).unwrap().remove(0);
        assert!(parse_fragment(&good[..100]).is_err());
        let mut bad = good.clone();
        bad[100] = 1;
        assert!(parse_fragment(&bad).is_err(), "non-zero padding");
        let mut bad = good.clone();
        bad[0] = 2;
        assert!(parse_fragment(&bad).is_err(), "version");
        let mut bad = good.clone();
        bad[17..19].copy_from_slice(&5u16.to_be_bytes());
        assert!(parse_fragment(&bad).is_err(), "index beyond count");
        let mut bad = good;
        bad[21..25].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_fragment(&bad).is_err(), "length beyond the fragment");
    }

    /// The expiration tag of a wrap.
    fn expiration_of(wrapped: &Wrapped) -> u64 {
        wrapped.event.tag("expiration").unwrap().parse().unwrap()
    }

    #[test]
    fn over_a_thousand_wraps_the_expiration_reveals_only_the_retention_never_the_send_time() {
        // A relay sees created_at and expiration. created_at is the send time
        // moved back at random; were the expiration the send time plus the
        // retention (as the page used to give it), expiration − retention
        // would be the exact send time. It must instead be created_at plus
        // one constant per retention, so that it tells nothing created_at
        // does not already tell.
        let (alice, bob) = (mailbox(1), mailbox(2));
        let now = 1_790_000_000u64;
        for days in RETENTION_DAYS {
            let retention = Retention::from_days(days).unwrap();
            let kept = days * DAY_S;
            let mut lifetimes = std::collections::BTreeSet::new();
            let mut after_send = Vec::new();
            for _ in 0..1000 {
                let wrapped = alice
                    .wrap_seal(bob.public(), b"short", now, retention)
                    .unwrap();
                assert_eq!(wrapped.len(), 1);
                let created_at = wrapped[0].event.created_at;
                let expiration = expiration_of(&wrapped[0]);
                assert!(created_at <= now && created_at > now - TIME_JITTER_S);
                lifetimes.insert(expiration - created_at);
                after_send.push(expiration - now);
            }
            assert_eq!(
                lifetimes.len(),
                1,
                "expiration − created_at is one constant for {days} days"
            );
            assert_eq!(lifetimes.first(), Some(&(kept + TIME_JITTER_S)));
            // expiration − now spreads evenly over the whole jitter range:
            // the send time cannot be read back from the expiration.
            let distinct: std::collections::BTreeSet<u64> = after_send.iter().copied().collect();
            assert!(distinct.len() > 900, "{} distinct values", distinct.len());
            let mut quarters = [0u32; 4];
            for &t in &after_send {
                // Always more than the retention after the send: the
                // contact has the whole retention to come online.
                assert!(t > kept && t <= kept + TIME_JITTER_S, "{t}");
                quarters[usize::try_from((t - kept - 1) * 4 / TIME_JITTER_S).unwrap()] += 1;
            }
            // Binomial(1000, 1/4): mean 250, standard deviation 14; 150 is 7 away.
            assert!(quarters.iter().all(|&n| n > 150), "{quarters:?}");
        }
    }

    #[test]
    fn fragments_of_one_seal_get_their_own_times_so_nothing_links_them() {
        let (alice, bob) = (mailbox(1), mailbox(2));
        let now = 1_790_000_000u64;
        let seal = vec![7u8; MAX_FRAGMENTS * capacity(LARGE_FRAGMENT)];
        for _ in 0..20 {
            let wrapped = alice
                .wrap_seal(bob.public(), &seal, now, Retention::from_days(14).unwrap())
                .unwrap();
            assert_eq!(wrapped.len(), MAX_FRAGMENTS);
            let created: std::collections::BTreeSet<u64> =
                wrapped.iter().map(|w| w.event.created_at).collect();
            let expirations: std::collections::BTreeSet<u64> =
                wrapped.iter().map(expiration_of).collect();
            assert_eq!(created.len(), MAX_FRAGMENTS, "every created_at differs");
            assert_eq!(expirations.len(), MAX_FRAGMENTS, "every expiration differs");
        }
    }

    #[test]
    fn only_the_few_global_retentions_are_accepted_and_all_fit_the_relay() {
        for days in [0, 2, 6, 13, 15, 29, 31, 60, 61, u64::MAX] {
            let refused = Retention::from_days(days).unwrap_err();
            assert_eq!(refused, Error::UnsupportedRetention(days));
            assert_eq!(refused.code(), "unsupported-retention");
            // The message names exactly the values accepted.
            let [a, b, c, d] = RETENTION_DAYS;
            let text = refused.to_string();
            assert!(
                text.contains(&format!("{a}, {b}, {c} or {d} days")),
                "{text}"
            );
        }
        for days in RETENTION_DAYS {
            let retention = Retention::from_days(days).unwrap();
            assert_eq!(retention.days(), days);
            // builder serve's relay (builder/src/cmd/serve/relay.rs
            // MAX_RETENTION) refuses an expiration more than 63 days after its
            // clock; a day of that is left for clocks that disagree.
            assert!(retention.lifetime_s() <= 62 * DAY_S);
        }
        // An expiration past the end of time is refused, not wrapped around.
        let (alice, bob) = (mailbox(1), mailbox(2));
        let fragment = fragments(b"x", [1; 16]).unwrap().remove(0);
        let year = Retention::from_days(30).unwrap();
        assert!(alice.wrap(bob.public(), &fragment, u64::MAX, year).is_err());
    }

    #[test]
    fn a_deletion_is_signed_by_the_wraps_own_key() {
        let (alice, bob) = (mailbox(1), mailbox(2));
        let fragment = fragments(b"x", [1; 16]).unwrap().remove(0);
        let wrapped = alice
            .wrap(bob.public(), &fragment, 1, Retention::from_days(1).unwrap())
            .unwrap();
        let deletion = alice
            .deletion(&wrapped.nonce, &wrapped.event.id, 3)
            .unwrap();
        deletion.verify().unwrap();
        assert_eq!(deletion.pubkey, wrapped.event.pubkey);
        assert_eq!(deletion.tag("e"), Some(wrapped.event.id.as_str()));
        assert!(alice.deletion(&wrapped.nonce, "not hex", 3).is_err());
    }

    #[test]
    fn seals_verify_only_for_their_sender_and_recipient() {
        let sender =
            Identity::derive("seal-a", "seal password a", crate::KeySize::Rsa2048).unwrap();
        let other = Identity::derive("seal-b", "seal password b", crate::KeySize::Rsa2048).unwrap();
        let crypto = RustCrypto;
        let holder = sender.holder();
        let recipient = [5u8; 32];
        let seal = block_on(seal_with(&crypto, holder, &recipient, "env", b"payload")).unwrap();
        let (kind, payload) =
            block_on(open_seal_with(&crypto, &seal, sender.public(), &recipient)).unwrap();
        assert_eq!((kind, payload), ("env", &b"payload"[..]));
        assert!(matches!(
            block_on(open_seal_with(&crypto, &seal, other.public(), &recipient)),
            Err(Error::WrongSender)
        ));
        assert!(
            block_on(open_seal_with(&crypto, &seal, sender.public(), &[6u8; 32])).is_err(),
            "re-addressed"
        );
        let mut forged = seal.clone();
        forged[40] ^= 1;
        assert!(
            block_on(open_seal_with(
                &crypto,
                &forged,
                sender.public(),
                &recipient
            ))
            .is_err()
        );
        assert!(parse_seal(&seal[..seal.len() - 1]).is_err());
        assert!(block_on(seal_with(&crypto, holder, &recipient, "ENV", b"")).is_err());
    }
}
