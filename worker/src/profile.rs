//! The roaming profile on relays (DESIGN.md section 7): each record of the
//! profile (a contact, a group, the settings, a device) is a NIP-78-style
//! addressable event (kind 30078) that only the identity's own devices can
//! find, read or replace.
//!
//! ```text
//! author    = secp256k1 key from HKDF(seed, "trustero/profile-author/v1" ‖ u8(i))   (identity.rs)
//! key       = HKDF-SHA-256(ikm = vault_key, info = "trustero/profile-key/v1")
//! seal key  = HKDF-Expand(prk = key, info = "trustero/profile-seal/v1")
//! d         = hex(HKDF-Expand(prk = key, info = "trustero/profile-record/v1" ‖ UTF-8(record id)))
//! plaintext = pad(u8(1) ‖ u16be(len id) ‖ id ‖ record bytes)                      (padding.rs buckets)
//! content   = base64(u8(2) ‖ nonce12 ‖ AES-256-GCM(seal key, nonce, aad = u8(2) ‖ d, plaintext))
//! event     = kind 30078, tags [["d", d]], signed by author (BIP-340)
//! devices   = RoomTopic::devices(key): the signalling room of our own devices
//! ```
//!
//! The profile key is only ever a key-derivation key: HKDF-Expand with two
//! labels (the seal key, each `d`) and the devices room's labelled hash
//! (signal.rs). Content of version 1, sealed before version 2 separated the
//! keys, was AES-256-GCM under the profile key itself (aad = u8(1) ‖ d):
//! such records still sit on relays, and [`Profile::open`] still opens them
//! (see docs/decisions.md "Devices" for when that can stop); nothing is
//! sealed that way any more. The `d` tags and the devices room are derived
//! as before, so records keep their addresses and devices keep meeting.
//!
//! A relay sees an author key unrelated to the public identity and the
//! mailbox key, an opaque `d` per record (stable, so a newer version replaces
//! the older), and a size bucket. The record id (for example a contact's
//! fingerprint) is inside the ciphertext; `d` is bound to it twice (derived
//! from it, and authenticated as associated data), so a relay cannot move a
//! record under another `d`.

use base64ct::{Base64, Encoding};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::identity::Identity;
use crate::nostr::{Event, NostrKey};
use crate::signal::RoomTopic;
use crate::vault::VaultKey;
use crate::{Error, Result, aead, decode_hex, hex_lower, labels, padding};

/// NIP-78 application-specific data: an addressable kind.
pub const PROFILE_KIND: u32 = 30078;
/// Format version of the content: sealed under the seal key.
pub const VERSION: u8 = 2;
/// Content version of records sealed under the profile key itself, before
/// the keys were separated: opened, never sealed.
pub const LEGACY_VERSION: u8 = 1;
/// Format version of the plaintext inside (unchanged by version 2).
pub const RECORD_VERSION: u8 = 1;
/// Longest record id.
pub const MAX_RECORD_ID: usize = 200;
/// Largest record (a group with its members is the largest).
pub const MAX_RECORD: usize = 48 * 1024;

/// The profile keys of one identity.
pub struct Profile {
    author: NostrKey,
    /// The profile key: derives the others, never used as a cipher key.
    key: Zeroizing<[u8; 32]>,
    /// AES-256-GCM key of records (content version 2).
    seal_key: Zeroizing<[u8; 32]>,
}

/// A record opened from a relay.
#[derive(Debug)]
pub struct OpenedRecord {
    /// Its record id.
    pub id: String,
    /// The record.
    pub record: Zeroizing<Vec<u8>>,
    /// Sealed under the profile key itself (content version 1): worth sealing
    /// again, so that such records stop existing on relays.
    pub legacy: bool,
}

/// The seal key of a profile key.
fn seal_key(key: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>> {
    let mut seal_key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::from_prk(key)
        .map_err(|_| Error::Derivation("hkdf"))?
        .expand(labels::PROFILE_SEAL, seal_key.as_mut())
        .map_err(|_| Error::Derivation("hkdf"))?;
    Ok(seal_key)
}

impl core::fmt::Debug for Profile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Profile { author and key redacted }")
    }
}

