//! Free functions: keys, envelopes' headers, ids, randomness, hashes and
//! file chunks.

use js_sys::{Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{array, bytes, header_object, set, whole_number};
use crate::conversation;
use crate::hex_lower;
use crate::public_identity::{Fingerprint, PublicIdentity};
use crate::web::Subtle;
use crate::{Error, envelope, files, random};

/// The fingerprint and size of a public key, or an `invalid-public-key` error.
#[wasm_bindgen(js_name = inspectPublicKey)]
pub fn inspect_public_key(spki: &[u8]) -> Result<Object, JsValue> {
    let identity = PublicIdentity::from_spki(spki)?;
    let result = Object::new();
    set(&result, "fingerprint", identity.fingerprint().to_hex());
    set(&result, "bits", identity.size().bits() as u32);
    Ok(result)
}

/// The unverified header of an envelope: who claims to have sent it, so the
/// caller can look up the key to open it with.
#[wasm_bindgen(js_name = peekEnvelope)]
pub fn peek_envelope(envelope: &[u8]) -> Result<Object, JsValue> {
    let parsed = envelope::Envelope::decode(envelope)?;
    Ok(header_object(parsed.header()))
}

/// SHA-256 of `bytes` as 64 lowercase hex digits (the bundle hash is that of MANIFEST).
#[wasm_bindgen(js_name = sha256Hex)]
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex_lower(&sha2::Sha256::digest(bytes))
}

/// The id (hex) of a group's conversation, from its 16-byte group id.
#[wasm_bindgen(js_name = groupConversationId)]
pub fn group_conversation_id(group_id: &[u8]) -> Result<String, JsValue> {
    let id = array(group_id, "group id must be 16 bytes")?;
    Ok(hex_lower(&conversation::group_conversation_id(&id)))
}

/// The id (hex) of a group created by `creator` (fingerprint hex) with a
/// 16-byte `nonce` (see `conversation::group_id`).
#[wasm_bindgen(js_name = groupId)]
pub fn group_id(creator: &str, nonce: &[u8]) -> Result<String, JsValue> {
    let creator = Fingerprint::from_hex(creator)?;
    let nonce = array(nonce, "group nonce must be 16 bytes")?;
    Ok(hex_lower(&conversation::group_id(&creator, &nonce)))
}

/// `n` random bytes (1 to 64): file keys, group ids and secrets.
#[wasm_bindgen(js_name = randomBytes)]
pub fn random_bytes(n: u32) -> Result<Uint8Array, JsValue> {
    if n == 0 || n > 64 {
        return Err(JsValue::from(Error::Malformed("1 to 64 random bytes")));
    }
    let bytes = random::bytes::<64>()?;
    Ok(Uint8Array::from(&bytes[..n as usize]))
}

/// Arguments of one file-chunk operation.
struct ChunkSpec {
    key: zeroize::Zeroizing<[u8; 32]>,
    file_id: [u8; 16],
    index: u64,
    last: bool,
}

fn chunk_spec(key: &[u8], file_id: &[u8], index: f64, last: bool) -> Result<ChunkSpec, Error> {
    Ok(ChunkSpec {
        key: zeroize::Zeroizing::new(array(key, "file key must be 32 bytes")?),
        file_id: array(file_id, "file id must be 16 bytes")?,
        index: whole_number(index, "chunk index")?,
        last,
    })
}

/// Encrypts chunk `index` of a file (see `worker/src/files.rs`).
#[wasm_bindgen(js_name = sealFileChunk)]
pub fn seal_file_chunk(
    key: &[u8],
    file_id: &[u8],
    index: f64,
    last: bool,
    plaintext: Uint8Array,
) -> Promise {
    let spec = chunk_spec(key, file_id, index, last);
    future_to_promise(async move {
        let spec = spec?;
        let sealed =
            crate::web::seal_chunk(&spec.key, &spec.file_id, spec.index, spec.last, &plaintext)
                .await?;
        Ok(sealed.into())
    })
}

/// Decrypts chunk `index` of a file; `decryption-failed` if it was altered,
/// moved, or its last flag is wrong.
#[wasm_bindgen(js_name = openFileChunk)]
pub fn open_file_chunk(
    key: &[u8],
    file_id: &[u8],
    index: f64,
    last: bool,
    ciphertext: Uint8Array,
) -> Promise {
    let spec = chunk_spec(key, file_id, index, last);
    future_to_promise(async move {
        let spec = spec?;
        let opened =
            crate::web::open_chunk(&spec.key, &spec.file_id, spec.index, spec.last, &ciphertext)
                .await?;
        Ok(opened.into())
    })
}

/// SHA-256 of a buffer, as bytes (WebCrypto).
#[wasm_bindgen(js_name = digest)]
pub fn digest(data: Uint8Array) -> Promise {
    future_to_promise(async move {
        let subtle = Subtle::get()?;
        Ok(bytes(&subtle.sha256(&data).await?).into())
    })
}

/// The root hash (hex) of a file from its concatenated 32-byte chunk digests.
#[wasm_bindgen(js_name = fileRoot)]
pub fn file_root(digests: &[u8]) -> Result<String, JsValue> {
    if !digests.len().is_multiple_of(32) {
        return Err(JsValue::from(Error::Malformed(
            "digests must be 32 bytes each",
        )));
    }
    let list: Vec<[u8; 32]> = digests
        .chunks_exact(32)
        .map(|d| d.try_into().expect("chunks_exact(32)"))
        .collect();
    Ok(hex_lower(&files::root(&list)))
}
