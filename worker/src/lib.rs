//! Trustero's crypto core.
//!
//! Everything secret in Trustero happens here: deriving an identity from a
//! username and password ([`identity`]), sealing and opening message
//! [`envelope`]s, sealing records at rest ([`vault`]) and signalling blobs
//! ([`signal`]), files ([`files`]), the peer [`handshake`] and session
//! frames ([`channel`]). Every protocol step is written once over a crypto
//! [`provider`]: the RustCrypto crates natively (tested with `cargo test`),
//! the browser's WebCrypto when compiled to WASM and run inside a Web Worker
//! (`web`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod primitives;
pub(crate) use primitives::codec;
pub use primitives::{aead, padding, random};

pub mod ack;
pub mod channel;
pub mod envelope;
mod error;
pub mod files;
pub mod handshake;
pub mod identity;
pub mod labels;
pub mod mailbox;
pub mod nostr;
pub mod profile;
pub mod provider;
pub mod signal;
mod unicode;
pub mod vault;

pub use error::{Error, Result};
pub use identity::{Fingerprint, Identity, KeySize, PublicIdentity, VaultKey, safety_number};

#[cfg(target_arch = "wasm32")]
pub mod web;
