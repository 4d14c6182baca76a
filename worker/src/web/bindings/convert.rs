//! What crosses between Rust and JavaScript: errors as `Error` objects with
//! a stable `code` (and, for a refused peer, its `fingerprint`), byte
//! strings as `Uint8Array`, ids and fingerprints as lowercase hex.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::Error;
use crate::envelope::Header;
use crate::hex_lower;
use crate::public_identity::PublicIdentity;

impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        let js = js_sys::Error::new(&error.to_string());
        Reflect::set(&js, &"code".into(), &error.code().into())
            .expect("setting a property on a fresh Error cannot fail");
        // A refused identity is named as data, so nobody parses it out of the text.
        if let Error::UnexpectedPeer(fingerprint) = &error {
            Reflect::set(&js, &"fingerprint".into(), &fingerprint.into())
                .expect("setting a property on a fresh Error cannot fail");
        }
        js.into()
    }
}

/// Sets a property of a fresh plain object.
pub(super) fn set(object: &Object, name: &str, value: impl Into<JsValue>) {
    Reflect::set(object, &name.into(), &value.into())
        .expect("setting a property on a fresh plain object cannot fail");
}

/// Bytes as a new `Uint8Array`.
pub(super) fn bytes(value: &[u8]) -> Uint8Array {
    Uint8Array::from(value)
}

/// A JavaScript number that must be a whole number a `u64` holds exactly.
pub(super) fn whole_number(value: f64, what: &'static str) -> Result<u64, Error> {
    if value.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&value) {
        Ok(value as u64)
    } else {
        Err(Error::Malformed(what))
    }
}

/// Exactly `N` bytes.
pub(super) fn array<const N: usize>(value: &[u8], what: &'static str) -> Result<[u8; N], Error> {
    value.try_into().map_err(|_| Error::Malformed(what))
}

/// An envelope header as `{version, messageId, conversationId, sender,
/// timestampMs, lamport, recipients, keyId}` (`recipients` empty and `keyId`
/// the sender key's hex id in a group envelope; `keyId` null otherwise).
pub(super) fn header_object(header: &Header) -> Object {
    let object = Object::new();
    set(&object, "version", header.version);
    set(&object, "messageId", hex_lower(&header.message_id));
    set(
        &object,
        "conversationId",
        hex_lower(&header.conversation_id),
    );
    set(&object, "sender", header.sender.to_hex());
    set(&object, "timestampMs", header.timestamp_ms as f64);
    set(&object, "lamport", header.lamport as f64);
    let recipients: Array = header
        .recipients
        .iter()
        .map(|r| JsValue::from(r.fingerprint.to_hex()))
        .collect();
    set(&object, "recipients", recipients);
    match &header.key_id {
        Some(id) => set(&object, "keyId", hex_lower(id)),
        None => set(&object, "keyId", JsValue::NULL),
    }
    object
}

/// An array of SPKI `Uint8Array`s as public identities.
pub(super) fn public_identities(list: &Array) -> Result<Vec<PublicIdentity>, Error> {
    list.iter()
        .map(|value| {
            let spki: Uint8Array = value.dyn_into().map_err(|_| Error::InvalidPublicKey)?;
            PublicIdentity::from_spki(&spki.to_vec())
        })
        .collect()
}
