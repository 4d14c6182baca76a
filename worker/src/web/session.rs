//! A logged-in identity inside the browser worker, with its private key held
//! only as non-extractable WebCrypto keys.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::Uint8Array;
use web_sys::CryptoKey;
use zeroize::Zeroizing;

use super::subtle::{RsaUse, Subtle};
use crate::envelope::{self, Envelope, EnvelopeMeta, Header, Opened, Recipient};
use crate::identity::{Fingerprint, Identity, PublicIdentity};
use crate::{Result, aead, padding, random, vault};

/// Imported public keys kept per use; cleared whole when this many pile up.
const PUBLIC_KEY_CACHE: usize = 4096;

/// The non-extractable WebCrypto keys of a session.
#[derive(Clone, Debug)]
pub struct SessionKeys {
    /// RSA-OAEP private key (unwrapping content keys).
    pub oaep: CryptoKey,
    /// RSA-PSS private key (signing).
    pub pss: CryptoKey,
    /// AES-256-GCM vault key.
    pub vault: CryptoKey,
}

/// A logged-in identity whose secrets live in WebCrypto.
pub struct WebSession {
    subtle: Subtle,
    public: PublicIdentity,
    oaep_private: CryptoKey,
    pss_private: CryptoKey,
    vault: CryptoKey,
    public_keys: RefCell<HashMap<(Fingerprint, bool), CryptoKey>>,
}

