//! Peer authentication over a fresh WebRTC data channel (DESIGN.md section 4).
//!
//! Each side sends a *hello*, then a *finish*:
//!
//! ```text
//! hello   = 0x01 ‖ version ‖ role ‖ instance[16] ‖ nonce[32] ‖ ephemeral X25519 public[32]
//!           ‖ dtls_local[32] ‖ dtls_remote[32] ‖ u16be(len) ‖ identity SPKI
//! th      = SHA-256("trustero/handshake/v1" ‖ announce_id ‖ hello_offerer ‖ hello_answerer)
//! finish  = 0x02 ‖ u16be(len) ‖ RSA-PSS-SHA-256(identity, "trustero/handshake-signature/v1" ‖ role ‖ th)
//! keys    = HKDF-SHA-256(salt = th, ikm = X25519(eph_self, eph_peer),
//!                        info = "trustero/session/v1", L = 64)
//!           first 32 bytes: offerer → answerer, last 32: answerer → offerer
//! ```
//!
//! `dtls_local`/`dtls_remote` are the SHA-256 DTLS certificate fingerprints the
//! sender sees in its local and remote SDP. A hello is accepted only if the
//! peer's view mirrors ours (its local is our remote and vice versa): a
//! man in the middle terminating DTLS separately with both sides cannot make
//! the two views agree without forging a signature over them. The transcript
//! binds the room (its announce id), the protocol version, both ephemeral keys
//! and both nonces, so a finish cannot be replayed into another session.
//!
//! The state machine only computes bytes and checks structure; signing,
//! verifying and X25519 are done by the caller's backend (WebCrypto in the
//! browser) and reported back, and keys are released only after the peer's
//! signature was verified.

use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::codec::{Reader, Writer};
use crate::identity::{Fingerprint, PublicIdentity};
use crate::provider::Provider;
use crate::{Error, Result, labels, random};

/// Handshake protocol version.
pub const VERSION: u8 = 1;
const HELLO: u8 = 1;
const FINISH: u8 = 2;

/// Which side of the WebRTC negotiation this peer was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Sent the SDP offer.
    Offerer,
    /// Sent the SDP answer.
    Answerer,
}

impl Role {
    fn byte(self) -> u8 {
        match self {
            Role::Offerer => 0,
            Role::Answerer => 1,
        }
    }

    fn from_byte(byte: u8) -> Result<Self> {
        match byte {
            0 => Ok(Role::Offerer),
            1 => Ok(Role::Answerer),
            _ => Err(Error::Malformed("handshake role")),
        }
    }

    /// The other side.
    pub fn peer(self) -> Role {
        match self {
            Role::Offerer => Role::Answerer,
            Role::Answerer => Role::Offerer,
        }
    }

    /// Parses "offerer" or "answerer".
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "offerer" => Ok(Role::Offerer),
            "answerer" => Ok(Role::Answerer),
            _ => Err(Error::Malformed("role must be offerer or answerer")),
        }
    }
}

/// One side's hello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The sender's role.
    pub role: Role,
    /// The sender's page instance (changes on every load).
    pub instance: [u8; 16],
    /// Fresh randomness of the sender.
    pub nonce: [u8; 32],
    /// The sender's ephemeral X25519 public key.
    pub ephemeral: [u8; 32],
    /// SHA-256 fingerprint of the sender's own DTLS certificate.
    pub dtls_local: [u8; 32],
    /// SHA-256 fingerprint of the DTLS certificate the sender sees on the other end.
    pub dtls_remote: [u8; 32],
    /// The sender's identity (SPKI DER).
    pub spki: Vec<u8>,
}

