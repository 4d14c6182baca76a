//! The browser side of the worker (wasm32 only).
//!
//! Derivation runs in pure Rust (it must be bit-identical everywhere), but once
//! an identity exists its private key is imported into WebCrypto as a
//! non-extractable `CryptoKey` and every private-key and bulk operation runs
//! there: the browser's RSA is ~15× faster than big-integer code compiled to
//! WASM, and its AES uses the CPU's AES instructions. The formats are the same
//! as the pure-Rust path; `tests/web.rs` checks each direction against the other.

mod bindings;
mod chunks;
mod peer;
mod session;
mod subtle;

pub use chunks::{open_chunk, seal_chunk};
pub use peer::{Connection, Pending, WebChannel, WebHandshake};
pub use session::{SessionKeys, WebSession};
pub use subtle::{RsaUse, Subtle};
