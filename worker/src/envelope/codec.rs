//! The envelope's binary encoding, version 1. All integers big-endian.
//!
//! ```text
//! u8        version = 1
//! [16]      message_id
//! [32]      conversation_id
//! [32]      sender fingerprint
//! u64       timestamp_ms                 (≤ MAX_TIMESTAMP_MS: a date JavaScript can show)
//! u64       lamport                      (≤ MAX_LAMPORT: exact as a JavaScript number)
//! [12]      AES-GCM nonce
//! u8        recipient count, 1..=MAX_RECIPIENTS
//!   [32]    recipient fingerprint        (distinct; the sender is one of them)
//!   u16     wrapped key length           (256, 384 or 512: the recipient's modulus size)
//!   [len]   RSA-OAEP wrapped content key
//! --------- end of header (the AES-GCM associated data)
//! u32       ciphertext length            (16 + a padding bucket, ≤ MAX_CIPHERTEXT)
//! [len]     ciphertext ‖ tag
//! u16       signature length             (256, 384 or 512)
//! [len]     RSA-PSS signature
//! ```
//! Nothing may follow the signature.
//!
//! Version 2 (a group message under its sender's group key, see
//! `envelope::group`) has the same layout except the recipient list: after the
//! nonce comes
//! ```text
//! [16]      sender key id                (which of the sender's group keys)
//! ```
//! and the header ends there. Nothing in it names the group's members.

use crate::codec::{Reader, Writer};
use crate::public_identity::Fingerprint;
use crate::{Error, Result, aead, padding};

use super::EnvelopeMeta;

/// The version of envelopes sealed to each recipient's RSA key.
pub const VERSION: u8 = 1;
/// The version of group envelopes sealed under the sender's group key.
pub const GROUP_VERSION: u8 = 2;
/// Most recipients one envelope may have, the sender included.
pub const MAX_RECIPIENTS: usize = 128;
/// Largest ciphertext: the largest padding bucket plus the tag.
pub const MAX_CIPHERTEXT: usize = padding::MAX_CONTENT + 4 + aead::TAG_LEN;
const RSA_LENGTHS: [usize; 3] = [256, 384, 512];
/// Latest timestamp accepted: ECMAScript's largest time value (year 275760).
/// A later one would make every `Date` of the message invalid in the page.
pub const MAX_TIMESTAMP_MS: u64 = 8_640_000_000_000_000;
/// Largest Lamport counter accepted: 2^53 − 1, the largest integer a
/// JavaScript number holds exactly.
pub const MAX_LAMPORT: u64 = (1 << 53) - 1;

/// Fails unless a header's clock fields are in range. Refused, never
/// clamped: a clamped value would no longer be what the sender signed.
pub(crate) fn check_clock(timestamp_ms: u64, lamport: u64) -> Result<()> {
    if timestamp_ms > MAX_TIMESTAMP_MS {
        return Err(Error::Malformed("timestamp out of range"));
    }
    if lamport > MAX_LAMPORT {
        return Err(Error::Malformed("lamport counter out of range"));
    }
    Ok(())
}

/// One recipient's copy of the content key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// Whose key wrapped it.
    pub fingerprint: Fingerprint,
    /// RSA-OAEP ciphertext of the content key.
    pub wrapped_key: Vec<u8>,
}

/// Everything before the ciphertext; authenticated by AES-GCM and the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version.
    pub version: u8,
    /// 128-bit message id.
    pub message_id: [u8; 16],
    /// Conversation id.
    pub conversation_id: [u8; 32],
    /// Sender's fingerprint.
    pub sender: Fingerprint,
    /// Sender's clock in ms since the Unix epoch.
    pub timestamp_ms: u64,
    /// Sender's Lamport counter.
    pub lamport: u64,
    /// AES-GCM nonce of the ciphertext.
    pub nonce: [u8; aead::NONCE_LEN],
    /// Wrapped content keys, one per recipient (version 1; empty in version 2).
    pub recipients: Vec<Recipient>,
    /// The id of the sender's group key the content key derives from
    /// (version 2 only).
    pub key_id: Option<[u8; 16]>,
}

impl Header {
    /// A version-1 header.
    pub fn new(
        meta: &EnvelopeMeta,
        sender: Fingerprint,
        nonce: [u8; aead::NONCE_LEN],
        recipients: Vec<Recipient>,
    ) -> Self {
        Header {
            version: VERSION,
            message_id: meta.message_id,
            conversation_id: meta.conversation_id,
            sender,
            timestamp_ms: meta.timestamp_ms,
            lamport: meta.lamport,
            nonce,
            recipients,
            key_id: None,
        }
    }

    /// A version-2 header: the content key derives from the sender's group key `key_id`.
    pub fn group(
        meta: &EnvelopeMeta,
        sender: Fingerprint,
        nonce: [u8; aead::NONCE_LEN],
        key_id: [u8; 16],
    ) -> Self {
        Header {
            version: GROUP_VERSION,
            key_id: Some(key_id),
            ..Header::new(meta, sender, nonce, Vec::new())
        }
    }

