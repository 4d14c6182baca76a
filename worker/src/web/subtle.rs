//! Thin async wrappers over `crypto.subtle` with the exact parameters
//! Trustero's formats need (they must match the pure-Rust path bit for bit).

use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// PSS salt length: the digest size, which the pure-Rust path (the `rsa`
/// crate's default) uses too; WebCrypto must be told.
const PSS_SALT_LEN: usize = 32;

/// The two RSA algorithms an identity key is used with. WebCrypto binds a
/// `CryptoKey` to one algorithm, so a private key is imported once for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaUse {
    /// RSA-OAEP with SHA-256 (and MGF1-SHA-256): key wrapping.
    Oaep,
    /// RSA-PSS with SHA-256: signatures.
    Pss,
}

impl RsaUse {
    fn name(self) -> &'static str {
        match self {
            RsaUse::Oaep => "RSA-OAEP",
            RsaUse::Pss => "RSA-PSS",
        }
    }

    fn usages(self, private: bool) -> &'static [&'static str] {
        match (self, private) {
            (RsaUse::Oaep, true) => &["decrypt"],
            (RsaUse::Oaep, false) => &["encrypt"],
            (RsaUse::Pss, true) => &["sign"],
            (RsaUse::Pss, false) => &["verify"],
        }
    }
}

fn object(fields: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in fields {
        Reflect::set(&object, &JsValue::from_str(name), value)
            .expect("setting a property on a fresh plain object cannot fail");
    }
    object
}

fn usages(names: &[&str]) -> Array {
    names.iter().map(|n| JsValue::from_str(n)).collect()
}

fn js_error(context: &str, error: JsValue) -> Error {
    let detail = Reflect::get(&error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{error:?}"));
    Error::WebCrypto(format!("{context}: {detail}"))
}

async fn settle(context: &str, promise: core::result::Result<Promise, JsValue>) -> Result<JsValue> {
    let promise = promise.map_err(|e| js_error(context, e))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| js_error(context, e))
}

fn buffer_bytes(value: JsValue) -> Vec<u8> {
    Uint8Array::new(&value.unchecked_into::<ArrayBuffer>()).to_vec()
}

fn bytes_object(bytes: &[u8]) -> Object {
    Uint8Array::from(bytes).into()
}

/// `crypto.subtle` of the current global scope (worker or window).
#[derive(Clone, Debug)]
pub struct Subtle(SubtleCrypto);

impl Subtle {
    /// Finds WebCrypto; fails outside a secure context.
    pub fn get() -> Result<Self> {
        let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
            .map_err(|e| js_error("crypto", e))?;
        let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle"))
            .map_err(|e| js_error("crypto.subtle", e))?;
        if subtle.is_undefined() {
            return Err(Error::WebCrypto(
                "crypto.subtle is unavailable: open Trustero over https:// or http://localhost"
                    .into(),
            ));
        }
        Ok(Subtle(subtle.unchecked_into()))
    }

    fn rsa_algorithm(usage: RsaUse) -> Object {
        object(&[("name", usage.name().into()), ("hash", "SHA-256".into())])
    }

    async fn import(
        &self,
        format: &str,
        data: &[u8],
        algorithm: &Object,
        key_usages: &[&str],
    ) -> Result<CryptoKey> {
        let key = settle(
            "importKey",
            self.0.import_key_with_object(
                format,
                &bytes_object(data),
                algorithm,
                false,
                &usages(key_usages),
            ),
        )
        .await?;
        Ok(key.unchecked_into())
    }

    /// Imports a PKCS#8 RSA private key, non-extractable, for one use.
    pub async fn import_rsa_private(&self, pkcs8: &[u8], usage: RsaUse) -> Result<CryptoKey> {
        self.import(
            "pkcs8",
            pkcs8,
            &Self::rsa_algorithm(usage),
            usage.usages(true),
        )
        .await
    }

    /// Imports an SPKI RSA public key for one use.
    pub async fn import_rsa_public(&self, spki: &[u8], usage: RsaUse) -> Result<CryptoKey> {
        self.import(
            "spki",
            spki,
            &Self::rsa_algorithm(usage),
            usage.usages(false),
        )
        .await
    }

