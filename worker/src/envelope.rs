//! Envelopes: how every chat message travels and is stored (DESIGN.md section 5).
//!
//! ```text
//! content_key  = random 32 bytes, nonce = random 12 bytes
//! wrapped_i    = RSA-OAEP-SHA-256(recipient_i, content_key)          RFC 8017 §7.1, MGF1-SHA-256, empty label
//! header       = version ‖ message_id ‖ conversation_id ‖ sender_fp ‖ timestamp_ms ‖ lamport ‖ nonce
//!                ‖ count ‖ (fp_i ‖ len ‖ wrapped_i)*               (see [`codec`])
//! ciphertext   = AES-256-GCM(content_key, nonce, aad = header, pad(content))
//! signature    = RSA-PSS-SHA-256(sender, "trustero/envelope/v1" ‖ 0x00 ‖ header ‖ u32be(len) ‖ ciphertext)
//!                salt length 32                                     RFC 8017 §8.1
//! ```
//!
//! Opening checks in this order, so no attacker-chosen ciphertext ever reaches
//! an RSA private-key operation unless its sender signed it (our mitigation of
//! RUSTSEC-2023-0071, the "Marvin" timing attack on RSA decryption):
//! parse → sender is the expected key → verify signature → unwrap → decrypt → unpad.
//!
//! Each step is written once, over a [`Provider`]: the pure-Rust one natively
//! (`seal`, `open`, … below), WebCrypto in the browser (`web::WebSession`).
//!
//! A *receipt* (the content key sealed with the opener's vault key, bound to
//! the envelope's SHA-256) is made when an envelope is first opened; with it a
//! stored envelope reopens with two AES-GCM operations and no RSA at all.

pub mod codec;
pub mod group;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::identity::Identity;
use crate::provider::{Holder, Provider, RustCrypto, block_on};
use crate::public_identity::{Fingerprint, PublicIdentity};
use crate::vault::VaultKey;
use crate::{Error, Result, aead, labels, padding, random, vault};

pub use codec::{
    Envelope, GROUP_VERSION, Header, MAX_LAMPORT, MAX_RECIPIENTS, MAX_TIMESTAMP_MS, Recipient,
};
pub use group::{SenderKey, open_group, open_group_with, seal_group, seal_group_with};

/// What the caller decides about a message; the rest is generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvelopeMeta {
    /// 128-bit random message id: what receivers deduplicate by.
    pub message_id: [u8; 16],
    /// The conversation this message belongs to.
    pub conversation_id: [u8; 32],
    /// Sender's clock, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Sender's Lamport counter for ordering within the conversation.
    pub lamport: u64,
}

impl EnvelopeMeta {
    /// Fails unless every field can be encoded and will be accepted by a
    /// receiver ([`MAX_TIMESTAMP_MS`], [`MAX_LAMPORT`]).
    pub fn check(&self) -> Result<()> {
        codec::check_clock(self.timestamp_ms, self.lamport)
    }
}

/// The content and authenticated header of an opened envelope.
#[derive(Debug)]
pub struct Opened {
    /// The header, whose every field the sender signed.
    pub header: Header,
    /// The unpadded content.
    pub content: Zeroizing<Vec<u8>>,
}

/// The recipient list of a new envelope: the given recipients plus the sender,
/// without duplicates, in the given order.
pub fn recipient_list<'a>(
    sender: &'a PublicIdentity,
    recipients: &'a [PublicIdentity],
) -> Result<Vec<&'a PublicIdentity>> {
    let mut list: Vec<&PublicIdentity> = Vec::with_capacity(recipients.len() + 1);
    for candidate in recipients.iter().chain(core::iter::once(sender)) {
        if !list
            .iter()
            .any(|r| r.fingerprint() == candidate.fingerprint())
        {
            list.push(candidate);
        }
    }
    if list.len() > MAX_RECIPIENTS {
        return Err(Error::TooLarge {
            what: "recipient list",
            limit: MAX_RECIPIENTS,
        });
    }
    Ok(list)
}

