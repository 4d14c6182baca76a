//! [`Provider`] over the browser's WebCrypto: RSA and AES run in the
//! browser (RSA ~15× faster than big integers in WASM, AES on AES-NI), and
//! private keys are non-extractable `CryptoKey`s.

use std::cell::RefCell;
use std::collections::HashMap;

use web_sys::CryptoKey;
use zeroize::Zeroizing;

use super::subtle::{RsaUse, Subtle};
use crate::provider::Provider;
use crate::public_identity::{Fingerprint, PublicIdentity};
use crate::{Error, Result, aead};

/// Imported public keys kept per use; cleared whole when this many pile up.
const PUBLIC_KEY_CACHE: usize = 4096;

/// An identity's private key, imported once per algorithm (WebCrypto binds
/// a `CryptoKey` to one).
#[derive(Clone, Debug)]
pub struct WebPrivateKey {
    /// RSA-OAEP (unwrapping content keys).
    pub oaep: CryptoKey,
    /// RSA-PSS (signing).
    pub pss: CryptoKey,
}

/// The WebCrypto provider, with a cache of imported public keys.
pub struct WebCrypto {
    subtle: Subtle,
    public_keys: RefCell<HashMap<(Fingerprint, bool), CryptoKey>>,
}

impl core::fmt::Debug for WebCrypto {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebCrypto").finish_non_exhaustive()
    }
}

impl WebCrypto {
    /// The provider of the current global scope (worker or window).
    pub fn get() -> Result<Self> {
        Ok(WebCrypto {
            subtle: Subtle::get()?,
            public_keys: RefCell::new(HashMap::new()),
        })
    }

    /// The underlying `crypto.subtle` (zero-copy buffer operations).
    pub fn subtle(&self) -> &Subtle {
        &self.subtle
    }

    async fn public_key(&self, who: &PublicIdentity, usage: RsaUse) -> Result<CryptoKey> {
        let slot = (who.fingerprint(), usage == RsaUse::Pss);
        if let Some(key) = self.public_keys.borrow().get(&slot) {
            return Ok(key.clone());
        }
        let key = self.subtle.import_rsa_public(who.spki(), usage).await?;
        let mut cache = self.public_keys.borrow_mut();
        if cache.len() >= PUBLIC_KEY_CACHE {
            cache.clear();
        }
        cache.insert(slot, key.clone());
        Ok(key)
    }
}

impl Provider for WebCrypto {
    type AesKey = CryptoKey;
    type PrivateKey = WebPrivateKey;
    type Ephemeral = CryptoKey;

    async fn aes_key(&self, raw: &[u8; 32]) -> Result<Self::AesKey> {
        self.subtle.import_aes(raw).await
    }

    async fn seal(
        &self,
        key: &Self::AesKey,
        nonce: &[u8; aead::NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        self.subtle
            .aes_gcm_encrypt(key, nonce, aad, plaintext)
            .await
    }

    async fn open(
        &self,
        key: &Self::AesKey,
        nonce: &[u8; aead::NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        self.subtle
            .aes_gcm_decrypt(key, nonce, aad, ciphertext)
            .await
    }

    async fn wrap(&self, to: &PublicIdentity, secret: &[u8]) -> Result<Vec<u8>> {
        let key = self.public_key(to, RsaUse::Oaep).await?;
        self.subtle.oaep_encrypt(&key, secret).await
    }

    async fn unwrap(&self, key: &Self::PrivateKey, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.subtle.oaep_decrypt(&key.oaep, wrapped).await
    }

    async fn sign(&self, key: &Self::PrivateKey, message: &[u8]) -> Result<Vec<u8>> {
        self.subtle.pss_sign(&key.pss, message).await
    }

    async fn verify(&self, who: &PublicIdentity, message: &[u8], signature: &[u8]) -> Result<()> {
        if signature.len() != who.size().bytes() {
            return Err(Error::BadSignature);
        }
        let key = self.public_key(who, RsaUse::Pss).await?;
        self.subtle.pss_verify(&key, signature, message).await
    }

    async fn ephemeral(&self) -> Result<(Self::Ephemeral, [u8; 32])> {
        self.subtle.generate_x25519().await
    }

    async fn agree(
        &self,
        mine: &Self::Ephemeral,
        theirs: &[u8; 32],
    ) -> Result<Zeroizing<[u8; 32]>> {
        self.subtle.x25519(mine, theirs).await
    }
}