    /// Imports a raw AES-256-GCM key, non-extractable.
    pub async fn import_aes(&self, raw: &[u8; 32]) -> Result<CryptoKey> {
        self.import(
            "raw",
            raw,
            &object(&[("name", "AES-GCM".into())]),
            &["encrypt", "decrypt"],
        )
        .await
    }

    /// RSA-OAEP-SHA-256 encryption (empty label).
    pub async fn oaep_encrypt(&self, key: &CryptoKey, data: &[u8]) -> Result<Vec<u8>> {
        let algorithm = object(&[("name", "RSA-OAEP".into())]);
        let out = settle(
            "RSA-OAEP encrypt",
            self.0
                .encrypt_with_object_and_u8_array(&algorithm, key, data),
        )
        .await?;
        Ok(buffer_bytes(out))
    }

    /// RSA-OAEP-SHA-256 decryption; any failure is [`Error::DecryptionFailed`].
    pub async fn oaep_decrypt(&self, key: &CryptoKey, data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let algorithm = object(&[("name", "RSA-OAEP".into())]);
        let promise = self
            .0
            .decrypt_with_object_and_u8_array(&algorithm, key, data)
            .map_err(|e| js_error("RSA-OAEP decrypt", e))?;
        let out = JsFuture::from(promise)
            .await
            .map_err(|_| Error::DecryptionFailed)?;
        Ok(Zeroizing::new(buffer_bytes(out)))
    }

    fn pss_algorithm() -> Object {
        object(&[
            ("name", "RSA-PSS".into()),
            ("saltLength", (PSS_SALT_LEN as u32).into()),
        ])
    }

    /// RSA-PSS-SHA-256 signature with a 32-byte salt.
    pub async fn pss_sign(&self, key: &CryptoKey, data: &[u8]) -> Result<Vec<u8>> {
        let out = settle(
            "RSA-PSS sign",
            self.0
                .sign_with_object_and_u8_array(&Self::pss_algorithm(), key, data),
        )
        .await?;
        Ok(buffer_bytes(out))
    }

