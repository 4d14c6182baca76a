//! The building blocks under every format: AES-256-GCM ([`aead`]), the
//! bounded binary reader and writer ([`codec`]), lowercase hex ([`hex`]),
//! length padding ([`padding`]) and the system's randomness ([`random`]).

pub mod aead;
pub mod codec;
pub mod hex;
pub mod padding;
pub mod random;
