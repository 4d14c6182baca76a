//! Identity: a username and password deterministically become an RSA key pair
//! and a vault key (DESIGN.md section 2). Nothing is stored; the same pair gives
//! the same identity on any device.
//!
//! ```text
//! user      = NFC(trim(username))
//! pass      = NFC(password)
//! salt      = SHA-256("trustero/identity/v1" ‖ 0x00 ‖ UTF-8(user))
//! seed      = Argon2id v0x13 (m = 65536 KiB, t = 3, p = 1, 32 bytes)(UTF-8(pass), salt)   RFC 9106
//! rsa_seed  = HKDF-SHA-256(salt = none, ikm = seed, info = "trustero/rsa-keygen/v1" ‖ u16be(bits), L = 32)   RFC 5869
//! vault_key = HKDF-SHA-256(salt = none, ikm = seed, info = "trustero/vault/v1", L = 32)
//! mailbox   = HKDF-SHA-256(salt = none, ikm = seed, info = "trustero/mailbox/v1" ‖ u8(i), L = 32)
//!             for the first i = 0, 1, … that is a valid secp256k1 secret (1 ≤ k < n);
//!             its BIP-340 x-only public key addresses the identity's mailbox
//! profile   = HKDF-SHA-256(salt = none, ikm = seed, info = "trustero/profile-author/v1" ‖ u8(i), L = 32)
//!             likewise: the key that signs the roaming profile's records (profile.rs)
//! key       = rsa 0.10 key generation, e = 65537, driven by ChaCha20Rng::from_seed(rsa_seed)
//! ```
//!
//! The RSA step depends on the exact prime search of `rsa`/`crypto-primes` and
//! the exact stream of `rand_chacha`; their versions are pinned and
//! `tests/vectors/identity.json` fails loudly if an update would change keys.
//!
//! This module derives keys and nothing else: the public half's type is
//! `public_identity`'s, the vault key's `vault`'s, and the mailbox and the
//! roaming profile are made from an [`Identity`] by their own modules
//! (`Mailbox::of`, `Profile::of`), so dependencies point one way, to here.

use core::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use hkdf::Hkdf;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::PrivateKey as RsaPrivateKey;
use rsa::pkcs8::EncodePrivateKey;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::nostr::NostrKey;
use crate::provider::{Holder, Provider, RustCrypto, block_on};
use crate::public_identity::{KeySize, PublicIdentity};
use crate::vault::VaultKey;
use crate::{Error, Result, hex_lower, labels, unicode};

/// Argon2id memory cost in KiB (64 MiB).
pub const ARGON2_MEMORY_KIB: u32 = 65_536;
/// Argon2id passes.
pub const ARGON2_PASSES: u32 = 3;
/// Argon2id lanes.
pub const ARGON2_LANES: u32 = 1;
/// Longest accepted username, in UTF-8 bytes after normalization.
pub const MAX_USERNAME_BYTES: usize = 256;
/// Longest accepted password, in UTF-8 bytes after normalization.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The Argon2id output for one username and password: the slow step, which
/// everything else of an identity is derived from.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct IdentitySeed([u8; 32]);

impl fmt::Debug for IdentitySeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentitySeed([redacted])")
    }
}

/// Applies the username rule: NFC(trim(username)), 1 to 256 bytes.
pub fn normalize_username(username: &str) -> Result<String> {
    let user = unicode::nfc_checked(username.trim(), "username")?;
    if user.is_empty() || user.len() > MAX_USERNAME_BYTES {
        return Err(Error::InvalidUsername);
    }
    Ok(user)
}

fn normalize_password(password: &str) -> Result<Zeroizing<String>> {
    let pass = Zeroizing::new(unicode::nfc_checked(password, "password")?);
    if pass.is_empty() || pass.len() > MAX_PASSWORD_BYTES {
        return Err(Error::InvalidPassword);
    }
    Ok(pass)
}

