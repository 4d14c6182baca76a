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
use crate::provider::{Provider, RustCrypto, block_on};
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

/// A session's frame protection, over a [`Provider`]: counters and nonces
/// here, AES-256-GCM by the provider. Sealing and opening are split in two
/// so that the counter is taken synchronously, in the order frames are sent
/// or arrive, while the encryption itself may overlap (the browser's is
/// asynchronous).
pub struct Channel<P: Provider = RustCrypto> {
    send: P::AesKey,
    receive: P::AesKey,
    role: Role,
    sent: Counter,
    received: Counter,
    broken: bool,
}

impl<P: Provider> core::fmt::Debug for Channel<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Channel")
            .field("role", &self.role)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

/// One frame's key and nonce, taken in order; the AES happens later.
#[derive(Debug)]
pub struct Prepared<P: Provider> {
    /// The direction's key.
    pub key: P::AesKey,
    /// The frame's nonce (its counter).
    pub nonce: [u8; aead::NONCE_LEN],
}

impl<P: Provider> Prepared<P> {
    /// Seals the frame's plaintext.
    pub async fn seal(&self, provider: &P, plaintext: &[u8]) -> Result<Vec<u8>> {
        provider
            .seal(&self.key, &self.nonce, labels::FRAME, plaintext)
            .await
    }

    /// Opens the frame; any failure is [`Error::FrameRejected`].
    pub async fn open(&self, provider: &P, frame: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        provider
            .open(&self.key, &self.nonce, labels::FRAME, frame)
            .await
            .map_err(|_| Error::FrameRejected)
    }
}

impl<P: Provider> Channel<P> {
    /// A channel for the side that had `role` in the handshake.
    pub async fn with(provider: &P, keys: &SessionKeys, role: Role) -> Result<Self> {
        Ok(Channel {
            send: provider.aes_key(&keys.send).await?,
            receive: provider.aes_key(&keys.receive).await?,
            role,
            sent: Counter::default(),
            received: Counter::default(),
            broken: false,
        })
    }

    /// Takes the next send counter; call in the order frames will be sent.
    pub fn prepare_seal(&mut self, plaintext_len: usize) -> Result<Prepared<P>> {
        if self.broken {
            return Err(Error::FrameRejected);
        }
        check_len(plaintext_len)?;
        Ok(Prepared {
            key: self.send.clone(),
            nonce: nonce(self.role, self.sent.take()?),
        })
    }

    /// Takes the next receive counter; call in the order frames arrived.
    pub fn prepare_open(&mut self, frame_len: usize) -> Result<Prepared<P>> {
        if self.broken || frame_len > MAX_FRAME + aead::TAG_LEN {
            self.broken = true;
            return Err(Error::FrameRejected);
        }
        Ok(Prepared {
            key: self.receive.clone(),
            nonce: nonce(self.role.peer(), self.received.take()?),
        })
    }

    /// Marks the session unusable (after a rejected frame).
    pub fn break_session(&mut self) {
        self.broken = true;
    }
}

impl Channel<RustCrypto> {
    /// A pure-Rust channel for the side that had `role` in the handshake.
    pub fn new(keys: SessionKeys, role: Role) -> Self {
        block_on(Channel::with(&RustCrypto, &keys, role))
            .expect("the pure-Rust provider imports any key")
    }

    /// Seals the next outgoing frame.
    pub fn seal(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let prepared = self.prepare_seal(plaintext.len())?;
        block_on(prepared.seal(&RustCrypto, plaintext))
    }

    /// Opens the next incoming frame; any failure ends the session.
    pub fn open(&mut self, frame: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let prepared = self.prepare_open(frame.len())?;
        let opened = block_on(prepared.open(&RustCrypto, frame));
        if opened.is_err() {
            self.break_session();
        }
        opened
    }
}