/// Seals `content` from `sender` to `recipients` (the sender is always added).
pub async fn seal_with<P: Provider>(
    provider: &P,
    sender: Holder<'_, P>,
    recipients: &[PublicIdentity],
    meta: &EnvelopeMeta,
    content: &[u8],
) -> Result<Vec<u8>> {
    meta.check()?;
    let padded = padding::pad(content)?;
    let content_key = Zeroizing::new(random::bytes::<32>()?);
    let nonce = random::bytes::<{ aead::NONCE_LEN }>()?;
    let mut wrapped = Vec::with_capacity(recipients.len() + 1);
    for recipient in recipient_list(sender.public, recipients)? {
        wrapped.push(Recipient {
            fingerprint: recipient.fingerprint(),
            wrapped_key: provider.wrap(recipient, content_key.as_ref()).await?,
        });
    }
    let header = Header::new(meta, sender.public.fingerprint(), nonce, wrapped);
    encrypt_and_sign(provider, sender, &content_key, header, &padded).await
}

/// The last steps of sealing either version: AES-GCM under the content key
/// with the header as associated data, then the sender's signature.
pub(crate) async fn encrypt_and_sign<P: Provider>(
    provider: &P,
    sender: Holder<'_, P>,
    content_key: &[u8; 32],
    header: Header,
    padded: &[u8],
) -> Result<Vec<u8>> {
    let header_bytes = header.encode();
    let key = provider.aes_key(content_key).await?;
    let ciphertext = provider
        .seal(&key, &header.nonce, &header_bytes, padded)
        .await?;
    let signature = provider
        .sign(sender.private, &signed_message(&header_bytes, &ciphertext))
        .await?;
    Ok(Envelope::assemble(header_bytes, ciphertext, signature))
}

/// Checks an envelope's signature by `sender` without opening it (no
/// private-key operation): enough to know a duplicate is genuine before
/// acknowledging it again. Returns the authenticated header.
pub async fn verify_with<P: Provider>(
    provider: &P,
    bytes: &[u8],
    sender: &PublicIdentity,
) -> Result<Header> {
    let envelope = Envelope::decode(bytes)?;
    envelope.check_sender(sender)?;
    provider
        .verify(sender, &envelope.signed_message(), envelope.signature())
        .await?;
    Ok(envelope.into_header())
}

/// Opens an envelope from `sender` addressed to `me`, and makes its
/// *receipt*: the content key sealed with `me`'s vault key and bound to
/// these exact envelope bytes. Stored beside the envelope, it lets
/// [`open_stored_with`] reopen it later without any RSA operation (history
/// loads fast) and only with the vault key.
///
/// The signature is verified before the private key is touched.
pub async fn open_with<P: Provider>(
    provider: &P,
    me: Holder<'_, P>,
    bytes: &[u8],
    sender: &PublicIdentity,
) -> Result<(Opened, Vec<u8>)> {
    let envelope = Envelope::decode(bytes)?;
    envelope.check_sender(sender)?;
    if envelope.header().key_id.is_some() {
        return Err(Error::WrongSenderKey); // a group envelope: opened with its sender key
    }
    provider
        .verify(sender, &envelope.signed_message(), envelope.signature())
        .await?;
    let wrapped = envelope.wrapped_key_for(&me.public.fingerprint())?;
    let content_key = content_key_array(&provider.unwrap(me.private, wrapped).await?)?;
    let opened = decrypt_content(provider, envelope, &content_key).await?;
    let receipt = vault::seal_with(
        provider,
        me.vault,
        &receipt_context(bytes),
        content_key.as_ref(),
    )
    .await?;
    Ok((opened, receipt))
}

/// Reopens a stored envelope with the receipt [`open_with`] made. The
/// receipt authenticates the whole envelope (it is bound to its SHA-256), so
/// the signature, checked when the envelope arrived, is not checked again.
pub async fn open_stored_with<P: Provider>(
    provider: &P,
    vault_key: &P::AesKey,
    bytes: &[u8],
    receipt: &[u8],
) -> Result<Opened> {
    let envelope = Envelope::decode(bytes)?;
    let content_key = content_key_array(
        &vault::open_with(provider, vault_key, &receipt_context(bytes), receipt).await?,
    )?;
    decrypt_content(provider, envelope, &content_key).await
}

