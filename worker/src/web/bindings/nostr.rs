//! `NostrSigner`: the throw-away key of this page's Nostr signalling.

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::convert::{set, whole_number};
use crate::nostr::NostrKey;

/// A throw-away Nostr key that signs this page's signalling events.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NostrSigner {
    key: NostrKey,
}

#[wasm_bindgen]
impl NostrSigner {
    /// A fresh random key.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<NostrSigner, JsValue> {
        Ok(NostrSigner {
            key: NostrKey::generate()?,
        })
    }

    /// x-only public key, hex.
    #[wasm_bindgen(getter)]
    pub fn pubkey(&self) -> String {
        self.key.public_hex()
    }

    /// Signs a NIP-01 event; resolves to `{id, pubkey, sig}`. Tags and content
    /// must be printable ASCII without quotes or backslashes.
    pub fn sign(
        &self,
        created_at: f64,
        kind: u32,
        tags: Vec<js_sys::Array>,
        content: String,
    ) -> Result<Object, JsValue> {
        let tags: Vec<Vec<String>> = tags
            .iter()
            .map(|tag| {
                tag.iter()
                    .map(|item| item.as_string().unwrap_or_default())
                    .collect()
            })
            .collect();
        let created_at = whole_number(created_at, "created_at")?;
        let signed = self.key.sign_event(created_at, kind, &tags, &content)?;
        let result = Object::new();
        set(&result, "id", signed.id);
        set(&result, "pubkey", signed.pubkey);
        set(&result, "sig", signed.sig);
        Ok(result)
    }
}
