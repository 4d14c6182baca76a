//! Frames of an authenticated session (DESIGN.md section 4).
//!
//! ```text
//! frame = AES-256-GCM(direction key, nonce = u32be(sender role) ‖ u64be(counter),
//!                     aad = "trustero/frame/v1", plaintext)
//! ```
//! Counters start at 0 in each direction and are implicit: the data channel is
//! ordered and reliable, so the receiver knows the next one. A replayed,
//! dropped, reordered or forged frame fails authentication and the session is
//! torn down ([`Error::FrameRejected`]).

use zeroize::Zeroizing;

use crate::handshake::{Role, SessionKeys};
use crate::{Error, Result, aead, labels};

/// Largest frame plaintext (the framing layer chunks bigger payloads).
pub const MAX_FRAME: usize = 256 * 1024;

/// The nonce of frame `counter` sent by `sender`.
pub fn nonce(sender: Role, counter: u64) -> [u8; aead::NONCE_LEN] {
    let mut nonce = [0u8; aead::NONCE_LEN];
    nonce[..4].copy_from_slice(&u32::from(sender == Role::Answerer).to_be_bytes());
    nonce[4..].copy_from_slice(&counter.to_be_bytes());
    nonce
}

/// Hands out consecutive counters and refuses to wrap.
#[derive(Debug, Default, Clone)]
pub struct Counter(u64);

impl Counter {
    /// The next counter value.
    pub fn take(&mut self) -> Result<u64> {
        let value = self.0;
        self.0 = value.checked_add(1).ok_or(Error::FrameRejected)?;
        Ok(value)
    }
}

/// Checks a frame's size before sealing or opening.
pub fn check_len(plaintext_len: usize) -> Result<()> {
    if plaintext_len > MAX_FRAME {
        return Err(Error::TooLarge {
            what: "frame",
            limit: MAX_FRAME,
        });
    }
    Ok(())
}

/// A session's frame protection with the pure-Rust AES-GCM (the browser
/// worker does the same with WebCrypto in `web::WebChannel`).
#[derive(Debug)]
pub struct Channel {
    keys: SessionKeys,
    role: Role,
    sent: Counter,
    received: Counter,
}

impl Channel {
    /// A channel for the side that had `role` in the handshake.
    pub fn new(keys: SessionKeys, role: Role) -> Self {
        Channel {
            keys,
            role,
            sent: Counter::default(),
            received: Counter::default(),
        }
    }

    /// Seals the next outgoing frame.
    pub fn seal(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        check_len(plaintext.len())?;
        let nonce = nonce(self.role, self.sent.take()?);
        Ok(aead::seal(
            &self.keys.send,
            &nonce,
            labels::FRAME,
            plaintext,
        ))
    }

    /// Opens the next incoming frame; any failure ends the session.
    pub fn open(&mut self, frame: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if frame.len() > MAX_FRAME + aead::TAG_LEN {
            return Err(Error::FrameRejected);
        }
        let nonce = nonce(self.role.peer(), self.received.take()?);
        aead::open(&self.keys.receive, &nonce, labels::FRAME, frame)
            .map_err(|_| Error::FrameRejected)
    }
}
