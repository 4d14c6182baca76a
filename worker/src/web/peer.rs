//! Peer sessions in the browser: the protocol's own handshake
//! ([`Exchange`]) and frame channel ([`Channel`]) over [`WebCrypto`], with
//! frames going straight between JavaScript buffers and WebCrypto.

use std::rc::Rc;

use js_sys::Uint8Array;

use super::provider::WebCrypto;
use super::session::WebSession;
use super::subtle::Subtle;
use crate::channel::{Channel, Prepared};
use crate::handshake::{
    AwaitingFinish, AwaitingHello, Connection, Exchange, Peer, Role, SessionKeys,
};
use crate::public_identity::{Fingerprint, PublicIdentity};
use crate::{Error, Result, labels};

/// One side of a handshake in progress, at stage `S` (see `handshake`).
pub struct WebHandshake<S = AwaitingHello> {
    session: Rc<WebSession>,
    exchange: Exchange<WebCrypto, S>,
}

impl<S: core::fmt::Debug> core::fmt::Debug for WebHandshake<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebHandshake")
            .field("exchange", &self.exchange)
            .finish_non_exhaustive()
    }
}

impl WebHandshake<AwaitingHello> {
    /// Starts a handshake with a fresh ephemeral X25519 key.
    pub async fn start(session: Rc<WebSession>, connection: Connection) -> Result<Self> {
        let exchange = Exchange::start(session.crypto(), session.public(), connection).await?;
        Ok(WebHandshake { session, exchange })
    }

    /// Our hello message.
    pub fn hello(&self) -> &[u8] {
        self.exchange.hello()
    }

    /// Checks the peer's hello against the allowed identities; returns the
    /// handshake awaiting the peer's finish, and our signed finish message.
    pub async fn receive_hello(
        self,
        hello: &[u8],
        allowed: &[Fingerprint],
    ) -> Result<(WebHandshake<AwaitingFinish>, Vec<u8>)> {
        let WebHandshake { session, exchange } = self;
        let (exchange, finish) = exchange
            .receive_hello(session.crypto(), session.holder().private, hello, allowed)
            .await?;
        Ok((WebHandshake { session, exchange }, finish))
    }
}

impl WebHandshake<AwaitingFinish> {
    /// The peer, as its hello presented it.
    pub fn peer(&self) -> &Peer {
        self.exchange.peer()
    }

    /// Verifies the peer's finish and derives the session.
    pub async fn receive_finish(self, finish: &[u8]) -> Result<WebChannel> {
        let role = self.exchange.role();
        let (peer, keys) = self
            .exchange
            .receive_finish(self.session.crypto(), finish)
            .await?;
        WebChannel::new(
            self.session.crypto().subtle(),
            &keys,
            role,
            peer.identity,
            peer.instance,
        )
        .await
    }
}

/// An authenticated session's frame protection, with its peer.
pub struct WebChannel {
    crypto: Rc<WebCrypto>,
    channel: Channel<WebCrypto>,
    peer: PublicIdentity,
    peer_instance: [u8; 16],
    session_id: [u8; 32],
}

impl core::fmt::Debug for WebChannel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebChannel")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

/// A frame prepared in order (its counter taken), sealed or opened later.
#[derive(Debug)]
pub struct Pending {
    crypto: Rc<WebCrypto>,
    prepared: Prepared<WebCrypto>,
}

impl Pending {
    /// Encrypts `plaintext` (a JavaScript buffer, not copied into WASM).
    pub async fn seal(self, plaintext: &Uint8Array) -> Result<Uint8Array> {
        let out = self
            .crypto
            .subtle()
            .aes_gcm_encrypt_buffer(
                &self.prepared.key,
                &self.prepared.nonce,
                labels::FRAME,
                plaintext,
            )
            .await?;
        Ok(Uint8Array::new(&out))
    }

    /// Decrypts `frame`; any failure is [`Error::FrameRejected`].
    pub async fn open(self, frame: &Uint8Array) -> Result<Uint8Array> {
        let out = self
            .crypto
            .subtle()
            .aes_gcm_decrypt_buffer(
                &self.prepared.key,
                &self.prepared.nonce,
                labels::FRAME,
                frame,
            )
            .await
            .map_err(|_| Error::FrameRejected)?;
        Ok(Uint8Array::new(&out))
    }
}

impl WebChannel {
    /// A channel from session keys (imported as non-extractable AES keys).
    pub async fn new(
        _subtle: &Subtle,
        keys: &SessionKeys,
        role: Role,
        peer: PublicIdentity,
        peer_instance: [u8; 16],
    ) -> Result<Self> {
        let crypto = Rc::new(WebCrypto::get()?);
        Ok(WebChannel {
            channel: Channel::with(crypto.as_ref(), keys, role).await?,
            crypto,
            peer,
            peer_instance,
            session_id: keys.session_id,
        })
    }

    /// Takes the next send counter; call in the order frames will be sent.
    pub fn prepare_seal(&mut self, plaintext_len: usize) -> Result<Pending> {
        Ok(Pending {
            crypto: Rc::clone(&self.crypto),
            prepared: self.channel.prepare_seal(plaintext_len)?,
        })
    }

    /// Takes the next receive counter; call in the order frames arrived.
    pub fn prepare_open(&mut self, frame_len: usize) -> Result<Pending> {
        Ok(Pending {
            crypto: Rc::clone(&self.crypto),
            prepared: self.channel.prepare_open(frame_len)?,
        })
    }

    /// Marks the session unusable (after a rejected frame).
    pub fn break_session(&mut self) {
        self.channel.break_session();
    }

    /// The authenticated peer.
    pub fn peer(&self) -> &PublicIdentity {
        &self.peer
    }

    /// The peer's page instance.
    pub fn peer_instance(&self) -> [u8; 16] {
        self.peer_instance
    }

    /// The shared session id (transcript hash).
    pub fn session_id(&self) -> [u8; 32] {
        self.session_id
    }
}
