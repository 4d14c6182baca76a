//! Trustero's builder as a library: the `builder` binary is a thin CLI over
//! these modules, and the integration tests use them directly.

#![forbid(unsafe_code)]

pub mod bundle;
pub mod cmd;
pub mod hashes;
pub mod modules;
pub mod render;
pub mod wasm;
pub mod workspace;
