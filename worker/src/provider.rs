//! The cryptographic primitives the protocols need, behind one trait — the
//! rustls `CryptoProvider` pattern. Every protocol step (envelopes, the
//! vault, file chunks, the handshake, session frames) is written once over a
//! [`Provider`]; [`RustCrypto`] implements it with the RustCrypto crates
//! (native code, tests, and the cross-checks in the browser), `web::WebCrypto`
//! with the browser's WebCrypto (keys held as non-extractable `CryptoKey`s).
//!
//! The methods are `async` because WebCrypto is; [`RustCrypto`] never waits,
//! so its callers drive the same code with [`block_on`].

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use zeroize::Zeroizing;

use crate::public_identity::PublicIdentity;
use crate::{Result, aead};

/// AES-256-GCM, RSA-OAEP-SHA-256, RSA-PSS-SHA-256 and X25519, as the formats
/// of this crate use them (see each method).
#[allow(
    async_fn_in_trait,
    reason = "used with concrete providers only, never as a trait object"
)]
pub trait Provider {
    /// An AES-256-GCM key ready for use (raw bytes natively, an imported
    /// `CryptoKey` in the browser).
    type AesKey: Clone;
    /// An identity's RSA private key.
    type PrivateKey;
    /// A handshake's ephemeral X25519 private key.
    type Ephemeral;

    /// Makes a usable AES-256-GCM key of 32 raw bytes.
    async fn aes_key(&self, raw: &[u8; 32]) -> Result<Self::AesKey>;
    /// AES-256-GCM encryption (NIST SP 800-38D): ciphertext ‖ 16-byte tag.
    async fn seal(
        &self,
        key: &Self::AesKey,
        nonce: &[u8; aead::NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>>;
    /// AES-256-GCM decryption; fails if anything differs.
    async fn open(
        &self,
        key: &Self::AesKey,
        nonce: &[u8; aead::NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>>;
    /// RSA-OAEP-SHA-256 (MGF1-SHA-256, empty label) to `to` (RFC 8017 §7.1).
    async fn wrap(&self, to: &PublicIdentity, secret: &[u8]) -> Result<Vec<u8>>;
    /// RSA-OAEP-SHA-256 decryption with our private key. Only ever called on
    /// ciphertexts whose envelope signature verified (RUSTSEC-2023-0071).
    async fn unwrap(&self, key: &Self::PrivateKey, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>>;
    /// RSA-PSS-SHA-256 with a 32-byte salt (RFC 8017 §8.1).
    async fn sign(&self, key: &Self::PrivateKey, message: &[u8]) -> Result<Vec<u8>>;
    /// Verifies an RSA-PSS-SHA-256 signature by `who`.
    async fn verify(&self, who: &PublicIdentity, message: &[u8], signature: &[u8]) -> Result<()>;
    /// A fresh X25519 key pair (RFC 7748): the private half and the public bytes.
    async fn ephemeral(&self) -> Result<(Self::Ephemeral, [u8; 32])>;
    /// X25519 agreement of our ephemeral key with the peer's public key.
    async fn agree(&self, mine: &Self::Ephemeral, theirs: &[u8; 32])
    -> Result<Zeroizing<[u8; 32]>>;
}

/// A logged-in identity as a provider holds it: what the protocols need to
/// act as that identity.
#[derive(Debug)]
pub struct Holder<'a, P: Provider> {
    /// The public identity.
    pub public: &'a PublicIdentity,
    /// The RSA private key.
    pub private: &'a P::PrivateKey,
    /// The vault key (records at rest, envelope receipts).
    pub vault: &'a P::AesKey,
}

impl<P: Provider> Clone for Holder<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: Provider> Copy for Holder<'_, P> {}

/// Runs a future of [`RustCrypto`] to its end. Its operations never wait, so
/// the future is ready at its first poll.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the RustCrypto provider never waits"),
    }
}

mod rust_crypto;
pub use rust_crypto::RustCrypto;
