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

use core::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use hkdf::Hkdf;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::pkcs8::{DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::nostr::NostrKey;
use crate::provider::{Holder, Provider, RustCrypto, block_on};

use crate::{Error, Result};
use crate::{labels, unicode};

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
/// The only RSA public exponent Trustero generates or accepts.
pub const PUBLIC_EXPONENT: u64 = 65_537;

/// RSA modulus sizes an identity may have. Never below 2048 bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeySize {
    /// 2048-bit modulus, the default: fastest login.
    #[default]
    Rsa2048,
    /// 3072-bit modulus (about 128-bit security).
    Rsa3072,
    /// 4096-bit modulus.
    Rsa4096,
}

impl KeySize {
    /// Modulus size in bits.
    pub fn bits(self) -> usize {
        match self {
            KeySize::Rsa2048 => 2048,
            KeySize::Rsa3072 => 3072,
            KeySize::Rsa4096 => 4096,
        }
    }

    /// Modulus size in bytes: the length of every signature and wrapped key.
    pub fn bytes(self) -> usize {
        self.bits() / 8
    }

    /// The size whose modulus is exactly `bits` long.
    pub fn from_bits(bits: usize) -> Result<Self> {
        match bits {
            2048 => Ok(KeySize::Rsa2048),
            3072 => Ok(KeySize::Rsa3072),
            4096 => Ok(KeySize::Rsa4096),
            other => Err(Error::UnsupportedKeySize(other)),
        }
    }
}

/// SHA-256 of an identity's SPKI DER: what people compare and what headers carry.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Fingerprint of a SubjectPublicKeyInfo DER encoding.
    pub fn of_spki(spki: &[u8]) -> Self {
        Fingerprint(Sha256::digest(spki).into())
    }

    /// 64 lowercase hex digits, no separators.
    pub fn to_hex(&self) -> String {
        hex_lower(&self.0)
    }

    /// 64 lowercase hex digits in groups of four separated by spaces, for display.
    pub fn to_grouped_hex(&self) -> String {
        let hex = self.to_hex();
        let groups: Vec<&str> = (0..hex.len()).step_by(4).map(|i| &hex[i..i + 4]).collect();
        groups.join(" ")
    }

    /// Parses 64 hex digits, ignoring spaces.
    pub fn from_hex(text: &str) -> Result<Self> {
        let digits: Vec<u8> = text.bytes().filter(|b| *b != b' ').collect();
        if digits.len() != 64 {
            return Err(Error::Malformed("fingerprint must be 64 hex digits"));
        }
        let mut out = [0u8; 32];
        for (i, pair) in digits.chunks_exact(2).enumerate() {
            let hi = hex_value(pair[0])?;
            let lo = hex_value(pair[1])?;
            out[i] = (hi << 4) | lo;
        }
        Ok(Fingerprint(out))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_grouped_hex())
    }
}

/// Lowercase hex of `bytes`.
pub fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    out
}

fn hex_value(digit: u8) -> Result<u8> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        b'A'..=b'F' => Ok(digit - b'A' + 10),
        _ => Err(Error::Malformed("fingerprint has a non-hex digit")),
    }
}

/// Someone's public identity: an RSA public key of an accepted size and
/// exponent, its SPKI DER encoding and its fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicIdentity {
    key: RsaPublicKey,
    spki: Vec<u8>,
    fingerprint: Fingerprint,
    size: KeySize,
}

impl PublicIdentity {
    /// Parses and validates a SubjectPublicKeyInfo DER (as shared in "add me" links).
    ///
    /// Only RSA keys of 2048, 3072 or 4096 bits with e = 65537 are accepted, and
    /// the encoding must be canonical (re-encoding gives the same bytes), so one
    /// key has exactly one fingerprint.
    pub fn from_spki(spki: &[u8]) -> Result<Self> {
        if spki.len() > 1024 {
            return Err(Error::InvalidPublicKey);
        }
        let key = RsaPublicKey::from_public_key_der(spki).map_err(|_| Error::InvalidPublicKey)?;
        Self::from_key(key).and_then(|identity| {
            if identity.spki == spki {
                Ok(identity)
            } else {
                Err(Error::InvalidPublicKey)
            }
        })
    }

    fn from_key(key: RsaPublicKey) -> Result<Self> {
        let size = KeySize::from_bits(key.n().bit_width() as usize)
            .map_err(|_| Error::InvalidPublicKey)?;
        let exponent = key.e().to_be_bytes();
        let first_nonzero = exponent
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(exponent.len());
        if exponent[first_nonzero..] != PUBLIC_EXPONENT.to_be_bytes()[5..] {
            return Err(Error::InvalidPublicKey);
        }
        let spki = key
            .to_public_key_der()
            .map_err(|_| Error::InvalidPublicKey)?
            .into_vec();
        let fingerprint = Fingerprint::of_spki(&spki);
        Ok(PublicIdentity {
            key,
            spki,
            fingerprint,
            size,
        })
    }

