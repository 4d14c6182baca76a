//! File chunks ([`crate::files`]) in the browser: the same nonce, associated
//! data and bounds, with WebCrypto's AES-GCM on JavaScript buffers (a chunk
//! is never copied into WASM memory).

use js_sys::Uint8Array;

use super::subtle::Subtle;
use crate::{Result, files};

/// Encrypts chunk `index` of a file, as [`files::seal_chunk_with`] does.
pub async fn seal_chunk(
    key: &[u8; 32],
    file_id: &[u8; 16],
    index: u64,
    last: bool,
    plaintext: &Uint8Array,
) -> Result<Uint8Array> {
    files::check_len(plaintext.length() as usize)?;
    let subtle = Subtle::get()?;
    let aes = subtle.import_aes_one_way(key, "encrypt").await?;
    let sealed = subtle
        .aes_gcm_encrypt_buffer(
            &aes,
            &files::nonce(index),
            &files::associated_data(file_id, index, last),
            plaintext,
        )
        .await?;
    Ok(Uint8Array::new(&sealed))
}

/// Decrypts chunk `index`, as [`files::open_chunk_with`] does.
pub async fn open_chunk(
    key: &[u8; 32],
    file_id: &[u8; 16],
    index: u64,
    last: bool,
    ciphertext: &Uint8Array,
) -> Result<Uint8Array> {
    files::check_sealed_len(ciphertext.length() as usize)?;
    let subtle = Subtle::get()?;
    let aes = subtle.import_aes_one_way(key, "decrypt").await?;
    let opened = subtle
        .aes_gcm_decrypt_buffer(
            &aes,
            &files::nonce(index),
            &files::associated_data(file_id, index, last),
            ciphertext,
        )
        .await?;
    Ok(Uint8Array::new(&opened))
}
