//! Trustero's builder as a library: the `builder` binary is a thin CLI over
//! these modules, and the integration tests use them directly.

#![forbid(unsafe_code)]

pub mod bundle;
pub mod cmd;
pub mod hashes;
pub mod http;
pub mod render;
pub mod site;
pub mod tls;
pub mod tracker;
pub mod wasm;
pub mod workspace;
