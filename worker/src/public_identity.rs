//! Someone's public identity: an RSA public key of an accepted size and
//! exponent, its SPKI DER encoding and its fingerprint (DESIGN.md section 2),
//! and the safety number two people compare to check each other's.
//!
//! Everything here is public knowledge about an identity; deriving one from a
//! username and password is `identity`'s.

use core::fmt;

use hkdf::Hkdf;
use rsa::PublicKey as RsaPublicKey;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

use crate::{Error, Result, hex_lower, labels};

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

    pub(crate) fn from_key(key: RsaPublicKey) -> Result<Self> {
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
