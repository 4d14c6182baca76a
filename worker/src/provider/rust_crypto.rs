//! [`Provider`] over the RustCrypto crates: `aes-gcm`, `rsa` (blinded
//! decryption), `sha2`, `x25519-dalek`.

use rsa::{Oaep, PrivateKey as RsaPrivateKey};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::Provider;
use crate::public_identity::PublicIdentity;
use crate::{Error, Result, aead, random};

/// The pure-Rust provider.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCrypto;

impl Provider for RustCrypto {
    type AesKey = Zeroizing<[u8; 32]>;
    type PrivateKey = RsaPrivateKey;
    type Ephemeral = x25519_dalek::StaticSecret;

    async fn aes_key(&self, raw: &[u8; 32]) -> Result<Self::AesKey> {
        Ok(Zeroizing::new(*raw))
    }

    async fn seal(
        &self,
        key: &Self::AesKey,
        nonce: &[u8; aead::NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        Ok(aead::seal(key, nonce, aad, plaintext))
    }

    async fn open(
        &self,
        key: &Self::AesKey,
        nonce: &[u8; aead::NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        aead::open(key, nonce, aad, ciphertext)
    }

    async fn wrap(&self, to: &PublicIdentity, secret: &[u8]) -> Result<Vec<u8>> {
        to.rsa()
            .encrypt(&mut random::rng(), Oaep::<Sha256>::new(), secret)
            .map_err(|_| Error::Random)
    }

    async fn unwrap(&self, key: &Self::PrivateKey, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        // Blinded: the private operation's timing does not depend on the ciphertext.
        key.decrypt_blinded(&mut random::rng(), Oaep::<Sha256>::new(), wrapped)
            .map(Zeroizing::new)
            .map_err(|_| Error::DecryptionFailed)
    }

    async fn sign(&self, key: &Self::PrivateKey, message: &[u8]) -> Result<Vec<u8>> {
        key.pss_sign_with_rng::<Sha256, _>(&mut random::rng(), message)
            .map_err(|_| Error::Derivation("rsa-pss signing"))
    }

    async fn verify(&self, who: &PublicIdentity, message: &[u8], signature: &[u8]) -> Result<()> {
        who.verify(message, signature)
    }

    async fn ephemeral(&self) -> Result<(Self::Ephemeral, [u8; 32])> {
        let secret = x25519_dalek::StaticSecret::from(random::bytes::<32>()?);
        let public = x25519_dalek::PublicKey::from(&secret).to_bytes();
        Ok((secret, public))
    }

    async fn agree(
        &self,
        mine: &Self::Ephemeral,
        theirs: &[u8; 32],
    ) -> Result<Zeroizing<[u8; 32]>> {
        Ok(Zeroizing::new(
            mine.diffie_hellman(&x25519_dalek::PublicKey::from(*theirs))
                .to_bytes(),
        ))
    }
}