impl Hello {
    /// Encodes the hello message.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(180 + self.spki.len());
        w.u8(HELLO)
            .u8(VERSION)
            .u8(self.role.byte())
            .bytes(&self.instance)
            .bytes(&self.nonce)
            .bytes(&self.ephemeral)
            .bytes(&self.dtls_local)
            .bytes(&self.dtls_remote)
            .u16(u16::try_from(self.spki.len()).expect("SPKI is at most 1024 bytes"))
            .bytes(&self.spki);
        w.into_bytes()
    }

    /// Decodes and bounds-checks a hello message.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.u8("handshake message type")? != HELLO {
            return Err(Error::Malformed("expected a handshake hello"));
        }
        let version = r.u8("handshake version")?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let role = Role::from_byte(r.u8("handshake role")?)?;
        let hello = Hello {
            role,
            instance: r.array("instance")?,
            nonce: r.array("nonce")?,
            ephemeral: r.array("ephemeral key")?,
            dtls_local: r.array("dtls fingerprint")?,
            dtls_remote: r.array("dtls fingerprint")?,
            spki: {
                let len = r.u16("identity length")? as usize;
                if len > 1024 {
                    return Err(Error::Malformed("identity too long"));
                }
                r.take(len, "identity")?.to_vec()
            },
        };
        r.finish("bytes after the hello")?;
        Ok(hello)
    }
}

/// What the handshake learned about the peer once its hello checked out.
#[derive(Clone, Debug)]
pub struct Peer {
    /// The peer's identity.
    pub identity: PublicIdentity,
    /// The peer's page instance.
    pub instance: [u8; 16],
    /// The peer's ephemeral X25519 public key (for the caller's DH).
    pub ephemeral: [u8; 32],
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    AwaitingHello,
    AwaitingFinish,
    AwaitingVerification,
    Verified,
    Failed,
}

/// The keys of an authenticated session, one per direction.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    /// Key for frames this side sends.
    pub send: [u8; 32],
    /// Key for frames this side receives.
    pub receive: [u8; 32],
    /// The transcript hash: a session id both sides share.
    pub session_id: [u8; 32],
}

impl core::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SessionKeys([redacted])")
    }
}

/// One side of a handshake.
#[derive(Debug)]
pub struct Handshake {
    announce_id: [u8; 32],
    own: Hello,
    own_bytes: Vec<u8>,
    peer: Option<Peer>,
    transcript_hash: Option<[u8; 32]>,
    peer_signature: Option<Vec<u8>>,
    state: State,
}

/// What the caller passes to start a handshake.
#[derive(Debug, Clone)]
pub struct Start<'a> {
    /// Our role in the WebRTC negotiation.
    pub role: Role,
    /// The room this connection was made in.
    pub announce_id: [u8; 32],
    /// Our identity.
    pub identity: &'a PublicIdentity,
    /// Our page instance.
    pub instance: [u8; 16],
    /// Our ephemeral X25519 public key.
    pub ephemeral: [u8; 32],
    /// Our DTLS fingerprint (from our SDP).
    pub dtls_local: [u8; 32],
    /// The peer's DTLS fingerprint (from its SDP as we received it).
    pub dtls_remote: [u8; 32],
}

impl Handshake {
    /// Starts a handshake; returns it and the hello to send.
    pub fn start(start: Start<'_>) -> Result<(Self, Vec<u8>)> {
        let own = Hello {
            role: start.role,
            instance: start.instance,
            nonce: random::bytes()?,
            ephemeral: start.ephemeral,
            dtls_local: start.dtls_local,
            dtls_remote: start.dtls_remote,
            spki: start.identity.spki().to_vec(),
        };
        let own_bytes = own.encode();
        Ok((
            Handshake {
                announce_id: start.announce_id,
                own,
                own_bytes: own_bytes.clone(),
                peer: None,
                transcript_hash: None,
                peer_signature: None,
                state: State::AwaitingHello,
            },
            own_bytes,
        ))
    }

    fn fail(&mut self, error: Error) -> Error {
        self.state = State::Failed;
        error
    }

