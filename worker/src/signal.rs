//! Rooms and signalling blobs (DESIGN.md section 3).
//!
//! ```text
//! pair topic   = SHA-256("trustero/room/v1" ‖ min(fpA, fpB) ‖ max(fpA, fpB) ‖ UTF-8(NFC(room_password)))
//! group topic  = SHA-256("trustero/group-room/v1" ‖ group_id[16] ‖ group_secret[32])
//! devices topic= SHA-256("trustero/devices-room/v1" ‖ profile_key[32])    (profile.rs)
//! announce id  = SHA-256("trustero/announce/v1" ‖ topic)       public: tracker info_hash = first 20 bytes,
//!                                                               Nostr topic tag = its hex
//! signal key   = HKDF-SHA-256(salt = none, ikm = topic, info = "trustero/signal/v1", L = 32)
//! blob         = 0x01 ‖ nonce[12] ‖ AES-256-GCM(signal key, nonce, aad = announce id, plaintext)
//! ```
//! Trackers and relays only ever see the announce id and sealed blobs; the
//! topic itself, and so the signal key, never leaves the worker.

use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::codec::Reader;
use crate::public_identity::Fingerprint;
use crate::{Error, Result, aead, labels, random, unicode};

/// Current signalling blob version.
pub const VERSION: u8 = 1;
/// Largest signalling plaintext (an SDP with many candidates is a few KiB).
pub const MAX_SIGNAL: usize = 64 * 1024;

/// A room's secret topic: knowing it lets one read the room's signalling.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct RoomTopic([u8; 32]);

impl core::fmt::Debug for RoomTopic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RoomTopic([redacted])")
    }
}

impl RoomTopic {
    /// The room of two identities, optionally protected by a shared password
    /// (NFC; characters Unicode does not assign are refused, as in logins).
    pub fn pair(a: &Fingerprint, b: &Fingerprint, room_password: &str) -> Result<Self> {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let password = Zeroizing::new(unicode::nfc_checked(room_password, "room password")?);
        Ok(RoomTopic(
            Sha256::new()
                .chain_update(labels::PAIR_ROOM)
                .chain_update(lo.0)
                .chain_update(hi.0)
                .chain_update(password.as_bytes())
                .finalize()
                .into(),
        ))
    }

    /// The room of a group, from the id and secret carried in its invite.
    pub fn group(group_id: &[u8; 16], group_secret: &[u8; 32]) -> Self {
        RoomTopic(
            Sha256::new()
                .chain_update(labels::GROUP_ROOM)
                .chain_update(group_id)
                .chain_update(group_secret)
                .finalize()
                .into(),
        )
    }

    /// The room of one identity's own devices, from a secret only they hold
    /// (the profile key): knowing the public identity is not enough to find it.
    pub fn devices(secret: &[u8; 32]) -> Self {
        RoomTopic(
            Sha256::new()
                .chain_update(labels::DEVICES_ROOM)
                .chain_update(secret)
                .finalize()
                .into(),
        )
    }

    /// Wraps raw topic bytes (for vectors).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        RoomTopic(bytes)
    }

    /// The raw topic (secret).
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The public identifier under which peers announce themselves.
    pub fn announce_id(&self) -> [u8; 32] {
        Sha256::new()
            .chain_update(labels::ANNOUNCE_ID)
            .chain_update(self.0)
            .finalize()
            .into()
    }

    /// The key sealing this room's signalling blobs.
    pub fn signal_key(&self) -> SignalKey {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, &self.0)
            .expand(labels::SIGNAL_KEY, &mut key)
            .expect("32 bytes is a valid HKDF-SHA-256 output length");
        SignalKey {
            key,
            announce_id: self.announce_id(),
        }
    }
}

/// Seals and opens a room's signalling blobs.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SignalKey {
    key: [u8; 32],
    announce_id: [u8; 32],
}

impl core::fmt::Debug for SignalKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SignalKey([redacted])")
    }
}

impl SignalKey {
    /// Seals a signalling message (an SDP offer or answer).
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        if plaintext.len() > MAX_SIGNAL {
            return Err(Error::TooLarge {
                what: "signalling message",
                limit: MAX_SIGNAL,
            });
        }
        let nonce = random::bytes::<{ aead::NONCE_LEN }>()?;
        let sealed = aead::seal(&self.key, &nonce, &self.announce_id, plaintext);
        Ok([&[VERSION][..], &nonce, &sealed].concat())
    }

    /// Opens a blob sealed for the same room.
    pub fn open(&self, blob: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let mut r = Reader::new(blob);
        let version = r.u8("signal version")?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let nonce = r.array("signal nonce")?;
        let ciphertext = r.take(r.remaining(), "signal ciphertext")?;
        if ciphertext.len() > MAX_SIGNAL + aead::TAG_LEN {
            return Err(Error::TooLarge {
                what: "signalling message",
                limit: MAX_SIGNAL,
            });
        }
        aead::open(&self.key, &nonce, &self.announce_id, ciphertext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_topic_is_symmetric_and_password_dependent() {
        let a = Fingerprint([1; 32]);
        let b = Fingerprint([2; 32]);
        let pair = |x, y, password| RoomTopic::pair(x, y, password).unwrap();
        assert_eq!(pair(&a, &b, ""), pair(&b, &a, ""));
        assert_ne!(pair(&a, &b, ""), pair(&a, &b, "x"));
        assert!(RoomTopic::pair(&a, &b, "\u{378}").is_err());
    }

    #[test]
    fn signal_blob_from_another_room_does_not_open() {
        let here = RoomTopic::pair(&Fingerprint([1; 32]), &Fingerprint([2; 32]), "").unwrap();
        let there = RoomTopic::pair(&Fingerprint([1; 32]), &Fingerprint([3; 32]), "").unwrap();
        let blob = here.signal_key().seal(b"offer").unwrap();
        assert_eq!(here.signal_key().open(&blob).unwrap().as_slice(), b"offer");
        assert_eq!(there.signal_key().open(&blob), Err(Error::DecryptionFailed));
    }

    #[test]
    fn oversized_signal_is_refused() {
        let key = RoomTopic::from_bytes([0; 32]).signal_key();
        assert!(matches!(
            key.seal(&vec![0; MAX_SIGNAL + 1]),
            Err(Error::TooLarge { .. })
        ));
    }
}
