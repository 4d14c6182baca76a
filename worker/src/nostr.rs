//! Nostr event signing (NIP-01) with a throw-away secp256k1 key (BIP-340
//! Schnorr), for the Nostr signalling strategy. The key identifies nothing:
//! a new one is made for every session, and event contents are sealed
//! signalling blobs.
//!
//! ```text
//! id  = SHA-256(UTF-8 of [0,"<pubkey hex>",<created_at>,<kind>,<tags>,"<content>"])   (NIP-01)
//! sig = BIP-340(key, id, aux = 32 random bytes)
//! ```
//! Only strings that need no JSON escaping are accepted (printable ASCII
//! without `"` and `\`), so the serialization is unambiguous.

use k256::schnorr::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{Error, Result, decode_hex, hex_lower, random};

/// Largest content accepted for an event.
pub const MAX_CONTENT: usize = 128 * 1024;

/// A signed event's derived fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// Event id, 64 hex digits.
    pub id: String,
    /// x-only public key, 64 hex digits.
    pub pubkey: String,
    /// BIP-340 signature, 128 hex digits.
    pub sig: String,
}

fn check_safe(text: &str, what: &'static str) -> Result<()> {
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        Ok(())
    } else {
        Err(Error::Malformed(what))
    }
}

/// NIP-01 serialization of an event for hashing.
pub fn serialize(
    pubkey: &str,
    created_at: u64,
    kind: u32,
    tags: &[Vec<String>],
    content: &str,
) -> Result<String> {
    check_safe(pubkey, "nostr pubkey")?;
    check_safe(
        content,
        "nostr content must be printable ASCII without quotes or backslashes",
    )?;
    if content.len() > MAX_CONTENT {
        return Err(Error::TooLarge {
            what: "nostr content",
            limit: MAX_CONTENT,
        });
    }
    let mut tag_json = Vec::with_capacity(tags.len());
    for tag in tags {
        let mut items = Vec::with_capacity(tag.len());
        for item in tag {
            check_safe(
                item,
                "nostr tag must be printable ASCII without quotes or backslashes",
            )?;
            items.push(format!("\"{item}\""));
        }
        tag_json.push(format!("[{}]", items.join(",")));
    }
    Ok(format!(
        "[0,\"{pubkey}\",{created_at},{kind},[{}],\"{content}\"]",
        tag_json.join(",")
    ))
}

/// A throw-away Nostr signing key.
pub struct NostrKey(SigningKey);

impl core::fmt::Debug for NostrKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "NostrKey({})", self.public_hex())
    }
}

impl NostrKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        loop {
            if let Ok(key) = SigningKey::from_slice(&random::bytes::<32>()?) {
                return Ok(NostrKey(key));
            }
        }
    }

    /// A key from its 32 secret bytes (for test vectors).
    pub fn from_bytes(secret: &[u8; 32]) -> Result<Self> {
        SigningKey::from_slice(secret)
            .map(NostrKey)
            .map_err(|_| Error::Malformed("nostr secret key"))
    }

    /// The x-only public key in hex.
    pub fn public_hex(&self) -> String {
        hex_lower(&self.0.verifying_key().to_bytes())
    }

    /// The 32 secret bytes (to derive other keys from; zeroized when dropped).
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes().into())
    }

    /// secp256k1 Diffie-Hellman with an x-only public key (lifted to its
    /// even-y point, as BIP-340 does): the x coordinate of the shared point.
    /// Both sides get the same value whatever the parity of their own keys,
    /// since a point and its negation share their x coordinate.
    pub fn shared_x(&self, their_x_only: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>> {
        let theirs = VerifyingKey::from_slice(their_x_only)
            .map_err(|_| Error::Malformed("nostr public key is not on the curve"))?;
        let shared = k256::ecdh::diffie_hellman(self.0.as_nonzero_scalar(), theirs.as_affine());
        Ok(Zeroizing::new((*shared.raw_secret_bytes()).into()))
    }

    /// Computes the id of an event and signs it.
    pub fn sign_event(
        &self,
        created_at: u64,
        kind: u32,
        tags: &[Vec<String>],
        content: &str,
    ) -> Result<Signed> {
        let pubkey = self.public_hex();
        let id: [u8; 32] =
            Sha256::digest(serialize(&pubkey, created_at, kind, tags, content)?).into();
        let signature = self
            .0
            .sign_raw(&id, &random::bytes::<32>()?)
            .map_err(|_| Error::Derivation("bip340 signing"))?;
        Ok(Signed {
            id: hex_lower(&id),
            pubkey,
            sig: hex_lower(&signature.to_bytes()),
        })
    }
}