    /// Checks the peer's hello. `allowed` decides whether its identity may
    /// join (a friend, a group member); a refused identity is returned in
    /// [`Error::UnexpectedPeer`] so the UI can show the attempt.
    pub fn receive_hello(
        &mut self,
        bytes: &[u8],
        allowed: impl Fn(&Fingerprint) -> bool,
    ) -> Result<&Peer> {
        if self.state != State::AwaitingHello {
            return Err(self.fail(Error::Malformed("unexpected handshake hello")));
        }
        let hello = Hello::decode(bytes).map_err(|e| self.fail(e))?;
        if hello.role != self.own.role.peer() {
            return Err(self.fail(Error::Malformed("both sides claim the same role")));
        }
        if hello.dtls_local != self.own.dtls_remote || hello.dtls_remote != self.own.dtls_local {
            return Err(self.fail(Error::ChannelBinding));
        }
        let identity = PublicIdentity::from_spki(&hello.spki).map_err(|e| self.fail(e))?;
        // Our own identity is another device of ours: accepted only where the
        // caller names it (the devices room), never in a contact's or a
        // group's room. A hello reflected back to us fails the role and
        // channel-binding checks above, and only our own key can sign its finish.
        if !allowed(&identity.fingerprint()) {
            return Err(self.fail(Error::UnexpectedPeer(identity.fingerprint().to_hex())));
        }
        let (offerer, answerer) = match self.own.role {
            Role::Offerer => (&self.own_bytes[..], bytes),
            Role::Answerer => (bytes, &self.own_bytes[..]),
        };
        self.transcript_hash = Some(
            Sha256::new()
                .chain_update(labels::HANDSHAKE_TRANSCRIPT)
                .chain_update(self.announce_id)
                .chain_update(offerer)
                .chain_update(answerer)
                .finalize()
                .into(),
        );
        self.state = State::AwaitingFinish;
        Ok(self.peer.insert(Peer {
            identity,
            instance: hello.instance,
            ephemeral: hello.ephemeral,
        }))
    }

    fn signed_message(&self, role: Role) -> Result<Vec<u8>> {
        let th = self
            .transcript_hash
            .ok_or(Error::Malformed("handshake hello not received yet"))?;
        Ok([labels::HANDSHAKE_SIGNATURE, &[role.byte()], &th].concat())
    }

    /// What we must sign (RSA-PSS-SHA-256) for our finish.
    pub fn to_sign(&self) -> Result<Vec<u8>> {
        self.signed_message(self.own.role)
    }

    /// Our finish message carrying `signature` over [`Self::to_sign`].
    pub fn finish(signature: &[u8]) -> Vec<u8> {
        let mut w = Writer::with_capacity(3 + signature.len());
        w.u8(FINISH)
            .u16(u16::try_from(signature.len()).expect("an RSA signature"))
            .bytes(signature);
        w.into_bytes()
    }

    /// Reads the peer's finish; returns the message its signature must cover
    /// and the signature. Verify it, then call [`Self::peer_verified`].
    pub fn receive_finish(&mut self, bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        if self.state != State::AwaitingFinish {
            return Err(self.fail(Error::Malformed("unexpected handshake finish")));
        }
        let mut r = Reader::new(bytes);
        let parsed = (|| {
            if r.u8("handshake message type")? != FINISH {
                return Err(Error::Malformed("expected a handshake finish"));
            }
            let len = r.u16("signature length")? as usize;
            let signature = r.take(len, "signature")?.to_vec();
            Ok(signature)
        })();
        let signature = parsed.map_err(|e| self.fail(e))?;
        let expected_len = self.peer.as_ref().map(|p| p.identity.size().bytes());
        if Some(signature.len()) != expected_len || r.finish("bytes after the finish").is_err() {
            return Err(self.fail(Error::BadSignature));
        }
        self.state = State::AwaitingVerification;
        self.peer_signature = Some(signature.clone());
        Ok((self.signed_message(self.own.role.peer())?, signature))
    }

    /// Records that the peer's finish signature verified against its identity.
    pub fn peer_verified(&mut self) -> Result<()> {
        if self.state != State::AwaitingVerification {
            return Err(self.fail(Error::Malformed("nothing to verify yet")));
        }
        self.state = State::Verified;
        Ok(())
    }

    /// The peer, once its hello checked out.
    pub fn peer(&self) -> Option<&Peer> {
        self.peer.as_ref()
    }