    /// The SubjectPublicKeyInfo DER encoding.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// SHA-256 of [`Self::spki`].
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// Modulus size.
    pub fn size(&self) -> KeySize {
        self.size
    }

    pub(crate) fn rsa(&self) -> &RsaPublicKey {
        &self.key
    }

    /// Verifies an RSA-PSS-SHA-256 signature (salt 32) made by this identity.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        if signature.len() != self.size.bytes() {
            return Err(Error::BadSignature);
        }
        self.key
            .pss_verify::<Sha256>(message, signature)
            .map_err(|_| Error::BadSignature)
    }
}

impl fmt::Debug for PublicIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicIdentity")
            .field("fingerprint", &self.fingerprint)
            .field("bits", &self.size.bits())
            .finish()
    }
}

/// The symmetric key that seals records at rest (AES-256-GCM). Zeroized on drop.
#[derive(Clone)]
pub struct VaultKey(pub(crate) Zeroizing<[u8; 32]>);

impl VaultKey {
    /// Wraps raw key bytes (tests and backups; normal code derives it).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        VaultKey(Zeroizing::new(bytes))
    }

    /// The raw key bytes. Handle with care: only for import into WebCrypto.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey([redacted])")
    }
}

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

    /// The roaming profile of this identity (see [`crate::profile`]).
    pub fn profile(&self) -> Result<crate::profile::Profile> {
        crate::profile::Profile::new(
            NostrKey::from_bytes(&self.profile_author.secret_bytes())?,
            &self.vault_key,
        )
    }

    /// The mailbox this identity's key opens (see [`crate::mailbox`]).
    pub fn mailbox(&self) -> Result<crate::mailbox::Mailbox> {
        crate::mailbox::Mailbox::new(NostrKey::from_bytes(&self.mailbox.secret_bytes())?)
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

/// The id of the conversation between two identities:
/// `SHA-256("trustero/conversation/v1" ‖ min(fpA, fpB) ‖ max(fpA, fpB))`.
pub fn pair_conversation_id(a: &Fingerprint, b: &Fingerprint) -> [u8; 32] {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    Sha256::new()
        .chain_update(labels::PAIR_CONVERSATION)
        .chain_update(lo.0)
        .chain_update(hi.0)
        .finalize()
        .into()
}

/// A group's id, bound to its creator:
/// `SHA-256("trustero/group-id/v1" ‖ 0x00 ‖ creator_fp ‖ nonce)[..16]`.
///
/// Members recompute it from the descriptor's creator and nonce, so no one
/// else can ever claim to be the creator of that id (or of its conversation,
/// whose id derives from it).
pub fn group_id(creator: &Fingerprint, nonce: &[u8; 16]) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(labels::GROUP_ID)
        .chain_update([0u8])
        .chain_update(creator.0)
        .chain_update(nonce)
        .finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

/// The id of a group's conversation: `SHA-256("trustero/group-conversation/v1" ‖ group_id)`.
pub fn group_conversation_id(group_id: &[u8; 16]) -> [u8; 32] {
    Sha256::new()
        .chain_update(labels::GROUP_CONVERSATION)
        .chain_update(group_id)
        .finalize()
        .into()
}

/// The safety number of a pair: 60 digits in 12 groups of five, the same on
/// both sides (the fingerprints are sorted before hashing).
///
/// ```text
/// okm    = HKDF-SHA-256(salt = none, ikm = min(fpA, fpB) ‖ max(fpA, fpB),
///                       info = "trustero/safety-number/v1", L = 60)
/// digits = for each 5-byte chunk c of okm: u40be(c) mod 100000, zero-padded to 5
/// ```
pub fn safety_number(a: &Fingerprint, b: &Fingerprint) -> String {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut okm = [0u8; 60];
    Hkdf::<Sha256>::new(None, &[lo.0, hi.0].concat())
        .expand(labels::SAFETY_NUMBER, &mut okm)
        .expect("60 bytes is a valid HKDF-SHA-256 output length");
    okm.chunks_exact(5)
        .map(|chunk| {
            let value = chunk.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            format!("{:05}", value % 100_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
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

    #[test]
    fn fingerprint_hex_round_trips_with_groups() {
        let fp = Fingerprint([0xab; 32]);
        assert_eq!(fp.to_grouped_hex().len(), 64 + 15);
        assert_eq!(Fingerprint::from_hex(&fp.to_grouped_hex()).unwrap(), fp);
        assert!(Fingerprint::from_hex("zz").is_err());
    }

    #[test]
    fn safety_number_is_symmetric_and_has_60_digits() {
        let a = Fingerprint([1; 32]);
        let b = Fingerprint([2; 32]);
        let n = safety_number(&a, &b);
        assert_eq!(n, safety_number(&b, &a));
        assert_eq!(n.chars().filter(char::is_ascii_digit).count(), 60);
        assert_ne!(n, safety_number(&a, &Fingerprint([3; 32])));
    }

    #[test]
    fn key_sizes_below_2048_do_not_exist() {
        assert_eq!(
            KeySize::from_bits(1024),
            Err(Error::UnsupportedKeySize(1024))
        );
    }
}