impl Profile {
    /// The profile of an identity: its author key and its vault key.
    pub fn new(author: NostrKey, vault_key: &VaultKey) -> Result<Self> {
        let mut key = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(None, vault_key.expose_bytes())
            .expand(labels::PROFILE_KEY, key.as_mut())
            .map_err(|_| Error::Derivation("hkdf"))?;
        let seal_key = seal_key(&key)?;
        Ok(Self {
            author,
            key,
            seal_key,
        })
    }

    /// The profile of a logged-in identity: its author key and its vault key.
    pub fn of(identity: &Identity) -> Result<Self> {
        Self::new(
            NostrKey::from_bytes(&identity.profile_author_key().secret_bytes())?,
            identity.vault_key(),
        )
    }

    /// A profile from its two secrets (as [`Profile::secrets`] gave them, in
    /// another worker of the same browser).
    pub fn from_secrets(author: &[u8; 32], key: &[u8; 32]) -> Result<Self> {
        Ok(Self {
            author: NostrKey::from_bytes(author)?,
            key: Zeroizing::new(*key),
            seal_key: seal_key(key)?,
        })
    }

    /// The author key's secret and the profile key, to hand from the
    /// derivation worker to the crypto worker (never to the page).
    pub fn secrets(&self) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
        (self.author.secret_bytes(), self.key.clone())
    }

    /// The signalling room where this identity's devices meet each other.
    pub fn devices_room(&self) -> RoomTopic {
        RoomTopic::devices(&self.key)
    }

    /// The author's x-only public key (hex): what our devices subscribe to.
    pub fn author_hex(&self) -> String {
        self.author.public_hex()
    }

    /// The `d` tag of a record: opaque to relays, the same on every device.
    pub fn record_tag(&self, record_id: &str) -> Result<String> {
        check_record_id(record_id)?;
        let mut d = [0u8; 32];
        Hkdf::<Sha256>::from_prk(self.key.as_ref())
            .map_err(|_| Error::Derivation("hkdf"))?
            .expand_multi_info(&[labels::PROFILE_RECORD, record_id.as_bytes()], &mut d)
            .map_err(|_| Error::Derivation("hkdf"))?;
        Ok(hex_lower(&d))
    }

    /// The event carrying `record` (bytes, e.g. JSON) under `record_id`.
    pub fn seal(&self, record_id: &str, record: &[u8], created_at: u64) -> Result<Event> {
        self.seal_with(record_id, record, created_at, crate::random::bytes()?)
    }

    /// [`Profile::seal`] with a given nonce (known-answer vectors).
    pub fn seal_with(
        &self,
        record_id: &str,
        record: &[u8],
        created_at: u64,
        nonce: [u8; aead::NONCE_LEN],
    ) -> Result<Event> {
        if record.len() > MAX_RECORD {
            return Err(Error::TooLarge {
                what: "profile record",
                limit: MAX_RECORD,
            });
        }
        let d = self.record_tag(record_id)?;
        let id_len = u16::try_from(record_id.len()).expect("checked");
        let mut inner = Zeroizing::new(Vec::with_capacity(3 + record_id.len() + record.len()));
        inner.push(RECORD_VERSION);
        inner.extend_from_slice(&id_len.to_be_bytes());
        inner.extend_from_slice(record_id.as_bytes());
        inner.extend_from_slice(record);
        let plaintext = padding::pad(&inner)?;
        let mut body = Vec::with_capacity(1 + aead::NONCE_LEN + plaintext.len() + aead::TAG_LEN);
        body.push(VERSION);
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&aead::seal(
            &self.seal_key,
            &nonce,
            &aad(VERSION, &d),
            &plaintext,
        ));
        Event::signed(
            &self.author,
            created_at,
            PROFILE_KIND,
            vec![vec!["d".to_string(), d]],
            Base64::encode_string(&body),
        )
    }

    /// Opens a profile event from a relay: checks its id, signature, kind and
    /// author (ours), then decrypts with the key its content version names:
    /// the seal key, or for a record sealed before the keys were separated,
    /// the profile key itself.
    pub fn open(&self, event: &Event) -> Result<OpenedRecord> {
        if event.kind != PROFILE_KIND {
            return Err(Error::Malformed("not a profile event"));
        }
        if event.pubkey != self.author_hex() {
            return Err(Error::WrongSender);
        }
        event.verify()?;
        let d = event
            .tag("d")
            .ok_or(Error::Malformed("profile event d tag"))?;
        decode_hex::<32>(d, "profile d tag")?;
        let body = Base64::decode_vec(&event.content)
            .map_err(|_| Error::Malformed("profile content base64"))?;
        let (&version, rest) = body
            .split_first()
            .ok_or(Error::Malformed("profile content"))?;
        // The version picks the key, and is authenticated with the content
        // (associated data): a relay changing it only makes opening fail.
        let key = match version {
            VERSION => &self.seal_key,
            LEGACY_VERSION => &self.key,
            other => return Err(Error::UnsupportedVersion(other)),
        };
        let (nonce, ciphertext) = rest
            .split_first_chunk::<{ aead::NONCE_LEN }>()
            .ok_or(Error::Malformed("profile content"))?;
        let plaintext = aead::open(key, nonce, &aad(version, d), ciphertext)?;
        let inner = padding::unpad(&plaintext)?;
        let (&record_version, rest) = inner
            .split_first()
            .ok_or(Error::Malformed("profile record"))?;
        if record_version != RECORD_VERSION {
            return Err(Error::UnsupportedVersion(record_version));
        }
        let (id_len, rest) = rest
            .split_first_chunk::<2>()
            .ok_or(Error::Malformed("profile record"))?;
        let id_len = usize::from(u16::from_be_bytes(*id_len));
        if id_len > rest.len() {
            return Err(Error::Malformed("profile record id"));
        }
        let (id, record) = rest.split_at(id_len);
        let id = core::str::from_utf8(id)
            .map_err(|_| Error::Malformed("profile record id"))?
            .to_string();
        // The d tag must be the one this id derives: a record cannot be moved.
        if self.record_tag(&id)? != d {
            return Err(Error::Malformed("profile d tag does not match its record"));
        }
        Ok(OpenedRecord {
            id,
            record: Zeroizing::new(record.to_vec()),
            legacy: version == LEGACY_VERSION,
        })
    }
}

