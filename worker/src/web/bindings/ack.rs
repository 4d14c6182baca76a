//! The acknowledgement methods of `Session`: sign that we stored some
//! messages, check that another member signed that it did (`crate::ack`).

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::session::Session;
use crate::ack;
use crate::public_identity::PublicIdentity;

#[wasm_bindgen]
impl Session {
    /// Signs that this identity stored the messages `keys` (48-byte records:
    /// sender fingerprint ‖ message id). Resolves to the signature.
    #[wasm_bindgen(js_name = signAcks)]
    pub fn sign_acks(&self, keys: Vec<u8>) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let signature = ack::sign_with(inner.crypto(), inner.holder(), &keys).await?;
            Ok(Uint8Array::from(signature.as_slice()).into())
        })
    }

    /// Checks that the holder of `holderSpki` signed that it stored the
    /// messages `keys`; resolves to nothing, rejects otherwise.
    #[wasm_bindgen(js_name = verifyAcks)]
    pub fn verify_acks(&self, holder_spki: Vec<u8>, keys: Vec<u8>, signature: Vec<u8>) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let holder = PublicIdentity::from_spki(&holder_spki)?;
            ack::verify_with(inner.crypto(), &holder, &keys, &signature).await?;
            Ok(JsValue::UNDEFINED)
        })
    }
}