    /// Encodes the header (the AES-GCM associated data).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(150 + self.recipients.len() * 546);
        w.u8(self.version)
            .bytes(&self.message_id)
            .bytes(&self.conversation_id)
            .bytes(&self.sender.0)
            .u64(self.timestamp_ms)
            .u64(self.lamport)
            .bytes(&self.nonce);
        if let Some(key_id) = &self.key_id {
            w.bytes(key_id);
            return w.into_bytes();
        }
        w.u8(u8::try_from(self.recipients.len()).expect("at most MAX_RECIPIENTS"));
        for r in &self.recipients {
            w.bytes(&r.fingerprint.0)
                .u16(u16::try_from(r.wrapped_key.len()).expect("an RSA modulus length"))
                .bytes(&r.wrapped_key);
        }
        w.into_bytes()
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let version = r.u8("envelope version")?;
        if version != VERSION && version != GROUP_VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let message_id = r.array("message id")?;
        let conversation_id = r.array("conversation id")?;
        let sender = Fingerprint(r.array("sender")?);
        let timestamp_ms = r.u64("timestamp")?;
        let lamport = r.u64("lamport")?;
        check_clock(timestamp_ms, lamport)?;
        let nonce = r.array("nonce")?;
        let (recipients, key_id) = if version == GROUP_VERSION {
            (Vec::new(), Some(r.array("sender key id")?))
        } else {
            (decode_recipients(r, &sender)?, None)
        };
        Ok(Header {
            version,
            message_id,
            conversation_id,
            sender,
            timestamp_ms,
            lamport,
            nonce,
            recipients,
            key_id,
        })
    }
}

/// A version-1 recipient list: distinct fingerprints, the sender among them.
fn decode_recipients(r: &mut Reader<'_>, sender: &Fingerprint) -> Result<Vec<Recipient>> {
    let count = r.u8("recipient count")? as usize;
    if count == 0 || count > MAX_RECIPIENTS {
        return Err(Error::Malformed("recipient count"));
    }
    let mut recipients: Vec<Recipient> = Vec::with_capacity(count);
    for _ in 0..count {
        let fingerprint = Fingerprint(r.array("recipient fingerprint")?);
        if recipients.iter().any(|x| x.fingerprint == fingerprint) {
            return Err(Error::Malformed("duplicate recipient"));
        }
        let len = r.u16("wrapped key length")? as usize;
        if !RSA_LENGTHS.contains(&len) {
            return Err(Error::Malformed("wrapped key length"));
        }
        let wrapped_key = r.take(len, "wrapped key")?.to_vec();
        recipients.push(Recipient {
            fingerprint,
            wrapped_key,
        });
    }
    // The sender always wraps a copy for itself (its history stays readable).
    if !recipients.iter().any(|x| &x.fingerprint == sender) {
        return Err(Error::Malformed("the sender is not a recipient"));
    }
    Ok(recipients)
}

/// A parsed, not yet verified envelope.
#[derive(Clone, Debug)]
pub struct Envelope {
    header: Header,
    header_bytes: Vec<u8>,
    ciphertext: Vec<u8>,
    signature: Vec<u8>,
}

pub(crate) fn ciphertext_len_prefix(ciphertext: &[u8]) -> [u8; 4] {
    u32::try_from(ciphertext.len())
        .expect("ciphertexts are bounded by MAX_CIPHERTEXT")
        .to_be_bytes()
}

impl Envelope {
    /// Parses an envelope, enforcing every bound. Does not verify anything cryptographic.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let header = Header::decode(&mut r)?;
        let header_len = bytes.len() - r.remaining();
        let ct_len = r.u32("ciphertext length")? as usize;
        if ct_len > MAX_CIPHERTEXT {
            return Err(Error::TooLarge {
                what: "envelope ciphertext",
                limit: MAX_CIPHERTEXT,
            });
        }
        if ct_len < aead::TAG_LEN + padding::MIN_BUCKET
            || padding::bucket(ct_len - aead::TAG_LEN - 4) != ct_len - aead::TAG_LEN
        {
            return Err(Error::Malformed(
                "ciphertext length is not a padding bucket",
            ));
        }
        let ciphertext = r.take(ct_len, "ciphertext")?.to_vec();
        let sig_len = r.u16("signature length")? as usize;
        if !RSA_LENGTHS.contains(&sig_len) {
            return Err(Error::Malformed("signature length"));
        }
        let signature = r.take(sig_len, "signature")?.to_vec();
        r.finish("bytes after the signature")?;
        Ok(Envelope {
            header,
            header_bytes: bytes[..header_len].to_vec(),
            ciphertext,
            signature,
        })
    }

    /// Joins encoded parts into the wire form.
    pub fn assemble(header_bytes: Vec<u8>, ciphertext: Vec<u8>, signature: Vec<u8>) -> Vec<u8> {
        let mut w =
            Writer::with_capacity(header_bytes.len() + ciphertext.len() + signature.len() + 6);
        w.bytes(&header_bytes)
            .bytes(&ciphertext_len_prefix(&ciphertext))
            .bytes(&ciphertext)
            .u16(u16::try_from(signature.len()).expect("an RSA modulus length"))
            .bytes(&signature);
        w.into_bytes()
    }

    /// The parsed header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The header as it was encoded (AES-GCM associated data).
    pub fn header_bytes(&self) -> &[u8] {
        &self.header_bytes
    }

    /// Ciphertext ‖ tag.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The sender's RSA-PSS signature.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Consumes the envelope, keeping the header.
    pub fn into_header(self) -> Header {
        self.header
    }
}