fn aad(version: u8, d: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + d.len());
    aad.push(version);
    aad.extend_from_slice(d.as_bytes());
    aad
}

fn check_record_id(record_id: &str) -> Result<()> {
    if record_id.is_empty()
        || record_id.len() > MAX_RECORD_ID
        || record_id.chars().any(char::is_control)
    {
        return Err(Error::Malformed("profile record id"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(seed: u8) -> Profile {
        Profile::new(
            NostrKey::from_bytes(&[seed; 32]).unwrap(),
            &VaultKey::from_bytes([seed.wrapping_add(1); 32]),
        )
        .unwrap()
    }

    #[test]
    fn a_record_opens_on_every_device_of_the_identity_and_nowhere_else() {
        let (ours, theirs) = (profile(3), profile(5));
        let event = ours
            .seal("contact:abcd", br#"{"nickname":"Uma"}"#, 1_790_000_000)
            .unwrap();
        let opened = profile(3).open(&event).unwrap();
        assert_eq!(opened.id, "contact:abcd");
        assert_eq!(opened.record.as_slice(), br#"{"nickname":"Uma"}"#);
        assert!(!opened.legacy);
        assert!(theirs.open(&event).is_err());
    }

    #[test]
    fn a_record_cannot_be_altered_or_moved_under_another_d() {
        let ours = profile(3);
        let event = ours.seal("settings", b"{}", 1).unwrap();
        let other_d = ours.record_tag("contact:1").unwrap();
        let mut moved = event.clone();
        moved.tags = vec![vec!["d".into(), other_d]];
        assert!(
            ours.open(&moved).is_err(),
            "re-tagged: the id no longer matches"
        );
        let mut altered = event.clone();
        // Change one character to a different one (the content is random:
        // writing a fixed letter would sometimes change nothing).
        let swapped = if &altered.content[5..6] == "A" {
            "B"
        } else {
            "A"
        };
        altered.content.replace_range(5..6, swapped);
        assert!(ours.open(&altered).is_err());
        assert!(ours.open(&Event { kind: 1, ..event }).is_err());
    }

    /// The nonce and ciphertext of a profile event's content.
    fn sealed_parts(event: &Event) -> ([u8; aead::NONCE_LEN], Vec<u8>) {
        let body = Base64::decode_vec(&event.content).unwrap();
        let nonce = body[1..1 + aead::NONCE_LEN].try_into().unwrap();
        (nonce, body[1 + aead::NONCE_LEN..].to_vec())
    }

    #[test]
    fn the_profile_key_itself_never_seals_a_record() {
        // The profile key is an HKDF key (the d tags come from it, and the
        // devices room): used as an AES-GCM key too, one key would serve two
        // primitives. Records are sealed under a subkey of their own.
        let ours = profile(3);
        let event = ours.seal("settings", b"{}", 1).unwrap();
        let (nonce, ciphertext) = sealed_parts(&event);
        let d = event.tag("d").unwrap();
        for version in [1, 2] {
            let mut aad = vec![version];
            aad.extend_from_slice(d.as_bytes());
            assert!(
                aead::open(&ours.key, &nonce, &aad, &ciphertext).is_err(),
                "the profile key opens a new record"
            );
        }
    }

    /// A record as the code before version 2 sealed it: AES-256-GCM under
    /// the profile key itself.
    fn legacy_seal(profile: &Profile, record_id: &str, record: &[u8]) -> Event {
        let d = profile.record_tag(record_id).unwrap();
        let mut inner = vec![RECORD_VERSION];
        inner.extend_from_slice(&u16::try_from(record_id.len()).unwrap().to_be_bytes());
        inner.extend_from_slice(record_id.as_bytes());
        inner.extend_from_slice(record);
        let plaintext = padding::pad(&inner).unwrap();
        let nonce = [9u8; aead::NONCE_LEN];
        let mut body = vec![LEGACY_VERSION];
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&aead::seal(
            &profile.key,
            &nonce,
            &aad(LEGACY_VERSION, &d),
            &plaintext,
        ));
        Event::signed(
            &profile.author,
            1,
            PROFILE_KIND,
            vec![vec!["d".to_string(), d]],
            Base64::encode_string(&body),
        )
        .unwrap()
    }

    /// `event` with its content's version byte replaced, signed again by the
    /// author (what a relay cannot do, but a check that the version is
    /// bound to the key whoever signs).
    fn with_version(profile: &Profile, event: &Event, version: u8) -> Event {
        let mut body = Base64::decode_vec(&event.content).unwrap();
        body[0] = version;
        Event::signed(
            &profile.author,
            event.created_at,
            PROFILE_KIND,
            event.tags.clone(),
            Base64::encode_string(&body),
        )
        .unwrap()
    }

    #[test]
    fn a_record_sealed_before_the_keys_were_separated_still_opens_and_says_so() {
        let ours = profile(3);
        let old = legacy_seal(&ours, "contact:abcd", br#"{"nickname":"Uma"}"#);
        let opened = ours.open(&old).unwrap();
        assert_eq!(opened.id, "contact:abcd");
        assert_eq!(opened.record.as_slice(), br#"{"nickname":"Uma"}"#);
        assert!(opened.legacy, "worth sealing again");
        assert!(profile(5).open(&old).is_err(), "still ours alone");
        // The version names the key: neither record opens under the other's.
        let new = ours.seal("contact:abcd", b"{}", 2).unwrap();
        assert!(matches!(
            ours.open(&with_version(&ours, &new, LEGACY_VERSION)),
            Err(Error::DecryptionFailed)
        ));
        assert!(matches!(
            ours.open(&with_version(&ours, &old, VERSION)),
            Err(Error::DecryptionFailed)
        ));
        assert!(matches!(
            ours.open(&with_version(&ours, &new, 3)),
            Err(Error::UnsupportedVersion(3))
        ));
    }

    #[test]
    fn the_seal_key_is_its_own_and_the_same_on_every_device() {
        let ours = profile(3);
        assert_ne!(ours.seal_key.as_ref(), ours.key.as_ref());
        assert!(!labels::PROFILE_SEAL.starts_with(labels::PROFILE_RECORD));
        let (author, key) = ours.secrets();
        let other_worker = Profile::from_secrets(&author, &key).unwrap();
        assert_eq!(other_worker.seal_key.as_ref(), ours.seal_key.as_ref());
        let event = other_worker.seal("settings", b"{}", 1).unwrap();
        assert!(!ours.open(&event).unwrap().legacy);
    }

    #[test]
    fn record_ids_and_sizes_are_bounded() {
        let ours = profile(3);
        assert!(ours.seal("", b"{}", 1).is_err());
        assert!(ours.seal("bad\nid", b"{}", 1).is_err());
        assert!(ours.seal(&"x".repeat(MAX_RECORD_ID + 1), b"{}", 1).is_err());
        assert!(ours.seal("big", &vec![0; MAX_RECORD + 1], 1).is_err());
    }
}
