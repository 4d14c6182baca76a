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

use k256::schnorr::SigningKey;
use sha2::{Digest, Sha256};

use crate::identity::hex_lower;
use crate::{Error, Result, random};

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

    fn hex_decode(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }
}
