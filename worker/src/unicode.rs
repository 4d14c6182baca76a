//! Unicode Normalization Form C (UAX #15), as the identity derivation requires.
//!
//! Natively this is the `unicode-normalization` crate. In the browser it is the
//! JavaScript engine's own `String.prototype.normalize("NFC")` (ICU), called
//! from inside the worker: the crate's tables would add ~80 KB (gzip) to the
//! bundle.
//!
//! The two agree on every string of *assigned* characters: NFC is stable
//! across Unicode versions for those (Unicode's normalization stability
//! policy). A character assigned after either table was made could normalize
//! differently on the two sides and give a different identity, so login text
//! may hold only characters assigned in the pinned general-category table
//! ([`PINNED_UNICODE_VERSION`]), whose version is at most both NFC tables'
//! (checked by a test natively; the browser's ICU is newer).

use crate::{Error, Result};

/// The Unicode version of the table that decides which characters are
/// assigned (the `unicode-general-category` crate, pinned with `=`).
#[allow(dead_code, reason = "checked against the native NFC table by a test")]
pub const PINNED_UNICODE_VERSION: (u64, u64, u64) = unicode_general_category::UNICODE_VERSION;

/// Whether `c` is assigned (any general category but Cn) in the pinned table.
pub fn is_assigned(c: char) -> bool {
    unicode_general_category::get_general_category(c)
        != unicode_general_category::GeneralCategory::Unassigned
}

/// Fails with [`Error::UnassignedCharacter`] naming the first character of
/// `text` that the pinned table does not assign.
pub fn check_assigned(text: &str, field: &'static str) -> Result<()> {
    match text.chars().find(|c| !is_assigned(*c)) {
        Some(c) => Err(Error::UnassignedCharacter {
            field,
            code_point: u32::from(c),
        }),
        None => Ok(()),
    }
}

/// `text` in NFC, refusing characters the pinned table does not assign.
pub fn nfc_checked(text: &str, field: &'static str) -> Result<String> {
    check_assigned(text, field)?;
    Ok(nfc(text))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_text_passes_and_unassigned_code_points_are_named() {
        assert!(check_assigned("café Ünïcödé 日本語 🦀 \u{E000}", "username").is_ok());
        // U+0378 has never been assigned; U+FFFF and U+10FFFF are noncharacters.
        for c in ['\u{378}', '\u{FFFF}', '\u{10FFFF}', '\u{E0080}'] {
            assert_eq!(
                check_assigned(&format!("ab{c}"), "password"),
                Err(Error::UnassignedCharacter {
                    field: "password",
                    code_point: u32::from(c)
                })
            );
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_pinned_table_is_no_newer_than_the_native_nfc_table() {
        let (major, minor, update) = PINNED_UNICODE_VERSION;
        let nfc = unicode_normalization::UNICODE_VERSION;
        assert!(
            (major, minor, update) <= (u64::from(nfc.0), u64::from(nfc.1), u64::from(nfc.2)),
            "general category {PINNED_UNICODE_VERSION:?} is newer than NFC {nfc:?}"
        );
    }
}
