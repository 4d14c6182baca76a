//! The browser side of the worker (wasm32 only).
//!
//! Derivation runs in pure Rust (it must be bit-identical everywhere), but once
//! an identity exists its private key is imported into WebCrypto as a
//! non-extractable `CryptoKey` and every private-key and bulk operation runs
//! there, through the [`WebCrypto`] provider: the protocol steps are the
//! crate's own (`envelope`, `vault`, `handshake`, `channel`, `files`).
//! `tests/web.rs` checks each direction against the pure-Rust provider.

mod bindings;
mod chunks;
mod peer;
mod provider;
mod session;
mod subtle;

pub use chunks::{open_chunk, seal_chunk};
pub use peer::{Pending, WebChannel, WebHandshake};
pub use provider::{WebCrypto, WebPrivateKey};
pub use session::{SessionKeys, WebSession};
pub use subtle::{RsaUse, Subtle};
