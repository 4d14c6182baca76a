//! Unicode Normalization Form C (UAX #15), as the identity derivation requires.
//!
//! Natively this is the `unicode-normalization` crate. In the browser it is the
//! JavaScript engine's own `String.prototype.normalize("NFC")` (ICU), called
//! from inside the worker: the crate's tables would add ~80 KB (gzip) to the
//! bundle. NFC is stable across Unicode versions for assigned characters, and
//! the identity vectors (which include decomposed input) are checked on both.

/// `text` in NFC.
#[cfg(not(target_arch = "wasm32"))]
pub fn nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().collect()
}

/// `text` in NFC.
#[cfg(target_arch = "wasm32")]
pub fn nfc(text: &str) -> String {
    String::from(js_sys::JsString::from(text).normalize("NFC"))
}
