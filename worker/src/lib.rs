//! Trustero's crypto core.
//!
//! Everything secret in Trustero happens here: deriving an identity from a
//! username and password ([`identity`]), sealing and opening message
//! [`envelope`]s, sealing records at rest ([`vault`]) and signalling blobs
//! ([`signal`]). The same code compiles natively (tested with `cargo test`)
//! and to WASM, where it runs inside a Web Worker and drives the browser's
//! WebCrypto for private-key and bulk operations (`web`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod aead;
pub mod channel;
pub mod codec;
pub mod envelope;
mod error;
pub mod files;
pub mod handshake;
pub mod identity;
pub mod labels;
pub mod nostr;
pub mod padding;
pub mod random;
pub mod signal;
mod unicode;
pub mod vault;

pub use error::{Error, Result};
pub use identity::{Fingerprint, Identity, KeySize, PublicIdentity, VaultKey, safety_number};

#[cfg(target_arch = "wasm32")]
pub mod web;
