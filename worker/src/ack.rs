//! Signed acknowledgements: a group member's own word that it stored some
//! messages, which other members pass back toward their senders
//! (chat/forwarding.js, DESIGN.md section 8).
//!
//! In a large group most members have no direct session with a message's
//! sender; their acknowledgement travels hop by hop. A member passing it on
//! could lie about someone else's delivery (and make the sender delete that
//! member's mailbox copy), so a passed-on acknowledgement counts only with
//! its holder's signature. One signature covers a whole list of messages, so
//! its cost is shared by every message acknowledged at once.
//!
//! ```text
//! keys    = n × (sender fingerprint (32) ‖ message id (16))        1 ≤ n ≤ MAX_KEYS
//! signed  = "trustero/ack/v1" ‖ 0x00 ‖ holder fingerprint (32) ‖ u16be(n) ‖ keys
//! sig     = RSA-PSS-SHA-256(holder, signed)
//! ```
//!
//! A signed list only ever says something true and lasting ("the holder
//! stored these messages"), so replaying one is harmless; it is bound to its
//! holder, so it cannot be presented as anyone else's.

use crate::codec::Writer;
use crate::identity::Identity;
use crate::provider::{Holder, Provider, RustCrypto, block_on};
use crate::public_identity::{Fingerprint, PublicIdentity};
use crate::{Error, Result, labels};

/// Bytes of one acknowledged message: its sender's fingerprint and its id.
pub const KEY_LEN: usize = 32 + 16;
/// Most messages one signature covers (an `ack` frame's keys, net/protocol.js).
pub const MAX_KEYS: usize = 500;

/// What the holder signs for `keys` (a concatenation of [`KEY_LEN`]-byte
/// records, see the module documentation).
pub fn signed_message(holder: &Fingerprint, keys: &[u8]) -> Result<Vec<u8>> {
    let count = check_keys(keys)?;
    let mut out = Writer::with_capacity(labels::ACK_SIGNATURE.len() + 35 + keys.len());
    out.bytes(labels::ACK_SIGNATURE)
        .u8(0)
        .bytes(&holder.0)
        .u16(u16::try_from(count).expect("checked"))
        .bytes(keys);
    Ok(out.into_bytes())
}

/// The number of records in `keys`, which must be whole and 1 to [`MAX_KEYS`].
fn check_keys(keys: &[u8]) -> Result<usize> {
    if keys.is_empty() || !keys.len().is_multiple_of(KEY_LEN) {
        return Err(Error::Malformed("acknowledged message keys"));
    }
    let count = keys.len() / KEY_LEN;
    if count > MAX_KEYS {
        return Err(Error::TooLarge {
            what: "acknowledgement",
            limit: MAX_KEYS,
        });
    }
    Ok(count)
}

/// Signs that `holder` stored the messages `keys`.
pub async fn sign_with<P: Provider>(
    crypto: &P,
    holder: Holder<'_, P>,
    keys: &[u8],
) -> Result<Vec<u8>> {
    let message = signed_message(&holder.public.fingerprint(), keys)?;
    crypto.sign(holder.private, &message).await
}

/// [`sign_with`] natively.
pub fn sign(holder: &Identity, keys: &[u8]) -> Result<Vec<u8>> {
    block_on(sign_with(&RustCrypto, holder.holder(), keys))
}

/// Checks that `holder` signed that it stored the messages `keys`.
pub async fn verify_with<P: Provider>(
    crypto: &P,
    holder: &PublicIdentity,
    keys: &[u8],
    signature: &[u8],
) -> Result<()> {
    let message = signed_message(&holder.fingerprint(), keys)?;
    crypto.verify(holder, &message, signature).await
}

/// [`verify_with`] natively.
pub fn verify(holder: &PublicIdentity, keys: &[u8], signature: &[u8]) -> Result<()> {
    block_on(verify_with(&RustCrypto, holder, keys, signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeySize;

    fn keys(count: usize) -> Vec<u8> {
        (0..count * KEY_LEN).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn a_signed_list_verifies_for_its_holder_only_and_for_exactly_its_keys() {
        let alice =
            Identity::derive("ack-alice", "a password for tests", KeySize::Rsa2048).unwrap();
        let bob = Identity::derive("ack-bob", "a password for tests", KeySize::Rsa2048).unwrap();
        let list = keys(3);
        let signature = sign(&alice, &list).unwrap();
        verify(alice.public(), &list, &signature).unwrap();
        assert!(
            verify(bob.public(), &list, &signature).is_err(),
            "bound to its holder"
        );
        assert!(
            verify(alice.public(), &list[..2 * KEY_LEN], &signature).is_err(),
            "no key removed"
        );
        let mut changed = list.clone();
        changed[KEY_LEN + 3] ^= 1;
        assert!(
            verify(alice.public(), &changed, &signature).is_err(),
            "no key changed"
        );
    }

    #[test]
    fn lists_that_are_empty_ragged_or_too_long_are_refused() {
        let holder = Fingerprint([7; 32]);
        assert!(signed_message(&holder, &[]).is_err());
        assert!(signed_message(&holder, &keys(2)[..KEY_LEN + 1]).is_err());
        assert!(signed_message(&holder, &keys(MAX_KEYS)).is_ok());
        assert!(matches!(
            signed_message(&holder, &keys(MAX_KEYS + 1)),
            Err(Error::TooLarge { .. })
        ));
    }
}
