//! The one error type of the crate.

use core::fmt;

/// Everything that can go wrong in the crypto core.
///
/// Each variant has a stable [`Error::code`] that JavaScript branches on; the
/// `Display` text is for people and may change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The username is empty after trimming, or too long.
    InvalidUsername,
    /// The password is empty or too long.
    InvalidPassword,
    /// Login or room-password text holds a character the pinned Unicode
    /// table does not assign: devices could normalize it differently.
    UnassignedCharacter {
        /// Which text ("username", "password", "room password").
        field: &'static str,
        /// The offending code point.
        code_point: u32,
    },
    /// The requested RSA modulus size is not one of 2048, 3072 or 4096.
    UnsupportedKeySize(usize),
    /// A public key could not be parsed or is not an acceptable RSA key.
    InvalidPublicKey,
    /// A binary structure is malformed: truncated, oversized or inconsistent.
    Malformed(&'static str),
    /// The format version is not one this build understands.
    UnsupportedVersion(u8),
    /// A payload exceeds the size limit of its format.
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit in bytes or items.
        limit: usize,
    },
    /// The envelope's sender is not the key it was checked against.
    WrongSender,
    /// A signature does not verify: the data was forged or altered.
    BadSignature,
    /// The envelope is not addressed to this identity.
    NotARecipient,
    /// A group envelope sealed under another sender key than the one given
    /// (or a version-1 envelope given a sender key).
    WrongSenderKey,
    /// Authenticated decryption failed: wrong key, or the data was altered.
    DecryptionFailed,
    /// The operating system or browser could not provide random bytes.
    Random,
    /// A key-derivation or key-generation step failed unexpectedly.
    Derivation(&'static str),
    /// The browser's WebCrypto rejected an operation.
    WebCrypto(String),
    /// No identity is loaded in this worker: log in first.
    NotLoggedIn,
    /// A peer proved an identity that is not allowed here (fingerprint in hex).
    UnexpectedPeer(String),
    /// The peer's view of the DTLS fingerprints does not mirror ours: someone
    /// is in the middle of the connection.
    ChannelBinding,
    /// A frame arrived out of order, twice, or forged.
    FrameRejected,
    /// Mail was asked to wait on relays for a number of days other than the
    /// few every user shares (`mailbox::RETENTION_DAYS`).
    UnsupportedRetention(u64),
}

impl Error {
    /// Stable machine-readable code, used across the JavaScript boundary.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidUsername => "invalid-username",
            Error::InvalidPassword => "invalid-password",
            Error::UnassignedCharacter { .. } => "unassigned-character",
            Error::UnsupportedKeySize(_) => "unsupported-key-size",
            Error::InvalidPublicKey => "invalid-public-key",
            Error::Malformed(_) => "malformed",
            Error::UnsupportedVersion(_) => "unsupported-version",
            Error::TooLarge { .. } => "too-large",
            Error::WrongSender => "wrong-sender",
            Error::BadSignature => "bad-signature",
            Error::NotARecipient => "not-a-recipient",
            Error::WrongSenderKey => "wrong-sender-key",
            Error::DecryptionFailed => "decryption-failed",
            Error::Random => "random",
            Error::Derivation(_) => "derivation",
            Error::WebCrypto(_) => "webcrypto",
            Error::NotLoggedIn => "not-logged-in",
            Error::UnexpectedPeer(_) => "unexpected-peer",
            Error::ChannelBinding => "channel-binding",
            Error::FrameRejected => "frame-rejected",
            Error::UnsupportedRetention(_) => "unsupported-retention",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUsername => {
                f.write_str("username must be 1 to 256 bytes after trimming whitespace")
            }
            Error::InvalidPassword => f.write_str("password must be 1 to 1024 bytes"),
            Error::UnassignedCharacter { field, code_point } => write!(
                f,
                "the {field} contains U+{code_point:04X}, a character Unicode does not define yet \
                 (or never will); other devices could read it differently, so remove it"
            ),
            Error::UnsupportedKeySize(bits) => {
                write!(f, "unsupported RSA key size {bits}: use 2048, 3072 or 4096")
            }
            Error::InvalidPublicKey => {
                f.write_str("not a valid Trustero public key (RSA 2048 to 4096 bits, SPKI DER)")
            }
            Error::Malformed(what) => write!(f, "malformed data: {what}"),
            Error::UnsupportedVersion(v) => {
                write!(f, "unsupported format version {v}: update Trustero")
            }
            Error::TooLarge { what, limit } => write!(f, "{what} exceeds the limit of {limit}"),
            Error::WrongSender => f.write_str("envelope was not sent by the expected key"),
            Error::BadSignature => f.write_str("signature does not verify: forged or altered"),
            Error::NotARecipient => f.write_str("envelope is not addressed to this identity"),
            Error::WrongSenderKey => f.write_str(
                "group envelope sealed under another sender key: its key has not arrived yet",
            ),
            Error::DecryptionFailed => f.write_str("decryption failed: wrong key or altered data"),
            Error::Random => f.write_str("no secure random numbers available"),
            Error::Derivation(step) => write!(f, "key derivation failed at {step}"),
            Error::WebCrypto(msg) => write!(f, "browser crypto failed: {msg}"),
            Error::NotLoggedIn => f.write_str("no identity loaded: log in first"),
            Error::UnexpectedPeer(fp) => {
                write!(
                    f,
                    "peer proved identity {fp}, which is not allowed in this room"
                )
            }
            Error::ChannelBinding => f.write_str(
                "the peer sees different connection fingerprints: someone is in the middle",
            ),
            Error::FrameRejected => f.write_str("frame rejected: replayed, reordered or forged"),
            Error::UnsupportedRetention(days) => write!(
                f,
                "mail cannot wait on relays for {days} days: choose 1, 7, 14 or 30 days \
                 (everyone picks from these few, so how long your mail waits does not single you out)"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Result with the crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
