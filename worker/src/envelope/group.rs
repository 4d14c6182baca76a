//! Group envelopes (version 2): one ciphertext and one signature per message,
//! whatever the size of the group (DESIGN.md section 8).
//!
//! ```text
//! sender key   = random 32 bytes + random 16-byte id, one per sender and
//!                membership epoch; it reaches each member inside a version-1
//!                envelope (RSA-OAEP to that member) and is replaced whenever
//!                the membership changes, so a removed member reads nothing new
//! content_key  = HKDF-SHA-256(ikm = sender key, salt = key id,
//!                             info = "trustero/group-message-key/v1" ‖ message_id)
//! header       = version 2 ‖ message_id ‖ conversation_id ‖ sender_fp ‖ timestamp_ms
//!                ‖ lamport ‖ nonce ‖ key id                       (see [`codec`](super::codec))
//! ciphertext   = AES-256-GCM(content_key, nonce, aad = header, pad(content))
//! signature    = as version 1: RSA-PSS-SHA-256 over label ‖ 0x00 ‖ header ‖ u32be(len) ‖ ciphertext
//! ```
//!
//! A fresh content key per message id means a repeated random nonce under one
//! sender key can never repeat an AES-GCM (key, nonce) pair. The signature is
//! checked before anything is decrypted; opening needs no private key, and
//! the receipt is the same as version 1's, so stored group messages reopen
//! like any other.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{EnvelopeMeta, Opened, decrypt_content, encrypt_and_sign, receipt_context};
use crate::provider::{Holder, Provider, RustCrypto, block_on};
use crate::public_identity::PublicIdentity;
use crate::{Error, Identity, Result, aead, labels, padding, random, vault};

use super::codec::{Envelope, GROUP_VERSION, Header};

/// One sender's key for one membership of a group. Redacted in `Debug`;
/// zeroized when dropped.
pub struct SenderKey {
    id: [u8; 16],
    key: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for SenderKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SenderKey")
            .field("id", &crate::hex_lower(&self.id))
            .field("key", &"[redacted]")
            .finish()
    }
}

impl SenderKey {
    /// A key as received (its id and 32 secret bytes).
    pub fn from_parts(id: [u8; 16], key: [u8; 32]) -> Self {
        SenderKey {
            id,
            key: Zeroizing::new(key),
        }
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        Ok(Self::from_parts(
            random::bytes::<16>()?,
            random::bytes::<32>()?,
        ))
    }

    /// The key's public id (in every envelope sealed under it).
    pub fn id(&self) -> [u8; 16] {
        self.id
    }

    /// The secret bytes (to wrap them for members, inside the worker).
    pub fn secret(&self) -> &[u8; 32] {
        &self.key
    }

    /// The content key of message `message_id`.
    pub fn content_key(&self, message_id: &[u8; 16]) -> Result<Zeroizing<[u8; 32]>> {
        let mut okm = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(Some(&self.id), self.key.as_ref())
            .expand(
                &[labels::GROUP_MESSAGE_KEY, &message_id[..]].concat(),
                okm.as_mut(),
            )
            .map_err(|_| Error::Derivation("hkdf"))?;
        Ok(okm)
    }
}

/// Seals `content` from `sender` under its group key `key`.
pub async fn seal_group_with<P: Provider>(
    provider: &P,
    sender: Holder<'_, P>,
    key: &SenderKey,
    meta: &EnvelopeMeta,
    content: &[u8],
) -> Result<Vec<u8>> {
    meta.check()?;
    let padded = padding::pad(content)?;
    let nonce = random::bytes::<{ aead::NONCE_LEN }>()?;
    let header = Header::group(meta, sender.public.fingerprint(), nonce, key.id);
    let content_key = key.content_key(&meta.message_id)?;
    encrypt_and_sign(provider, sender, &content_key, header, &padded).await
}

/// Opens a group envelope from `sender` with the sender key it names, and
/// makes its receipt (sealed with `vault_key`, as for version 1). The
/// signature is verified before anything is decrypted.
pub async fn open_group_with<P: Provider>(
    provider: &P,
    vault_key: &P::AesKey,
    bytes: &[u8],
    sender: &PublicIdentity,
    key: &SenderKey,
) -> Result<(Opened, Vec<u8>)> {
    let envelope = Envelope::decode(bytes)?;
    envelope.check_sender(sender)?;
    if envelope.header().version != GROUP_VERSION || envelope.header().key_id != Some(key.id) {
        return Err(Error::WrongSenderKey);
    }
    provider
        .verify(sender, &envelope.signed_message(), envelope.signature())
        .await?;
    let content_key = key.content_key(&envelope.header().message_id)?;
    let opened = decrypt_content(provider, envelope, &content_key).await?;
    let receipt = vault::seal_with(
        provider,
        vault_key,
        &receipt_context(bytes),
        content_key.as_ref(),
    )
    .await?;
    Ok((opened, receipt))
}

/// [`seal_group_with`] with the pure-Rust provider.
pub fn seal_group(
    sender: &Identity,
    key: &SenderKey,
    meta: &EnvelopeMeta,
    content: &[u8],
) -> Result<Vec<u8>> {
    block_on(seal_group_with(
        &RustCrypto,
        sender.holder(),
        key,
        meta,
        content,
    ))
}

/// [`open_group_with`] with the pure-Rust provider: the content and its receipt.
pub fn open_group(
    bytes: &[u8],
    sender: &PublicIdentity,
    key: &SenderKey,
    me: &Identity,
) -> Result<(Opened, Vec<u8>)> {
    block_on(open_group_with(
        &RustCrypto,
        &me.vault_key().0,
        bytes,
        sender,
        key,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_keys_differ_per_message_and_per_key() {
        let key = SenderKey::from_parts([1; 16], [2; 32]);
        let a = key.content_key(&[3; 16]).unwrap();
        assert_ne!(*a, *key.content_key(&[4; 16]).unwrap());
        assert_eq!(*a, *key.content_key(&[3; 16]).unwrap());
        let other_id = SenderKey::from_parts([9; 16], [2; 32]);
        assert_ne!(*a, *other_id.content_key(&[3; 16]).unwrap());
        assert!(!format!("{key:?}").contains("0202"));
    }
}
