//! Files: sent as a stream of chunks encrypted with a random per-file key that
//! travels inside the (signed) envelope announcing the file (DESIGN.md §5).
//!
//! ```text
//! chunk_i = AES-256-GCM(file_key, nonce = 0x00000000 ‖ u64be(i),
//!                       aad = "trustero/file-chunk/v1" ‖ file_id[16] ‖ u64be(i) ‖ u8(last),
//!                       plaintext_i)
//! root    = SHA-256(SHA-256(plaintext_0) ‖ … ‖ SHA-256(plaintext_n-1))
//! ```
//! The index and last flag in the associated data stop reordering and
//! truncation; `root`, which the sender signs inside the envelope, lets every
//! recipient check the whole file even when chunks came from another group
//! member (who also knows the file key).

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::provider::{Provider, RustCrypto, block_on};
use crate::{Error, Result, aead, labels};

/// Largest chunk.
pub const MAX_CHUNK: usize = 4 * 1024 * 1024;

/// The nonce of chunk `index`.
pub fn nonce(index: u64) -> [u8; aead::NONCE_LEN] {
    let mut nonce = [0u8; aead::NONCE_LEN];
    nonce[4..].copy_from_slice(&index.to_be_bytes());
    nonce
}

/// The associated data of chunk `index`.
pub fn associated_data(file_id: &[u8; 16], index: u64, last: bool) -> Vec<u8> {
    [
        labels::FILE_CHUNK,
        file_id,
        &index.to_be_bytes(),
        &[u8::from(last)],
    ]
    .concat()
}

/// Checks a chunk's plaintext size.
pub fn check_len(len: usize) -> Result<()> {
    if len > MAX_CHUNK {
        return Err(Error::TooLarge {
            what: "file chunk",
            limit: MAX_CHUNK,
        });
    }
    Ok(())
}

/// Encrypts chunk `index` of a file with its key (as `provider` holds it).
pub async fn seal_chunk_with<P: Provider>(
    provider: &P,
    key: &P::AesKey,
    file_id: &[u8; 16],
    index: u64,
    last: bool,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    check_len(plaintext.len())?;
    provider
        .seal(
            key,
            &nonce(index),
            &associated_data(file_id, index, last),
            plaintext,
        )
        .await
}

/// Checks a sealed chunk's size before opening it.
pub fn check_sealed_len(len: usize) -> Result<()> {
    if len > MAX_CHUNK + aead::TAG_LEN {
        return Err(Error::TooLarge {
            what: "file chunk",
            limit: MAX_CHUNK,
        });
    }
    Ok(())
}

/// Decrypts one chunk; fails if it was altered, moved or is not the claimed last.
pub async fn open_chunk_with<P: Provider>(
    provider: &P,
    key: &P::AesKey,
    file_id: &[u8; 16],
    index: u64,
    last: bool,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    check_sealed_len(ciphertext.len())?;
    provider
        .open(
            key,
            &nonce(index),
            &associated_data(file_id, index, last),
            ciphertext,
        )
        .await
}

/// [`seal_chunk_with`] with the pure-Rust provider.
pub fn seal_chunk(
    key: &[u8; 32],
    file_id: &[u8; 16],
    index: u64,
    last: bool,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    block_on(seal_chunk_with(
        &RustCrypto,
        &Zeroizing::new(*key),
        file_id,
        index,
        last,
        plaintext,
    ))
}

/// [`open_chunk_with`] with the pure-Rust provider.
pub fn open_chunk(
    key: &[u8; 32],
    file_id: &[u8; 16],
    index: u64,
    last: bool,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    block_on(open_chunk_with(
        &RustCrypto,
        &Zeroizing::new(*key),
        file_id,
        index,
        last,
        ciphertext,
    ))
}

/// The file's root hash from its chunk digests, in order.
pub fn root(chunk_digests: &[[u8; 32]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for digest in chunk_digests {
        hasher.update(digest);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_open_only_at_their_index_and_position() {
        let key = [7; 32];
        let id = [1; 16];
        let sealed = seal_chunk(&key, &id, 3, false, b"data").unwrap();
        assert_eq!(
            open_chunk(&key, &id, 3, false, &sealed).unwrap().as_slice(),
            b"data"
        );
        assert!(open_chunk(&key, &id, 4, false, &sealed).is_err(), "moved");
        assert!(
            open_chunk(&key, &id, 3, true, &sealed).is_err(),
            "claimed last"
        );
        assert!(
            open_chunk(&key, &[2; 16], 3, false, &sealed).is_err(),
            "other file"
        );
    }

    #[test]
    fn root_depends_on_every_chunk_and_their_order() {
        let a = [1; 32];
        let b = [2; 32];
        assert_ne!(root(&[a, b]), root(&[b, a]));
        assert_ne!(root(&[a]), root(&[a, b]));
    }
}