/// A whole NIP-01 event, as relays carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// SHA-256 of the serialization, 64 hex digits.
    pub id: String,
    /// x-only public key of the author, 64 hex digits.
    pub pubkey: String,
    /// Seconds since the Unix epoch.
    pub created_at: u64,
    /// Event kind.
    pub kind: u32,
    /// Tags.
    pub tags: Vec<Vec<String>>,
    /// Content.
    pub content: String,
    /// BIP-340 signature of `id` by `pubkey`, 128 hex digits.
    pub sig: String,
}

impl Event {
    /// Signs a new event with `key`.
    pub fn signed(
        key: &NostrKey,
        created_at: u64,
        kind: u32,
        tags: Vec<Vec<String>>,
        content: String,
    ) -> Result<Event> {
        let Signed { id, pubkey, sig } = key.sign_event(created_at, kind, &tags, &content)?;
        Ok(Event {
            id,
            pubkey,
            created_at,
            kind,
            tags,
            content,
            sig,
        })
    }

    /// Checks that `id` is the hash of the event and `sig` its author's
    /// BIP-340 signature of it: whatever a relay hands us, only events their
    /// author signed as they are get further.
    pub fn verify(&self) -> Result<()> {
        let id: [u8; 32] = Sha256::digest(serialize(
            &self.pubkey,
            self.created_at,
            self.kind,
            &self.tags,
            &self.content,
        )?)
        .into();
        if decode_hex::<32>(&self.id, "nostr event id")? != id {
            return Err(Error::Malformed(
                "nostr event id is not the hash of the event",
            ));
        }
        let pubkey = VerifyingKey::from_slice(&decode_hex::<32>(&self.pubkey, "nostr pubkey")?)
            .map_err(|_| Error::Malformed("nostr pubkey is not on the curve"))?;
        let signature = Signature::try_from(&decode_hex::<64>(&self.sig, "nostr signature")?[..])
            .map_err(|_| Error::BadSignature)?;
        pubkey
            .verify_raw(&id, &signature)
            .map_err(|_| Error::BadSignature)
    }

    /// The value of the first tag named `name`.
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|tag| tag.first().map(String::as_str) == Some(name))
            .and_then(|tag| tag.get(1))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialization_follows_nip01() {
        let tags = vec![vec!["t".to_string(), "abc".to_string()]];
        assert_eq!(
            serialize("ff", 1700000000, 20333, &tags, "hello").unwrap(),
            "[0,\"ff\",1700000000,20333,[[\"t\",\"abc\"]],\"hello\"]"
        );
        assert_eq!(
            serialize("ff", 1, 1, &[], "").unwrap(),
            "[0,\"ff\",1,1,[],\"\"]"
        );
    }

    #[test]
    fn strings_needing_escapes_are_refused() {
        assert!(serialize("ff", 1, 1, &[], "a\"b").is_err());
        assert!(serialize("ff", 1, 1, &[], "line\nbreak").is_err());
        assert!(serialize("ff", 1, 1, &[vec!["t\\".into()]], "").is_err());
    }

    #[test]
    fn signatures_verify_with_the_published_key() {
        let key = NostrKey::generate().unwrap();
        let signed = key.sign_event(1, 20333, &[], "x").unwrap();
        let pubkey = k256::schnorr::VerifyingKey::from_slice(&hex_decode(&signed.pubkey)).unwrap();
        let signature =
            k256::schnorr::Signature::try_from(hex_decode(&signed.sig).as_slice()).unwrap();
        pubkey
            .verify_raw(&hex_decode(&signed.id), &signature)
            .unwrap();
    }

    #[test]
    fn events_verify_and_any_change_is_caught() {
        let key = NostrKey::generate().unwrap();
        let event = Event::signed(
            &key,
            5,
            1059,
            vec![vec!["p".into(), "ab".into()]],
            "x".into(),
        )
        .unwrap();
        event.verify().unwrap();
        let mut altered = event.clone();
        altered.content = "y".into();
        assert!(altered.verify().is_err());
        let mut altered = event.clone();
        altered.created_at += 1;
        assert!(altered.verify().is_err());
        let mut altered = event.clone();
        altered.sig = "00".repeat(64);
        assert!(altered.verify().is_err());
        let mut altered = event;
        altered.id = "ZZ".repeat(32);
        assert!(altered.verify().is_err());
    }

    #[test]
    fn both_sides_of_a_key_agreement_get_the_same_secret() {
        let a = NostrKey::generate().unwrap();
        let b = NostrKey::generate().unwrap();
        let a_pub = decode_hex::<32>(&a.public_hex(), "").unwrap();
        let b_pub = decode_hex::<32>(&b.public_hex(), "").unwrap();
        assert_eq!(*a.shared_x(&b_pub).unwrap(), *b.shared_x(&a_pub).unwrap());
        assert!(a.shared_x(&[0xff; 32]).is_err());
    }

    fn hex_decode(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }
}
