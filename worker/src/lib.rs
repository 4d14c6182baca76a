//! Trustero's crypto core.
//!
//! Everything secret in Trustero happens here: deriving an identity from a
//! username and password, sealing and opening message envelopes, sealing
//! records at rest and signalling blobs. The same code compiles natively (and
//! is tested with `cargo test`) and to WASM, where it runs inside a Web Worker
//! and drives the browser's WebCrypto for private-key and bulk operations.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod error;
mod identity;
mod labels;

pub use error::{Error, Result};
pub use identity::{
    Fingerprint, Identity, IdentitySeed, KeySize, PublicIdentity, VaultKey, normalize_username,
    safety_number,
};