impl core::fmt::Debug for WebSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebSession")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl WebSession {
    /// Moves an identity's secrets into WebCrypto; the Rust copies are zeroized
    /// when `identity` is dropped at the end of this call.
    pub async fn from_identity(identity: Identity) -> Result<Self> {
        let subtle = Subtle::get()?;
        let pkcs8 = identity.private_key_pkcs8()?;
        let oaep_private = subtle.import_rsa_private(&pkcs8, RsaUse::Oaep).await?;
        let pss_private = subtle.import_rsa_private(&pkcs8, RsaUse::Pss).await?;
        let vault = subtle
            .import_aes(identity.vault_key().expose_bytes())
            .await?;
        Ok(WebSession {
            subtle,
            public: identity.public().clone(),
            oaep_private,
            pss_private,
            vault,
            public_keys: RefCell::new(HashMap::new()),
        })
    }

    /// A session from keys already imported elsewhere (the derivation runs in
    /// a short-lived worker whose 64 MiB of Argon2 memory is then freed; its
    /// non-extractable `CryptoKey`s are structured-cloned to this worker).
    pub fn from_keys(public: PublicIdentity, keys: SessionKeys) -> Result<Self> {
        Ok(WebSession {
            subtle: Subtle::get()?,
            public,
            oaep_private: keys.oaep,
            pss_private: keys.pss,
            vault: keys.vault,
            public_keys: RefCell::new(HashMap::new()),
        })
    }

    /// The session's private keys, as opaque non-extractable handles.
    pub fn keys(&self) -> SessionKeys {
        SessionKeys {
            oaep: self.oaep_private.clone(),
            pss: self.pss_private.clone(),
            vault: self.vault.clone(),
        }
    }

    /// The logged-in public identity.
    pub fn public(&self) -> &PublicIdentity {
        &self.public
    }

    /// The WebCrypto handle.
    pub fn subtle(&self) -> &Subtle {
        &self.subtle
    }

    pub(super) async fn public_key(
        &self,
        who: &PublicIdentity,
        usage: RsaUse,
    ) -> Result<CryptoKey> {
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

    /// Seals an envelope exactly as [`envelope::seal`] does, with WebCrypto.
    pub async fn seal_envelope(
        &self,
        recipients: &[PublicIdentity],
        meta: &EnvelopeMeta,
        content: &[u8],
    ) -> Result<Vec<u8>> {
        meta.check()?;
        let padded = padding::pad(content)?;
        let content_key = Zeroizing::new(random::bytes::<32>()?);
        let nonce = random::bytes::<{ aead::NONCE_LEN }>()?;
        let mut wrapped = Vec::with_capacity(recipients.len() + 1);
        for recipient in envelope::recipient_list(&self.public, recipients)? {
            let key = self.public_key(recipient, RsaUse::Oaep).await?;
            wrapped.push(Recipient {
                fingerprint: recipient.fingerprint(),
                wrapped_key: self.subtle.oaep_encrypt(&key, content_key.as_ref()).await?,
            });
        }
        let header_bytes = Header::new(meta, self.public.fingerprint(), nonce, wrapped).encode();
        let aes = self.subtle.import_aes(&content_key).await?;
        let ciphertext = self
            .subtle
            .aes_gcm_encrypt(&aes, &nonce, &header_bytes, &padded)
            .await?;
        let signature = self
            .subtle
            .pss_sign(
                &self.pss_private,
                &envelope::signed_message(&header_bytes, &ciphertext),
            )
            .await?;
        Ok(Envelope::assemble(header_bytes, ciphertext, signature))
    }

    /// Checks an envelope's signature exactly as [`envelope::verify`] does,
    /// with WebCrypto; no private-key operation.
    pub async fn verify_envelope(&self, bytes: &[u8], sender: &PublicIdentity) -> Result<Header> {
        let envelope = Envelope::decode(bytes)?;
        envelope.check_sender(sender)?;
        let verify_key = self.public_key(sender, RsaUse::Pss).await?;
        self.subtle
            .pss_verify(
                &verify_key,
                envelope.signature(),
                &envelope.signed_message(),
            )
            .await?;
        Ok(envelope.into_header())
    }

    /// Opens an envelope exactly as [`envelope::open_with_receipt`] does, with
    /// WebCrypto: the signature is verified before the private key is touched.
    pub async fn open_envelope(
        &self,
        bytes: &[u8],
        sender: &PublicIdentity,
    ) -> Result<(Opened, Vec<u8>)> {
        let envelope = Envelope::decode(bytes)?;
        envelope.check_sender(sender)?;
        let verify_key = self.public_key(sender, RsaUse::Pss).await?;
        self.subtle
            .pss_verify(
                &verify_key,
                envelope.signature(),
                &envelope.signed_message(),
            )
            .await?;
        let wrapped = envelope.wrapped_key_for(&self.public.fingerprint())?;
        let content_key = envelope::content_key_array(
            &self
                .subtle
                .oaep_decrypt(&self.oaep_private, wrapped)
                .await?,
        )?;
        let opened = self.decrypt_content(envelope, &content_key).await?;
        let receipt = self
            .vault_seal(&envelope::receipt_context(bytes), content_key.as_ref())
            .await?;
        Ok((opened, receipt))
    }

    /// Reopens a stored envelope with its receipt, as [`envelope::open_stored`]
    /// does: two AES-GCM operations, no RSA.
    pub async fn open_stored(&self, bytes: &[u8], receipt: &[u8]) -> Result<Opened> {
        let envelope = Envelope::decode(bytes)?;
        let content_key = envelope::content_key_array(
            &self
                .vault_open(&envelope::receipt_context(bytes), receipt)
                .await?,
        )?;
        self.decrypt_content(envelope, &content_key).await
    }

    async fn decrypt_content(&self, envelope: Envelope, content_key: &[u8; 32]) -> Result<Opened> {
        let aes = self.subtle.import_aes(content_key).await?;
        let padded = self
            .subtle
            .aes_gcm_decrypt(
                &aes,
                &envelope.header().nonce,
                envelope.header_bytes(),
                envelope.ciphertext(),
            )
            .await?;
        Ok(Opened {
            header: envelope.into_header(),
            content: padding::unpad(&padded)?,
        })
    }

    /// Seals a record at rest exactly as [`vault::seal`] does.
    pub async fn vault_seal(&self, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let sealed = self
            .vault_seal_buffer(context, &Uint8Array::from(plaintext))
            .await?;
        Ok(sealed.to_vec())
    }

    /// Opens a record at rest exactly as [`vault::open`] does.
    pub async fn vault_open(&self, context: &[u8], record: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let opened = self
            .vault_open_buffer(context, &Uint8Array::from(record))
            .await?;
        Ok(Zeroizing::new(opened.to_vec()))
    }

    /// [`Self::vault_seal`] on a JavaScript buffer: the bytes go straight to
    /// WebCrypto and back, never copied into WASM memory (bulk file chunks).
    pub async fn vault_seal_buffer(
        &self,
        context: &[u8],
        plaintext: &Uint8Array,
    ) -> Result<Uint8Array> {
        vault::check_plaintext_len(plaintext.length() as usize)?;
        let nonce = random::bytes::<{ aead::NONCE_LEN }>()?;
        let ciphertext = self
            .subtle
            .aes_gcm_encrypt_buffer(
                &self.vault,
                &nonce,
                &vault::associated_data(context)?,
                plaintext,
            )
            .await?;
        let ciphertext = Uint8Array::new(&ciphertext);
        let record = Uint8Array::new_with_length(vault::HEADER_LEN as u32 + ciphertext.length());
        record.set(&Uint8Array::from(&vault::assemble(&nonce, &[])[..]), 0);
        record.set(&ciphertext, vault::HEADER_LEN as u32);
        Ok(record)
    }

    /// [`Self::vault_open`] on a JavaScript buffer, without copies into WASM memory.
    pub async fn vault_open_buffer(
        &self,
        context: &[u8],
        record: &Uint8Array,
    ) -> Result<Uint8Array> {
        let length = record.length();
        let header_end = length.min(vault::HEADER_LEN as u32);
        let nonce = vault::parse_header(&record.subarray(0, header_end).to_vec(), length as usize)?;
        let plaintext = self
            .subtle
            .aes_gcm_decrypt_buffer(
                &self.vault,
                &nonce,
                &vault::associated_data(context)?,
                &record.subarray(vault::HEADER_LEN as u32, length),
            )
            .await?;
        Ok(Uint8Array::new(&plaintext))
    }

    /// Signs `message` with the identity key (RSA-PSS-SHA-256, salt 32).
    pub async fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.subtle.pss_sign(&self.pss_private, message).await
    }
}
