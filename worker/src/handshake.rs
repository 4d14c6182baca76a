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
//! Each stage of a handshake is its own type, and each step consumes one
//! stage and returns the next (as rustls writes its handshake states):
//!
//! ```text
//! AwaitingHello --receive_hello--> AwaitingFinish --receive_finish--> AwaitingVerification
//!               --verify_with--> Verified --session_keys--> SessionKeys
//! ```
//!
//! so a message out of order, or session keys before the peer's signature
//! verified, do not compile, and a step that fails leaves no handshake to
//! go on with. The stages compute bytes and check structure; signing,
//! verifying and X25519 are done by a [`Provider`] (WebCrypto in the
//! browser), and [`Exchange`] runs the whole handshake over one.
//!
//! ```compile_fail,E0599
//! # fn stage(handshake: worker::AwaitingHello, finish: &[u8]) {
//! // A finish before the peer's hello: the stage has no such step.
//! let _ = handshake.receive_finish(finish);
//! # }
//! ```
//!
//! ```compile_fail,E0599
//! # fn stage(handshake: worker::AwaitingVerification, shared: &[u8; 32]) {
//! // Keys before the peer's signature verified: not this stage's either.
//! let _ = handshake.session_keys(shared);
//! # }
//! ```

use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::codec::{Reader, Writer};
use crate::provider::{Provider, RustCrypto, block_on};
use crate::public_identity::{Fingerprint, PublicIdentity};
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

/// A handshake started: our hello is out, the peer's is awaited.
#[derive(Debug)]
pub struct AwaitingHello {
    announce_id: [u8; 32],
    own: Hello,
    own_bytes: Vec<u8>,
}

impl AwaitingHello {
    /// Starts a handshake; [`Self::hello`] is the message to send.
    pub fn start(start: Start<'_>) -> Result<Self> {
        let own = Hello {
            role: start.role,
            instance: start.instance,
            nonce: random::bytes()?,
            ephemeral: start.ephemeral,
            dtls_local: start.dtls_local,
            dtls_remote: start.dtls_remote,
            spki: start.identity.spki().to_vec(),
        };
        Ok(AwaitingHello {
            announce_id: start.announce_id,
            own_bytes: own.encode(),
            own,
        })
    }

    /// Our hello message.
    pub fn hello(&self) -> &[u8] {
        &self.own_bytes
    }

    /// Our role.
    pub fn role(&self) -> Role {
        self.own.role
    }

    /// Checks the peer's hello. `allowed` decides whether its identity may
    /// join (a friend, a group member); a refused identity is returned in
    /// [`Error::UnexpectedPeer`] so the UI can show the attempt.
    pub fn receive_hello(
        self,
        bytes: &[u8],
        allowed: impl Fn(&Fingerprint) -> bool,
    ) -> Result<AwaitingFinish> {
        let hello = Hello::decode(bytes)?;
        if hello.role != self.own.role.peer() {
            return Err(Error::Malformed("both sides claim the same role"));
        }
        if hello.dtls_local != self.own.dtls_remote || hello.dtls_remote != self.own.dtls_local {
            return Err(Error::ChannelBinding);
        }
        let identity = PublicIdentity::from_spki(&hello.spki)?;
        // Our own identity is another device of ours: accepted only where the
        // caller names it (the devices room), never in a contact's or a
        // group's room. A hello reflected back to us fails the role and
        // channel-binding checks above, and only our own key can sign its finish.
        if !allowed(&identity.fingerprint()) {
            return Err(Error::UnexpectedPeer(identity.fingerprint().to_hex()));
        }
        let (offerer, answerer) = match self.own.role {
            Role::Offerer => (&self.own_bytes[..], bytes),
            Role::Answerer => (bytes, &self.own_bytes[..]),
        };
        Ok(AwaitingFinish {
            role: self.own.role,
            transcript_hash: Sha256::new()
                .chain_update(labels::HANDSHAKE_TRANSCRIPT)
                .chain_update(self.announce_id)
                .chain_update(offerer)
                .chain_update(answerer)
                .finalize()
                .into(),
            peer: Peer {
                identity,
                instance: hello.instance,
                ephemeral: hello.ephemeral,
            },
        })
    }
}

/// The message `role` signs for its finish.
fn signed_message(role: Role, transcript_hash: &[u8; 32]) -> Vec<u8> {
    [labels::HANDSHAKE_SIGNATURE, &[role.byte()], transcript_hash].concat()
}

/// The peer's hello checked out: our finish (a signature over
/// [`Self::to_sign`]) goes out, the peer's is awaited.
#[derive(Debug)]
pub struct AwaitingFinish {
    role: Role,
    transcript_hash: [u8; 32],
    peer: Peer,
}

impl AwaitingFinish {
    /// Our role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The peer, as its hello presented it.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// What we must sign (RSA-PSS-SHA-256) for our finish.
    pub fn to_sign(&self) -> Vec<u8> {
        signed_message(self.role, &self.transcript_hash)
    }

    /// Our finish message carrying `signature` over [`Self::to_sign`].
    pub fn finish(signature: &[u8]) -> Vec<u8> {
        let mut w = Writer::with_capacity(3 + signature.len());
        w.u8(FINISH)
            .u16(u16::try_from(signature.len()).expect("an RSA signature"))
            .bytes(signature);
        w.into_bytes()
    }