impl IdentitySeed {
    /// Runs Argon2id over the normalized password with the username's salt.
    pub fn derive(username: &str, password: &str) -> Result<Self> {
        let user = normalize_username(username)?;
        let pass = normalize_password(password)?;
        let salt: [u8; 32] = Sha256::new()
            .chain_update(labels::IDENTITY_SALT)
            .chain_update([0u8])
            .chain_update(user.as_bytes())
            .finalize()
            .into();
        let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, Some(32))
            .map_err(|_| Error::Derivation("argon2 parameters"))?;
        let mut seed = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(pass.as_bytes(), &salt, &mut seed)
            .map_err(|_| Error::Derivation("argon2id"))?;
        Ok(IdentitySeed(seed))
    }

    fn expand(&self, info: &[&[u8]]) -> Result<Zeroizing<[u8; 32]>> {
        let mut okm = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(None, &self.0)
            .expand_multi_info(info, okm.as_mut())
            .map_err(|_| Error::Derivation("hkdf"))?;
        Ok(okm)
    }

    /// The vault key of this identity.
    pub fn vault_key(&self) -> Result<VaultKey> {
        Ok(VaultKey(self.expand(&[labels::VAULT_KEY])?))
    }

    /// The mailbox key: the secp256k1 key whose public half addresses this
    /// identity's mail on Nostr relays. Only contacts learn it; it is unrelated
    /// to the RSA key, so a relay cannot link mail to a public identity.
    pub fn mailbox_key(&self) -> Result<NostrKey> {
        self.nostr_key(labels::MAILBOX_KEY, "mailbox key")
    }

    /// The profile's author key: signs the roaming profile's records on
    /// relays. Unrelated to the RSA key and to the mailbox key, so relays
    /// cannot tie the profile to the identity or its mail.
    pub fn profile_author_key(&self) -> Result<NostrKey> {
        self.nostr_key(labels::PROFILE_AUTHOR, "profile author key")
    }

    fn nostr_key(&self, label: &[u8], what: &'static str) -> Result<NostrKey> {
        // A 32-byte HKDF output is an invalid scalar with probability about
        // 2^-128; the attempt byte keeps the derivation total all the same.
        for attempt in 0..=u8::MAX {
            let secret = self.expand(&[label, &[attempt]])?;
            if let Ok(key) = NostrKey::from_bytes(&secret) {
                return Ok(key);
            }
        }
        Err(Error::Derivation(what))
    }

    /// Generates the identity's RSA key of the given size (the second slow step).
    pub fn rsa_key(&self, size: KeySize) -> Result<RsaPrivateKey> {
        let bits =
            u16::try_from(size.bits()).map_err(|_| Error::UnsupportedKeySize(size.bits()))?;
        let rsa_seed = self.expand(&[labels::RSA_KEYGEN, &bits.to_be_bytes()])?;
        let mut rng = ChaCha20Rng::from_seed(*rsa_seed);
        let key =
            RsaPrivateKey::new(&mut rng, size.bits()).map_err(|_| Error::Derivation("rsa keygen"));
        // rand_chacha has no zeroize support: overwrite the generator's whole
        // state (key, counter, buffered output) in place with an all-zero one,
        // and keep the store from being optimized away.
        rng = ChaCha20Rng::from_seed([0; 32]);
        core::hint::black_box(&mut rng);
        key
    }
}

/// A logged-in identity: the RSA private key, its public half, the vault key,
/// the mailbox key and the profile's author key.
pub struct Identity {
    private: RsaPrivateKey,
    public: PublicIdentity,
    vault_key: VaultKey,
    mailbox: NostrKey,
    profile_author: NostrKey,
}

impl Identity {
    /// Derives the identity of a username and password (takes a second or more).
    pub fn derive(username: &str, password: &str, size: KeySize) -> Result<Self> {
        let seed = IdentitySeed::derive(username, password)?;
        Self::from_seed(&seed, size)
    }

    /// Finishes a derivation from its Argon2id seed.
    pub fn from_seed(seed: &IdentitySeed, size: KeySize) -> Result<Self> {
        let private = seed.rsa_key(size)?;
        let public = PublicIdentity::from_key(private.to_public_key())?;
        Ok(Identity {
            private,
            public,
            vault_key: seed.vault_key()?,
            mailbox: seed.mailbox_key()?,
            profile_author: seed.profile_author_key()?,
        })
    }

    /// The public half.
    pub fn public(&self) -> &PublicIdentity {
        &self.public
    }

    /// The vault key.
    pub fn vault_key(&self) -> &VaultKey {
        &self.vault_key
    }

    /// The mailbox key (see [`IdentitySeed::mailbox_key`]).
    pub fn mailbox_key(&self) -> &NostrKey {
        &self.mailbox
    }

    /// The profile's author key (see [`IdentitySeed::profile_author_key`]).
    pub fn profile_author_key(&self) -> &NostrKey {
        &self.profile_author
    }

    /// PKCS#8 DER of the private key, for import into WebCrypto as a
    /// non-extractable key. Zeroized when dropped.
    pub fn private_key_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = self
            .private
            .to_pkcs8_der()
            .map_err(|_| Error::Derivation("pkcs8 export"))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// This identity as the pure-Rust provider holds it.
    pub fn holder(&self) -> Holder<'_, RustCrypto> {
        Holder {
            public: &self.public,
            private: &self.private,
            vault: &self.vault_key.0,
        }
    }

    /// Signs `message` with RSA-PSS-SHA-256 (salt 32), as WebCrypto does.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        block_on(RustCrypto.sign(&self.private, message))
    }

    /// The name of this identity's local database: derived from the vault
    /// key, so it reveals nothing about the public key.
    pub fn store_name(&self) -> String {
        let mut name = [0u8; 16];
        Hkdf::<Sha256>::new(None, &self.vault_key.0[..])
            .expand(labels::STORE_NAME, &mut name)
            .expect("16 bytes is a valid HKDF-SHA-256 output length");
        format!("trustero-{}", hex_lower(&name))
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("public", &self.public)
            .field("private", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_is_trimmed_and_nfc_normalized() {
        // "é" as e + combining acute becomes the single code point U+00E9.
        assert_eq!(
            normalize_username("\u{2003} cafe\u{301}\n").unwrap(),
            "caf\u{e9}"
        );
    }

    #[test]
    fn empty_or_huge_usernames_are_refused() {
        assert_eq!(normalize_username(" \t "), Err(Error::InvalidUsername));
        assert_eq!(
            normalize_username(&"x".repeat(257)),
            Err(Error::InvalidUsername)
        );
    }

    #[test]
    fn passwords_are_not_trimmed() {
        assert_eq!(normalize_password(" a ").unwrap().as_str(), " a ");
        assert!(normalize_password("").is_err());
    }
}
