//! The roaming profile on relays (DESIGN.md section 7): each record of the
//! profile (a contact, a group, the settings, a device) is a NIP-78-style
//! addressable event (kind 30078) that only the identity's own devices can
//! find, read or replace.
//!
//! ```text
//! author    = secp256k1 key from HKDF(seed, "trustero/profile-author/v1" ‖ u8(i))   (identity.rs)
//! key       = HKDF-SHA-256(ikm = vault_key, info = "trustero/profile-key/v1")
//! d         = hex(HKDF-SHA-256(ikm = key, info = "trustero/profile-record/v1" ‖ UTF-8(record id)))
//! plaintext = pad(u8(1) ‖ u16be(len id) ‖ id ‖ record bytes)                      (padding.rs buckets)
//! content   = base64(u8(1) ‖ nonce12 ‖ AES-256-GCM(key, nonce, aad = u8(1) ‖ d, plaintext))
//! event     = kind 30078, tags [["d", d]], signed by author (BIP-340)
//! devices   = RoomTopic::devices(key): the signalling room of our own devices
//! ```
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

use crate::identity::{VaultKey, hex_lower};
use crate::nostr::{Event, NostrKey, decode_hex};
use crate::signal::RoomTopic;
use crate::{Error, Result, aead, labels, padding};

/// NIP-78 application-specific data: an addressable kind.
pub const PROFILE_KIND: u32 = 30078;
/// Format version of the content and plaintext.
pub const VERSION: u8 = 1;
/// Longest record id.
pub const MAX_RECORD_ID: usize = 200;
/// Largest record (a group with its members is the largest).
pub const MAX_RECORD: usize = 48 * 1024;

/// The profile keys of one identity.
pub struct Profile {
    author: NostrKey,
    key: Zeroizing<[u8; 32]>,
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
        Ok(Self { author, key })
    }

    /// A profile from its two secrets (as [`Profile::secrets`] gave them, in
    /// another worker of the same browser).
    pub fn from_secrets(author: &[u8; 32], key: &[u8; 32]) -> Result<Self> {
        Ok(Self {
            author: NostrKey::from_bytes(author)?,
            key: Zeroizing::new(*key),
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
        inner.push(VERSION);
        inner.extend_from_slice(&id_len.to_be_bytes());
        inner.extend_from_slice(record_id.as_bytes());
        inner.extend_from_slice(record);
        let plaintext = padding::pad(&inner)?;
        let mut body = Vec::with_capacity(1 + aead::NONCE_LEN + plaintext.len() + aead::TAG_LEN);
        body.push(VERSION);
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&aead::seal(&self.key, &nonce, &aad(&d), &plaintext));
        Event::signed(
            &self.author,
            created_at,
            PROFILE_KIND,
            vec![vec!["d".to_string(), d]],
            Base64::encode_string(&body),
        )
    }

    /// Opens a profile event from a relay: checks its id, signature, kind and
    /// author (ours), then decrypts; returns the record id and the record.
    pub fn open(&self, event: &Event) -> Result<(String, Zeroizing<Vec<u8>>)> {
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
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let (nonce, ciphertext) = rest
            .split_first_chunk::<{ aead::NONCE_LEN }>()
            .ok_or(Error::Malformed("profile content"))?;
        let plaintext = aead::open(&self.key, nonce, &aad(d), ciphertext)?;
        let inner = padding::unpad(&plaintext)?;
        let (&version, rest) = inner
            .split_first()
            .ok_or(Error::Malformed("profile record"))?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
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
        Ok((id, Zeroizing::new(record.to_vec())))
    }
}

fn aad(d: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + d.len());
    aad.push(VERSION);
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
        let (id, record) = profile(3).open(&event).unwrap();
        assert_eq!(id, "contact:abcd");
        assert_eq!(record.as_slice(), br#"{"nickname":"Uma"}"#);
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

    #[test]
    fn record_ids_and_sizes_are_bounded() {
        let ours = profile(3);
        assert!(ours.seal("", b"{}", 1).is_err());
        assert!(ours.seal("bad\nid", b"{}", 1).is_err());
        assert!(ours.seal(&"x".repeat(MAX_RECORD_ID + 1), b"{}", 1).is_err());
        assert!(ours.seal("big", &vec![0; MAX_RECORD + 1], 1).is_err());
    }
}
