//! Peer sessions in the browser: the handshake of [`crate::handshake`] with
//! WebCrypto doing X25519 and RSA-PSS, and the resulting frame channel with
//! AES-GCM keys held as non-extractable `CryptoKey`s.

use std::rc::Rc;

use js_sys::Uint8Array;
use web_sys::CryptoKey;

use super::session::WebSession;
use super::subtle::{RsaUse, Subtle};
use crate::channel::{self, Counter};
use crate::handshake::{Handshake, Peer, Role, SessionKeys, Start};
use crate::identity::{Fingerprint, PublicIdentity};
use crate::{Error, Result, aead, labels};

/// One side of a handshake in progress.
pub struct WebHandshake {
    session: Rc<WebSession>,
    machine: Handshake,
    ephemeral: CryptoKey,
    role: Role,
    hello: Vec<u8>,
}

impl core::fmt::Debug for WebHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebHandshake")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The connection facts a handshake starts from.
#[derive(Debug, Clone, Copy)]
pub struct Connection {
    /// Our role in the WebRTC negotiation.
    pub role: Role,
    /// The room's announce id.
    pub announce_id: [u8; 32],
    /// Our page instance.
    pub instance: [u8; 16],
    /// Our DTLS fingerprint.
    pub dtls_local: [u8; 32],
    /// The peer's DTLS fingerprint as our SDP shows it.
    pub dtls_remote: [u8; 32],
}

impl WebHandshake {
    /// Starts a handshake with a fresh ephemeral X25519 key.
    pub async fn start(session: Rc<WebSession>, connection: Connection) -> Result<Self> {
        let (ephemeral, public) = session.subtle().generate_x25519().await?;
        let (machine, hello) = Handshake::start(Start {
            role: connection.role,
            announce_id: connection.announce_id,
            identity: session.public(),
            instance: connection.instance,
            ephemeral: public,
            dtls_local: connection.dtls_local,
            dtls_remote: connection.dtls_remote,
        })?;
        Ok(WebHandshake {
            session,
            machine,
            ephemeral,
            role: connection.role,
            hello,
        })
    }

    /// Our hello message.
    pub fn hello(&self) -> &[u8] {
        &self.hello
    }

    /// Checks the peer's hello against the allowed identities; returns the
    /// peer and our signed finish message.
    pub async fn receive_hello(
        &mut self,
        hello: &[u8],
        allowed: &[Fingerprint],
    ) -> Result<(Peer, Vec<u8>)> {
        let peer = self
            .machine
            .receive_hello(hello, |fp| allowed.contains(fp))?
            .clone();
        let signature = self.session.sign(&self.machine.to_sign()?).await?;
        Ok((peer, Handshake::finish(&signature)))
    }

    /// Verifies the peer's finish and derives the session.
    pub async fn receive_finish(&mut self, finish: &[u8]) -> Result<WebChannel> {
        let (message, signature) = self.machine.receive_finish(finish)?;
        let peer = self
            .machine
            .peer()
            .cloned()
            .ok_or(Error::Malformed("handshake finish before hello"))?;
        self.session
            .verify(&peer.identity, &message, &signature)
            .await?;
        self.machine.peer_verified()?;
        let subtle = self.session.subtle();
        let shared = subtle.x25519(&self.ephemeral, &peer.ephemeral).await?;
        let keys = self.machine.session_keys(&shared)?;
        WebChannel::new(subtle, &keys, self.role, peer.identity, peer.instance).await
    }
}

/// An authenticated session's frame protection.
pub struct WebChannel {
    subtle: Subtle,
    send: CryptoKey,
    receive: CryptoKey,
    role: Role,
    sent: Counter,
    received: Counter,
    broken: bool,
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

/// A frame operation prepared synchronously (its counter taken in call
/// order) and finished asynchronously.
#[derive(Debug)]
pub struct Pending {
    subtle: Subtle,
    key: CryptoKey,
    nonce: [u8; aead::NONCE_LEN],
}

impl Pending {
    /// Encrypts `plaintext` with the prepared nonce.
    pub async fn seal(self, plaintext: &Uint8Array) -> Result<Uint8Array> {
        let out = self
            .subtle
            .aes_gcm_encrypt_buffer(&self.key, &self.nonce, labels::FRAME, plaintext)
            .await?;
        Ok(Uint8Array::new(&out))
    }

    /// Decrypts `frame` with the prepared nonce.
    pub async fn open(self, frame: &Uint8Array) -> Result<Uint8Array> {
        let out = self
            .subtle
            .aes_gcm_decrypt_buffer(&self.key, &self.nonce, labels::FRAME, frame)
            .await
            .map_err(|_| Error::FrameRejected)?;
        Ok(Uint8Array::new(&out))
    }
}

impl WebChannel {
    /// A channel from session keys (imported as non-extractable AES keys).
    pub async fn new(
        subtle: &Subtle,
        keys: &SessionKeys,
        role: Role,
        peer: PublicIdentity,
        peer_instance: [u8; 16],
    ) -> Result<Self> {
        Ok(WebChannel {
            send: subtle.import_aes_one_way(&keys.send, "encrypt").await?,
            receive: subtle.import_aes_one_way(&keys.receive, "decrypt").await?,
            subtle: subtle.clone(),
            role,
            sent: Counter::default(),
            received: Counter::default(),
            broken: false,
            peer,
            peer_instance,
            session_id: keys.session_id,
        })
    }

    /// Takes the next send counter; call in the order frames will be sent.
    pub fn prepare_seal(&mut self, plaintext_len: usize) -> Result<Pending> {
        if self.broken {
            return Err(Error::FrameRejected);
        }
        channel::check_len(plaintext_len)?;
        Ok(Pending {
            subtle: self.subtle.clone(),
            key: self.send.clone(),
            nonce: channel::nonce(self.role, self.sent.take()?),
        })
    }

    /// Takes the next receive counter; call in the order frames arrived.
    pub fn prepare_open(&mut self, frame_len: usize) -> Result<Pending> {
        if self.broken || frame_len > channel::MAX_FRAME + aead::TAG_LEN {
            self.broken = true;
            return Err(Error::FrameRejected);
        }
        Ok(Pending {
            subtle: self.subtle.clone(),
            key: self.receive.clone(),
            nonce: channel::nonce(self.role.peer(), self.received.take()?),
        })
    }

    /// Marks the session unusable (after a rejected frame).
    pub fn break_session(&mut self) {
        self.broken = true;
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

impl WebSession {
    /// Verifies an RSA-PSS signature of `who` with WebCrypto.
    pub async fn verify(
        &self,
        who: &PublicIdentity,
        message: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        if signature.len() != who.size().bytes() {
            return Err(Error::BadSignature);
        }
        let key = self.public_key(who, RsaUse::Pss).await?;
        self.subtle().pss_verify(&key, signature, message).await
    }
}
