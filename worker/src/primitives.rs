//! The building blocks under every format: AES-256-GCM ([`aead`]), the
//! bounded binary reader and writer ([`codec`]), length padding
//! ([`padding`]) and the system's randomness ([`random`]).

pub mod aead;
pub(crate) mod codec;
pub mod padding;
pub mod random;