    /// Derives the session keys from the X25519 shared secret; only after the
    /// peer's signature was verified.
    pub fn session_keys(&self, shared_secret: &[u8; 32]) -> Result<SessionKeys> {
        if self.state != State::Verified {
            return Err(Error::Malformed("handshake not verified"));
        }
        if shared_secret.iter().all(|b| *b == 0) {
            return Err(Error::Malformed("X25519 shared secret is zero"));
        }
        let th = self
            .transcript_hash
            .expect("set when the hello was received");
        Ok(derive_session_keys(&th, shared_secret, self.own.role))
    }

    /// The transcript hash, once the peer's hello was received.
    pub fn transcript_hash(&self) -> Option<[u8; 32]> {
        self.transcript_hash
    }
}

/// `HKDF-SHA-256(salt = th, ikm = shared, info = "trustero/session/v1", L = 64)`,
/// split into the keys of `role`'s sending and receiving directions.
pub fn derive_session_keys(
    transcript_hash: &[u8; 32],
    shared_secret: &[u8; 32],
    role: Role,
) -> SessionKeys {
    let mut okm = [0u8; 64];
    Hkdf::<Sha256>::new(Some(transcript_hash), shared_secret)
        .expand(labels::SESSION_KEYS, &mut okm)
        .expect("64 bytes is a valid HKDF-SHA-256 output length");
    let (offerer_to_answerer, answerer_to_offerer) = okm.split_at(32);
    let (send, receive) = match role {
        Role::Offerer => (offerer_to_answerer, answerer_to_offerer),
        Role::Answerer => (answerer_to_offerer, offerer_to_answerer),
    };
    let keys = SessionKeys {
        send: send.try_into().expect("32 bytes"),
        receive: receive.try_into().expect("32 bytes"),
        session_id: *transcript_hash,
    };
    okm.zeroize();
    keys
}

/// The facts of a connection a handshake starts from.
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

/// One side of a handshake with its ephemeral X25519 key, every step over a
/// [`Provider`]: the state machine ([`Handshake`]) decides, the provider signs,
/// verifies and agrees.
pub struct Exchange<P: Provider> {
    machine: Handshake,
    ephemeral: P::Ephemeral,
    role: Role,
    hello: Vec<u8>,
}

impl<P: Provider> core::fmt::Debug for Exchange<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Exchange")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl<P: Provider> Exchange<P> {
    /// Starts a handshake as `identity` with a fresh ephemeral key.
    pub async fn start(
        provider: &P,
        identity: &PublicIdentity,
        connection: Connection,
    ) -> Result<Self> {
        let (ephemeral, public) = provider.ephemeral().await?;
        let (machine, hello) = Handshake::start(Start {
            role: connection.role,
            announce_id: connection.announce_id,
            identity,
            instance: connection.instance,
            ephemeral: public,
            dtls_local: connection.dtls_local,
            dtls_remote: connection.dtls_remote,
        })?;
        Ok(Exchange {
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
    /// peer and our finish, signed with `private`.
    pub async fn receive_hello(
        &mut self,
        provider: &P,
        private: &P::PrivateKey,
        hello: &[u8],
        allowed: &[Fingerprint],
    ) -> Result<(Peer, Vec<u8>)> {
        let peer = self
            .machine
            .receive_hello(hello, |fp| allowed.contains(fp))?
            .clone();
        let signature = provider.sign(private, &self.machine.to_sign()?).await?;
        Ok((peer, Handshake::finish(&signature)))
    }

    /// Verifies the peer's finish and derives the session keys.
    pub async fn receive_finish(
        &mut self,
        provider: &P,
        finish: &[u8],
    ) -> Result<(Peer, SessionKeys)> {
        let (message, signature) = self.machine.receive_finish(finish)?;
        let peer = self
            .machine
            .peer()
            .cloned()
            .ok_or(Error::Malformed("handshake finish before hello"))?;
        provider
            .verify(&peer.identity, &message, &signature)
            .await?;
        self.machine.peer_verified()?;
        let shared = provider.agree(&self.ephemeral, &peer.ephemeral).await?;
        let keys = self.machine.session_keys(&shared)?;
        Ok((peer, keys))
    }

    /// Our role in the handshake.
    pub fn role(&self) -> Role {
        self.role
    }
}
