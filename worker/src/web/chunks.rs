//! File chunks ([`crate::files`]) with WebCrypto's AES-GCM, the bytes staying
//! in JavaScript buffers.

use js_sys::Uint8Array;

use super::subtle::Subtle;
use crate::{Result, files};

/// Encrypts chunk `index` of a file exactly as [`files::seal_chunk`] does.
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
    let aad = files::associated_data(file_id, index, last);
    let sealed = subtle
        .aes_gcm_encrypt_buffer(&aes, &files::nonce(index), &aad, plaintext)
        .await?;
    Ok(Uint8Array::new(&sealed))
}

/// Decrypts chunk `index` exactly as [`files::open_chunk`] does.
pub async fn open_chunk(
    key: &[u8; 32],
    file_id: &[u8; 16],
    index: u64,
    last: bool,
    ciphertext: &Uint8Array,
) -> Result<Uint8Array> {
    let subtle = Subtle::get()?;
    let aes = subtle.import_aes_one_way(key, "decrypt").await?;
    let aad = files::associated_data(file_id, index, last);
    let opened = subtle
        .aes_gcm_decrypt_buffer(&aes, &files::nonce(index), &aad, ciphertext)
        .await?;
    Ok(Uint8Array::new(&opened))
}