/// [`seal_with`] with the pure-Rust provider.
pub fn seal(
    sender: &Identity,
    recipients: &[PublicIdentity],
    meta: &EnvelopeMeta,
    content: &[u8],
) -> Result<Vec<u8>> {
    block_on(seal_with(
        &RustCrypto,
        sender.holder(),
        recipients,
        meta,
        content,
    ))
}

/// [`verify_with`] with the pure-Rust provider.
pub fn verify(bytes: &[u8], sender: &PublicIdentity) -> Result<Header> {
    block_on(verify_with(&RustCrypto, bytes, sender))
}

/// Opens an envelope from `sender` addressed to `me`, with the pure-Rust provider.
pub fn open(bytes: &[u8], sender: &PublicIdentity, me: &Identity) -> Result<Opened> {
    open_with_receipt(bytes, sender, me).map(|(opened, _)| opened)
}

/// [`open_with`] with the pure-Rust provider: the content and its receipt.
pub fn open_with_receipt(
    bytes: &[u8],
    sender: &PublicIdentity,
    me: &Identity,
) -> Result<(Opened, Vec<u8>)> {
    block_on(open_with(&RustCrypto, me.holder(), bytes, sender))
}

/// [`open_stored_with`] with the pure-Rust provider.
pub fn open_stored(bytes: &[u8], receipt: &[u8], vault_key: &VaultKey) -> Result<Opened> {
    block_on(open_stored_with(&RustCrypto, &vault_key.0, bytes, receipt))
}

/// The vault context of an envelope's receipt: label ‖ SHA-256(envelope).
pub fn receipt_context(envelope: &[u8]) -> Vec<u8> {
    [labels::ENVELOPE_RECEIPT, &Sha256::digest(envelope)[..]].concat()
}

/// A content key as a fixed-size array.
pub fn content_key_array(key: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let array: [u8; 32] = key
        .try_into()
        .map_err(|_| Error::Malformed("content key length"))?;
    Ok(Zeroizing::new(array))
}

async fn decrypt_content<P: Provider>(
    provider: &P,
    envelope: Envelope,
    content_key: &[u8; 32],
) -> Result<Opened> {
    let key = provider.aes_key(content_key).await?;
    let padded = provider
        .open(
            &key,
            &envelope.header().nonce,
            envelope.header_bytes(),
            envelope.ciphertext(),
        )
        .await?;
    Ok(Opened {
        header: envelope.into_header(),
        content: padding::unpad(&padded)?,
    })
}

/// The exact bytes the sender signs: label ‖ 0x00 ‖ header ‖ u32be(len) ‖ ciphertext.
pub fn signed_message(header_bytes: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(
        labels::ENVELOPE_SIGNATURE.len() + 5 + header_bytes.len() + ciphertext.len(),
    );
    message.extend_from_slice(labels::ENVELOPE_SIGNATURE);
    message.push(0);
    message.extend_from_slice(header_bytes);
    message.extend_from_slice(&codec::ciphertext_len_prefix(ciphertext));
    message.extend_from_slice(ciphertext);
    message
}

impl Envelope {
    /// Fails unless the header names `sender` and the signature has its length.
    pub fn check_sender(&self, sender: &PublicIdentity) -> Result<()> {
        if self.header().sender != sender.fingerprint() {
            return Err(Error::WrongSender);
        }
        if self.signature().len() != sender.size().bytes() {
            return Err(Error::BadSignature);
        }
        Ok(())
    }

    /// The content key wrapped for `recipient`.
    pub fn wrapped_key_for(&self, recipient: &Fingerprint) -> Result<&[u8]> {
        self.header()
            .recipients
            .iter()
            .find(|r| &r.fingerprint == recipient)
            .map(|r| r.wrapped_key.as_slice())
            .ok_or(Error::NotARecipient)
    }

    /// What the signature covers.
    pub fn signed_message(&self) -> Vec<u8> {
        signed_message(self.header_bytes(), self.ciphertext())
    }
}