    /// Reads the peer's finish, whose signature is verified next.
    pub fn receive_finish(self, bytes: &[u8]) -> Result<AwaitingVerification> {
        let mut r = Reader::new(bytes);
        if r.u8("handshake message type")? != FINISH {
            return Err(Error::Malformed("expected a handshake finish"));
        }
        let len = r.u16("signature length")? as usize;
        let signature = r.take(len, "signature")?.to_vec();
        if signature.len() != self.peer.identity.size().bytes()
            || r.finish("bytes after the finish").is_err()
        {
            return Err(Error::BadSignature);
        }
        Ok(AwaitingVerification {
            role: self.role,
            transcript_hash: self.transcript_hash,
            peer: self.peer,
            signature,
        })
    }
}

/// The peer's finish read: its signature must verify before any key exists.
#[derive(Debug)]
pub struct AwaitingVerification {
    role: Role,
    transcript_hash: [u8; 32],
    peer: Peer,
    signature: Vec<u8>,
}

impl AwaitingVerification {
    /// Verifies the peer's finish signature against its identity, with `provider`.
    pub async fn verify_with<P: Provider>(self, provider: &P) -> Result<Verified> {
        let message = signed_message(self.role.peer(), &self.transcript_hash);
        provider
            .verify(&self.peer.identity, &message, &self.signature)
            .await?;
        Ok(Verified {
            role: self.role,
            transcript_hash: self.transcript_hash,
            peer: self.peer,
        })
    }

    /// [`Self::verify_with`] with the pure-Rust provider.
    pub fn verify(self) -> Result<Verified> {
        block_on(self.verify_with(&RustCrypto))
    }
}

/// The peer proved its identity: the session keys may be derived.
#[derive(Debug)]
pub struct Verified {
    role: Role,
    transcript_hash: [u8; 32],
    peer: Peer,
}

impl Verified {
    /// The authenticated peer.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// Derives the session keys from the X25519 shared secret.
    pub fn session_keys(&self, shared_secret: &[u8; 32]) -> Result<SessionKeys> {
        if shared_secret.iter().all(|b| *b == 0) {
            return Err(Error::Malformed("X25519 shared secret is zero"));
        }
        Ok(derive_session_keys(
            &self.transcript_hash,
            shared_secret,
            self.role,
        ))
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
/// [`Provider`]: the stage `S` decides, the provider signs, verifies and agrees.
pub struct Exchange<P: Provider, S = AwaitingHello> {
    stage: S,
    ephemeral: P::Ephemeral,
}

impl<P: Provider, S: core::fmt::Debug> core::fmt::Debug for Exchange<P, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Exchange")
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

impl<P: Provider> Exchange<P, AwaitingHello> {
    /// Starts a handshake as `identity` with a fresh ephemeral key.
    pub async fn start(
        provider: &P,
        identity: &PublicIdentity,
        connection: Connection,
    ) -> Result<Self> {
        let (ephemeral, public) = provider.ephemeral().await?;
        let stage = AwaitingHello::start(Start {
            role: connection.role,
            announce_id: connection.announce_id,
            identity,
            instance: connection.instance,
            ephemeral: public,
            dtls_local: connection.dtls_local,
            dtls_remote: connection.dtls_remote,
        })?;
        Ok(Exchange { stage, ephemeral })
    }

    /// Our hello message.
    pub fn hello(&self) -> &[u8] {
        self.stage.hello()
    }

    /// Our role in the handshake.
    pub fn role(&self) -> Role {
        self.stage.role()
    }

    /// Checks the peer's hello against the allowed identities; returns the
    /// handshake awaiting the peer's finish, and our finish, signed with
    /// `private`.
    pub async fn receive_hello(
        self,
        provider: &P,
        private: &P::PrivateKey,
        hello: &[u8],
        allowed: &[Fingerprint],
    ) -> Result<(Exchange<P, AwaitingFinish>, Vec<u8>)> {
        let stage = self.stage.receive_hello(hello, |fp| allowed.contains(fp))?;
        let signature = provider.sign(private, &stage.to_sign()).await?;
        let next = Exchange {
            stage,
            ephemeral: self.ephemeral,
        };
        Ok((next, AwaitingFinish::finish(&signature)))
    }
}

impl<P: Provider> Exchange<P, AwaitingFinish> {
    /// The peer, as its hello presented it.
    pub fn peer(&self) -> &Peer {
        self.stage.peer()
    }

    /// Our role in the handshake.
    pub fn role(&self) -> Role {
        self.stage.role()
    }

    /// Verifies the peer's finish and derives the session keys.
    pub async fn receive_finish(self, provider: &P, finish: &[u8]) -> Result<(Peer, SessionKeys)> {
        let verified = self
            .stage
            .receive_finish(finish)?
            .verify_with(provider)
            .await?;
        let shared = provider
            .agree(&self.ephemeral, &verified.peer().ephemeral)
            .await?;
        let keys = verified.session_keys(&shared)?;
        Ok((verified.peer, keys))
    }
}
