//! A logged-in identity inside the browser worker, with its private key held
//! only as non-extractable WebCrypto keys. Every operation is the protocol's
//! own step (`envelope`, `vault`) run over [`WebCrypto`].

use js_sys::Uint8Array;
use web_sys::CryptoKey;
use zeroize::Zeroizing;

use super::provider::{WebCrypto, WebPrivateKey};
use super::subtle::RsaUse;
use crate::envelope::{self, EnvelopeMeta, Header, Opened, SenderKey};
use crate::identity::Identity;
use crate::mailbox::Mailbox;
use crate::nostr::NostrKey;
use crate::profile::Profile;
use crate::provider::{Holder, Provider};
use crate::public_identity::PublicIdentity;
use crate::{Result, aead, random, vault};

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
    crypto: WebCrypto,
    public: PublicIdentity,
    private: WebPrivateKey,
    vault: CryptoKey,
    mailbox: Mailbox,
    profile: Profile,
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
        let crypto = WebCrypto::get()?;
        let pkcs8 = identity.private_key_pkcs8()?;
        let subtle = crypto.subtle();
        let private = WebPrivateKey {
            oaep: subtle.import_rsa_private(&pkcs8, RsaUse::Oaep).await?,
            pss: subtle.import_rsa_private(&pkcs8, RsaUse::Pss).await?,
        };
        let vault = subtle
            .import_aes(identity.vault_key().expose_bytes())
            .await?;
        Ok(WebSession {
            crypto,
            public: identity.public().clone(),
            private,
            vault,
            mailbox: Mailbox::of(&identity)?,
            profile: Profile::of(&identity)?,
        })
    }

    /// A session from keys already imported elsewhere (the derivation runs in
    /// a short-lived worker whose 64 MiB of Argon2 memory is then freed; its
    /// non-extractable `CryptoKey`s are structured-cloned to this worker;
    /// the mailbox and profile secrets, secp256k1 and HKDF keys WebCrypto
    /// cannot hold, come as bytes from that worker to this one and never
    /// reach the page).
    pub fn from_keys(
        public: PublicIdentity,
        keys: SessionKeys,
        mailbox_secret: &[u8; 32],
        profile: Profile,
    ) -> Result<Self> {
        Ok(WebSession {
            crypto: WebCrypto::get()?,
            public,
            private: WebPrivateKey {
                oaep: keys.oaep,
                pss: keys.pss,
            },
            vault: keys.vault,
            mailbox: Mailbox::new(NostrKey::from_bytes(mailbox_secret)?)?,
            profile,
        })
    }

    /// This identity's mailbox.
    pub fn mailbox(&self) -> &Mailbox {
        &self.mailbox
    }

    /// This identity's roaming profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The session's private keys, as opaque non-extractable handles.
    pub fn keys(&self) -> SessionKeys {
        SessionKeys {
            oaep: self.private.oaep.clone(),
            pss: self.private.pss.clone(),
            vault: self.vault.clone(),
        }
    }

    /// The logged-in public identity.
    pub fn public(&self) -> &PublicIdentity {
        &self.public
    }

    /// The WebCrypto provider.
    pub fn crypto(&self) -> &WebCrypto {
        &self.crypto
    }

    /// This identity as the WebCrypto provider holds it.
    pub fn holder(&self) -> Holder<'_, WebCrypto> {
        Holder {
            public: &self.public,
            private: &self.private,
            vault: &self.vault,
        }
    }

    /// Seals an envelope ([`envelope::seal_with`]).
    pub async fn seal_envelope(
        &self,
        recipients: &[PublicIdentity],
        meta: &EnvelopeMeta,
        content: &[u8],
    ) -> Result<Vec<u8>> {
        envelope::seal_with(&self.crypto, self.holder(), recipients, meta, content).await
    }

    /// Seals a group envelope under our sender key ([`envelope::seal_group_with`]).
    pub async fn seal_group_envelope(
        &self,
        key: &SenderKey,
        meta: &EnvelopeMeta,
        content: &[u8],
    ) -> Result<Vec<u8>> {
        envelope::seal_group_with(&self.crypto, self.holder(), key, meta, content).await
    }

    /// Opens a group envelope with its sender's key ([`envelope::open_group_with`]).
    pub async fn open_group_envelope(
        &self,
        bytes: &[u8],
        sender: &PublicIdentity,
        key: &SenderKey,
    ) -> Result<(Opened, Vec<u8>)> {
        envelope::open_group_with(&self.crypto, &self.vault, bytes, sender, key).await
    }

    /// Checks an envelope's signature ([`envelope::verify_with`]).
    pub async fn verify_envelope(&self, bytes: &[u8], sender: &PublicIdentity) -> Result<Header> {
        envelope::verify_with(&self.crypto, bytes, sender).await
    }

    /// Opens an envelope and makes its receipt ([`envelope::open_with`]).
    pub async fn open_envelope(
        &self,
        bytes: &[u8],
        sender: &PublicIdentity,
    ) -> Result<(Opened, Vec<u8>)> {
        envelope::open_with(&self.crypto, self.holder(), bytes, sender).await
    }

    /// Reopens a stored envelope with its receipt ([`envelope::open_stored_with`]).
    pub async fn open_stored(&self, bytes: &[u8], receipt: &[u8]) -> Result<Opened> {
        envelope::open_stored_with(&self.crypto, &self.vault, bytes, receipt).await
    }

    /// Seals a record at rest ([`vault::seal_with`]).
    pub async fn vault_seal(&self, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        vault::seal_with(&self.crypto, &self.vault, context, plaintext).await
    }

    /// Opens a record at rest ([`vault::open_with`]).
    pub async fn vault_open(&self, context: &[u8], record: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        vault::open_with(&self.crypto, &self.vault, context, record).await
    }

    /// [`Self::vault_seal`] on a JavaScript buffer: the same record format
    /// (`vault::assemble`), with the bytes going straight to WebCrypto and
    /// back, never copied into WASM memory.
    pub async fn vault_seal_buffer(
        &self,
        context: &[u8],
        plaintext: &Uint8Array,
    ) -> Result<Uint8Array> {
        vault::check_plaintext_len(plaintext.length() as usize)?;
        let nonce = random::bytes::<{ aead::NONCE_LEN }>()?;
        let ciphertext = self
            .crypto
            .subtle()
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
            .crypto
            .subtle()
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
        self.crypto.sign(&self.private, message).await
    }

    /// Verifies an RSA-PSS signature of `who`.
    pub async fn verify(
        &self,
        who: &PublicIdentity,
        message: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        self.crypto.verify(who, message, signature).await
    }
}
