//! The vault: records at rest (IndexedDB) sealed with the identity's vault key.
//!
//! ```text
//! record = 0x01 ‖ nonce[12] ‖ AES-256-GCM(vault_key, nonce,
//!                                         aad = "trustero/vault-record/v1" ‖ 0x00 ‖ context,
//!                                         plaintext)
//! ```
//! `context` names where the record lives (store and key, say `friends/3f2a…`)
//! so a record cannot be swapped into another slot unnoticed.

use core::fmt;

use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::provider::{Provider, RustCrypto, block_on};
use crate::{Error, Result, aead, labels, random};

/// Current vault record version.
pub const VERSION: u8 = 1;
/// Largest plaintext one record may hold (file chunks are stored as records).
pub const MAX_RECORD: usize = 16 * 1024 * 1024;
/// Largest context label.
pub const MAX_CONTEXT: usize = 1024;

/// The symmetric key that seals records at rest (AES-256-GCM). Zeroized on drop.
#[derive(Clone)]
pub struct VaultKey(pub(crate) Zeroizing<[u8; 32]>);

impl VaultKey {
    /// Wraps raw key bytes (tests and backups; normal code derives it).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        VaultKey(Zeroizing::new(bytes))
    }

    /// The raw key bytes. Handle with care: only for import into WebCrypto.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey([redacted])")
    }
}

/// The associated data binding a record to its `context`.
pub fn associated_data(context: &[u8]) -> Result<Vec<u8>> {
    if context.len() > MAX_CONTEXT {
        return Err(Error::TooLarge {
            what: "vault context",
            limit: MAX_CONTEXT,
        });
    }
    Ok([labels::VAULT_RECORD, &[0], context].concat())
}

/// Seals a record for `context` with `key` (the vault key as `provider` holds it).
pub async fn seal_with<P: Provider>(
    provider: &P,
    key: &P::AesKey,
    context: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    check_plaintext_len(plaintext.len())?;
    let nonce = random::bytes::<{ aead::NONCE_LEN }>()?;
    let sealed = provider
        .seal(key, &nonce, &associated_data(context)?, plaintext)
        .await?;
    Ok(assemble(&nonce, &sealed))
}

/// Opens a record sealed for the same `context`.
pub async fn open_with<P: Provider>(
    provider: &P,
    key: &P::AesKey,
    context: &[u8],
    record: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let (nonce, ciphertext) = parse(record)?;
    provider
        .open(key, &nonce, &associated_data(context)?, ciphertext)
        .await
}

/// [`seal_with`] with the pure-Rust provider.
pub fn seal(key: &VaultKey, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    block_on(seal_with(&RustCrypto, &key.0, context, plaintext))
}

/// Joins version, nonce and ciphertext into a record.
pub fn assemble(nonce: &[u8; aead::NONCE_LEN], ciphertext: &[u8]) -> Vec<u8> {
    [&[VERSION][..], nonce, ciphertext].concat()
}

/// Bytes before the ciphertext: version and nonce.
pub const HEADER_LEN: usize = 1 + aead::NONCE_LEN;

/// Checks a record's header and total length; returns its nonce. Lets the
/// browser path parse a record without copying its ciphertext.
pub fn parse_header(header: &[u8], record_len: usize) -> Result<[u8; aead::NONCE_LEN]> {
    let mut r = Reader::new(header);
    let version = r.u8("vault record version")?;
    if version != VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let nonce = r.array("vault record nonce")?;
    let ciphertext_len = record_len.saturating_sub(HEADER_LEN);
    if ciphertext_len < aead::TAG_LEN {
        return Err(Error::Malformed("vault record too short"));
    }
    if ciphertext_len > MAX_RECORD + aead::TAG_LEN {
        return Err(Error::TooLarge {
            what: "vault record",
            limit: MAX_RECORD,
        });
    }
    Ok(nonce)
}

/// Checks a plaintext's size before sealing.
pub fn check_plaintext_len(len: usize) -> Result<()> {
    if len > MAX_RECORD {
        return Err(Error::TooLarge {
            what: "vault record",
            limit: MAX_RECORD,
        });
    }
    Ok(())
}

/// Splits a record into nonce and ciphertext, checking version and bounds.
pub fn parse(record: &[u8]) -> Result<([u8; aead::NONCE_LEN], &[u8])> {
    let header = record.get(..HEADER_LEN).unwrap_or(record);
    let nonce = parse_header(header, record.len())?;
    Ok((nonce, &record[HEADER_LEN..]))
}

/// [`open_with`] with the pure-Rust provider.
pub fn open(key: &VaultKey, context: &[u8], record: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    block_on(open_with(&RustCrypto, &key.0, context, record))
}