    /// RSA-PSS-SHA-256 verification; `Ok(())` only for a valid signature.
    pub async fn pss_verify(&self, key: &CryptoKey, signature: &[u8], data: &[u8]) -> Result<()> {
        let valid = settle(
            "RSA-PSS verify",
            self.0.verify_with_object_and_u8_array_and_u8_array(
                &Self::pss_algorithm(),
                key,
                signature,
                data,
            ),
        )
        .await?;
        if valid.as_bool() == Some(true) {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }

    fn gcm_algorithm(nonce: &[u8], aad: &[u8]) -> Object {
        object(&[
            ("name", "AES-GCM".into()),
            ("iv", Uint8Array::from(nonce).into()),
            ("additionalData", Uint8Array::from(aad).into()),
            ("tagLength", 128u32.into()),
        ])
    }

    /// AES-256-GCM encryption; returns ciphertext ‖ tag like [`crate::aead::seal`].
    pub async fn aes_gcm_encrypt(
        &self,
        key: &CryptoKey,
        nonce: &[u8],
        aad: &[u8],
        data: &[u8],
    ) -> Result<Vec<u8>> {
        let out = self
            .aes_gcm_encrypt_buffer(key, nonce, aad, &Uint8Array::from(data))
            .await?;
        Ok(Uint8Array::new(&out).to_vec())
    }

    /// AES-256-GCM decryption; any failure is [`Error::DecryptionFailed`].
    pub async fn aes_gcm_decrypt(
        &self,
        key: &CryptoKey,
        nonce: &[u8],
        aad: &[u8],
        data: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let out = self
            .aes_gcm_decrypt_buffer(key, nonce, aad, &Uint8Array::from(data))
            .await?;
        Ok(Zeroizing::new(Uint8Array::new(&out).to_vec()))
    }

    /// AES-256-GCM encryption of a JavaScript buffer, result left in JavaScript.
    pub async fn aes_gcm_encrypt_buffer(
        &self,
        key: &CryptoKey,
        nonce: &[u8],
        aad: &[u8],
        data: &Uint8Array,
    ) -> Result<ArrayBuffer> {
        let out = settle(
            "AES-GCM encrypt",
            self.0.encrypt_with_object_and_buffer_source(
                &Self::gcm_algorithm(nonce, aad),
                key,
                data,
            ),
        )
        .await?;
        Ok(out.unchecked_into())
    }

    /// AES-256-GCM decryption of a JavaScript buffer; any failure is
    /// [`Error::DecryptionFailed`].
    pub async fn aes_gcm_decrypt_buffer(
        &self,
        key: &CryptoKey,
        nonce: &[u8],
        aad: &[u8],
        data: &Uint8Array,
    ) -> Result<ArrayBuffer> {
        let promise = self
            .0
            .decrypt_with_object_and_buffer_source(&Self::gcm_algorithm(nonce, aad), key, data)
            .map_err(|e| js_error("AES-GCM decrypt", e))?;
        let out = JsFuture::from(promise)
            .await
            .map_err(|_| Error::DecryptionFailed)?;
        Ok(out.unchecked_into())
    }

    /// A fresh ephemeral X25519 key pair: the private half non-extractable.
    pub async fn generate_x25519(&self) -> Result<(CryptoKey, [u8; 32])> {
        let pair = settle(
            "X25519 generateKey",
            self.0.generate_key_with_object(
                &object(&[("name", "X25519".into())]),
                false,
                &usages(&["deriveBits"]),
            ),
        )
        .await?;
        let private: CryptoKey = Reflect::get(&pair, &"privateKey".into())
            .map_err(|e| js_error("X25519 key pair", e))?
            .unchecked_into();
        let public: CryptoKey = Reflect::get(&pair, &"publicKey".into())
            .map_err(|e| js_error("X25519 key pair", e))?
            .unchecked_into();
        let raw = settle("X25519 exportKey", self.0.export_key("raw", &public)).await?;
        let raw: [u8; 32] = buffer_bytes(raw)
            .try_into()
            .map_err(|_| Error::WebCrypto("X25519 public key is not 32 bytes".into()))?;
        Ok((private, raw))
    }

    /// Imports an X25519 private key from PKCS#8 (test vectors only).
    pub async fn import_x25519_private(&self, pkcs8: &[u8]) -> Result<CryptoKey> {
        self.import(
            "pkcs8",
            pkcs8,
            &object(&[("name", "X25519".into())]),
            &["deriveBits"],
        )
        .await
    }

    /// X25519(private, peer) — WebCrypto refuses an all-zero result.
    pub async fn x25519(
        &self,
        private: &CryptoKey,
        peer_public: &[u8; 32],
    ) -> Result<Zeroizing<[u8; 32]>> {
        let peer: CryptoKey = settle(
            "X25519 importKey",
            self.0.import_key_with_object(
                "raw",
                &bytes_object(peer_public),
                &object(&[("name", "X25519".into())]),
                true,
                &usages(&[]),
            ),
        )
        .await?
        .unchecked_into();
        let bits = settle(
            "X25519 deriveBits",
            self.0.derive_bits_with_object(
                &object(&[("name", "X25519".into()), ("public", peer.into())]),
                private,
                256,
            ),
        )
        .await?;
        let shared: [u8; 32] = buffer_bytes(bits)
            .try_into()
            .map_err(|_| Error::WebCrypto("X25519 output is not 32 bytes".into()))?;
        Ok(Zeroizing::new(shared))
    }

    /// Imports a raw AES-256-GCM key for one direction of a session.
    pub async fn import_aes_one_way(&self, raw: &[u8; 32], usage: &str) -> Result<CryptoKey> {
        self.import("raw", raw, &object(&[("name", "AES-GCM".into())]), &[usage])
            .await
    }

    /// SHA-256 of a JavaScript buffer (WebCrypto: fast for big file chunks).
    pub async fn sha256(&self, data: &Uint8Array) -> Result<[u8; 32]> {
        let out = settle(
            "SHA-256 digest",
            self.0.digest_with_str_and_buffer_source("SHA-256", data),
        )
        .await?;
        buffer_bytes(out)
            .try_into()
            .map_err(|_| Error::WebCrypto("SHA-256 digest is not 32 bytes".into()))
    }
}
