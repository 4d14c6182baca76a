//! The JavaScript API of the worker: the only module with `#[wasm_bindgen]`.
//!
//! Errors cross as `Error` objects with a stable `code` property (see
//! [`crate::Error::code`]); JavaScript branches on the code, never the text.
//! Byte strings cross as `Uint8Array`, ids and fingerprints as lowercase hex.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::peer::{Connection, WebChannel, WebHandshake};
use super::session::WebSession;
use super::subtle::Subtle;
use crate::envelope::{self, EnvelopeMeta, Header};
use crate::handshake::Role;
use crate::identity::{
    self, Fingerprint, Identity, IdentitySeed, KeySize, PublicIdentity, hex_lower,
};
use crate::nostr::NostrKey;
use crate::signal::{RoomTopic, SignalKey};
use crate::{Error, files, random};

fn to_js(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    Reflect::set(&js, &"code".into(), &error.code().into())
        .expect("setting a property on a fresh Error cannot fail");
    // A refused identity is named as data, so nobody parses it out of the text.
    if let Error::UnexpectedPeer(fingerprint) = &error {
        Reflect::set(&js, &"fingerprint".into(), &fingerprint.into())
            .expect("setting a property on a fresh Error cannot fail");
    }
    js.into()
}

fn set(object: &Object, name: &str, value: impl Into<JsValue>) {
    Reflect::set(object, &name.into(), &value.into())
        .expect("setting a property on a fresh plain object cannot fail");
}

fn bytes(value: &[u8]) -> Uint8Array {
    Uint8Array::from(value)
}

fn whole_number(value: f64, what: &'static str) -> Result<u64, Error> {
    if value.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&value) {
        Ok(value as u64)
    } else {
        Err(Error::Malformed(what))
    }
}

fn array<const N: usize>(value: &[u8], what: &'static str) -> Result<[u8; N], Error> {
    value.try_into().map_err(|_| Error::Malformed(what))
}

fn header_object(header: &Header) -> Object {
    let object = Object::new();
    set(&object, "version", header.version);
    set(&object, "messageId", hex_lower(&header.message_id));
    set(
        &object,
        "conversationId",
        hex_lower(&header.conversation_id),
    );
    set(&object, "sender", header.sender.to_hex());
    set(&object, "timestampMs", header.timestamp_ms as f64);
    set(&object, "lamport", header.lamport as f64);
    let recipients: Array = header
        .recipients
        .iter()
        .map(|r| JsValue::from(r.fingerprint.to_hex()))
        .collect();
    set(&object, "recipients", recipients);
    object
}

fn public_identities(list: &Array) -> Result<Vec<PublicIdentity>, Error> {
    list.iter()
        .map(|value| {
            let spki: Uint8Array = value.dyn_into().map_err(|_| Error::InvalidPublicKey)?;
            PublicIdentity::from_spki(&spki.to_vec())
        })
        .collect()
}

/// A logged-in identity. Its private key exists only as non-extractable
/// WebCrypto keys inside this worker; `free()` (logout) drops them.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Session {
    inner: Rc<WebSession>,
    store_name: String,
}

#[wasm_bindgen]
impl Session {
    /// Derives the identity of `username` and `password` with a `bits`-bit RSA
    /// key. Calls `onProgress(stage)` with "argon2", "keygen" and "import".
    /// Resolves to a `Session`.
    pub fn derive(username: String, password: String, bits: u32, on_progress: Function) -> Promise {
        let password = zeroize::Zeroizing::new(password);
        let result = (|| {
            let size = KeySize::from_bits(bits as usize)?;
            identity::normalize_username(&username)?;
            let report = |stage: &str| {
                // A throwing progress callback must not abort a login.
                let _ = on_progress.call1(&JsValue::NULL, &stage.into());
            };
            report("argon2");
            let seed = IdentitySeed::derive(&username, &password)?;
            report("keygen");
            let identity = Identity::from_seed(&seed, size)?;
            report("import");
            Ok::<_, Error>(identity)
        })();
        future_to_promise(async move {
            let identity = result.map_err(to_js)?;
            let identity_store_name = identity.store_name();
            let session = WebSession::from_identity(identity).await.map_err(to_js)?;
            let store_name = identity_store_name;
            Ok(Session {
                inner: Rc::new(session),
                store_name,
            }
            .into())
        })
    }

    /// `{oaep, pss, vault}`: the session's non-extractable `CryptoKey`s, to
    /// hand to another worker with `postMessage` (see `fromKeys`).
    #[wasm_bindgen(getter)]
    pub fn keys(&self) -> Object {
        let keys = self.inner.keys();
        let result = Object::new();
        set(&result, "oaep", keys.oaep);
        set(&result, "pss", keys.pss);
        set(&result, "vault", keys.vault);
        result
    }

    /// A session from the keys another worker derived (see `keys`).
    #[wasm_bindgen(js_name = fromKeys)]
    pub fn from_keys(spki: &[u8], keys: &Object, store_name: String) -> Result<Session, JsValue> {
        let public = PublicIdentity::from_spki(spki).map_err(to_js)?;
        let get = |name: &str| -> Result<web_sys::CryptoKey, JsValue> {
            Reflect::get(keys, &name.into())?
                .dyn_into::<web_sys::CryptoKey>()
                .map_err(|_| to_js(Error::Malformed("keys must be CryptoKeys")))
        };
        let session = WebSession::from_keys(
            public,
            super::session::SessionKeys {
                oaep: get("oaep")?,
                pss: get("pss")?,
                vault: get("vault")?,
            },
        )
        .map_err(to_js)?;
        Ok(Session {
            inner: Rc::new(session),
            store_name,
        })
    }

    /// SubjectPublicKeyInfo DER of the public key.
    #[wasm_bindgen(getter)]
    pub fn spki(&self) -> Uint8Array {
        bytes(self.inner.public().spki())
    }

    /// SHA-256 of the SPKI as 64 lowercase hex digits.
    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> String {
        self.inner.public().fingerprint().to_hex()
    }

    /// RSA modulus size in bits.
    #[wasm_bindgen(getter)]
    pub fn bits(&self) -> u32 {
        self.inner.public().size().bits() as u32
    }

    /// The safety number shared with the holder of `theirSpki`.
    #[wasm_bindgen(js_name = safetyNumber)]
    pub fn safety_number(&self, their_spki: &[u8]) -> Result<String, JsValue> {
        let theirs = PublicIdentity::from_spki(their_spki).map_err(to_js)?;
        Ok(identity::safety_number(
            &self.inner.public().fingerprint(),
            &theirs.fingerprint(),
        ))
    }

    /// Seals `content` to `recipients` (array of SPKI `Uint8Array`s; the sender
    /// is added). `messageId` (16 bytes) is random when omitted. Resolves to
    /// `{envelope: Uint8Array, messageId: hex}`.
    #[wasm_bindgen(js_name = sealEnvelope)]
    pub fn seal_envelope(
        &self,
        recipients: Array,
        conversation_id: &[u8],
        timestamp_ms: f64,
        lamport: f64,
        content: Vec<u8>,
        message_id: Option<Vec<u8>>,
    ) -> Promise {
        let inner = Rc::clone(&self.inner);
        let prepared = (|| {
            let message_id = match message_id {
                Some(id) => array(&id, "message id must be 16 bytes")?,
                None => random::bytes::<16>()?,
            };
            let meta = EnvelopeMeta {
                message_id,
                conversation_id: array(conversation_id, "conversation id must be 32 bytes")?,
                timestamp_ms: whole_number(timestamp_ms, "timestamp")?,
                lamport: whole_number(lamport, "lamport counter")?,
            };
            Ok::<_, Error>((meta, public_identities(&recipients)?))
        })();
        future_to_promise(async move {
            let (meta, recipients) = prepared.map_err(to_js)?;
            let sealed = inner
                .seal_envelope(&recipients, &meta, &content)
                .await
                .map_err(to_js)?;
            let result = Object::new();
            set(&result, "envelope", bytes(&sealed));
            set(&result, "messageId", hex_lower(&meta.message_id));
            Ok(result.into())
        })
    }

    /// Opens an envelope from the holder of `senderSpki`. Resolves to the
    /// header fields (see `peekEnvelope`) plus `content: Uint8Array` and
    /// `receipt: Uint8Array` (store it beside the envelope for `openStored`).
    #[wasm_bindgen(js_name = openEnvelope)]
    pub fn open_envelope(&self, envelope: Vec<u8>, sender_spki: &[u8]) -> Promise {
        let inner = Rc::clone(&self.inner);
        let sender = PublicIdentity::from_spki(sender_spki);
        future_to_promise(async move {
            let sender = sender.map_err(to_js)?;
            let (opened, receipt) = inner
                .open_envelope(&envelope, &sender)
                .await
                .map_err(to_js)?;
            let result = header_object(&opened.header);
            set(&result, "content", bytes(&opened.content));
            set(&result, "receipt", bytes(&receipt));
            Ok(result.into())
        })
    }

    /// Checks an envelope's signature by the holder of `senderSpki` without
    /// opening it (a duplicate must be genuine before it is acknowledged).
    /// Resolves to the authenticated header fields (see `peekEnvelope`).
    #[wasm_bindgen(js_name = verifyEnvelope)]
    pub fn verify_envelope(&self, envelope: Vec<u8>, sender_spki: &[u8]) -> Promise {
        let inner = Rc::clone(&self.inner);
        let sender = PublicIdentity::from_spki(sender_spki);
        future_to_promise(async move {
            let sender = sender.map_err(to_js)?;
            let header = inner
                .verify_envelope(&envelope, &sender)
                .await
                .map_err(to_js)?;
            Ok(header_object(&header).into())
        })
    }

    /// Reopens a stored envelope with the receipt `openEnvelope` gave: no RSA,
    /// so history loads fast. Resolves like `openEnvelope` (without receipt).
    #[wasm_bindgen(js_name = openStored)]
    pub fn open_stored(&self, envelope: Vec<u8>, receipt: Vec<u8>) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let opened = inner
                .open_stored(&envelope, &receipt)
                .await
                .map_err(to_js)?;
            let result = header_object(&opened.header);
            set(&result, "content", bytes(&opened.content));
            Ok(result.into())
        })
    }

    /// Seals a record at rest for `context` (where it is stored). The bytes
    /// stay in JavaScript: large records are not copied into WASM memory.
    #[wasm_bindgen(js_name = vaultSeal)]
    pub fn vault_seal(&self, context: String, plaintext: Uint8Array) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let sealed = inner
                .vault_seal_buffer(context.as_bytes(), &plaintext)
                .await
                .map_err(to_js)?;
            Ok(sealed.into())
        })
    }

    /// Opens a record sealed for the same `context`.
    #[wasm_bindgen(js_name = vaultOpen)]
    pub fn vault_open(&self, context: String, record: Uint8Array) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let opened = inner
                .vault_open_buffer(context.as_bytes(), &record)
                .await
                .map_err(to_js)?;
            Ok(opened.into())
        })
    }

    /// The name of this identity's local database (reveals nothing about the key).
    #[wasm_bindgen(getter, js_name = storeName)]
    pub fn store_name(&self) -> String {
        self.store_name.clone()
    }

    /// Starts the handshake of a new peer connection in `room`. `role` is
    /// "offerer" or "answerer"; `instance` is this page's 16-byte instance id;
    /// the DTLS fingerprints are the SHA-256 ones from the local and remote SDP.
    #[wasm_bindgen(js_name = startHandshake)]
    pub fn start_handshake(
        &self,
        room: &Room,
        role: String,
        instance: &[u8],
        dtls_local: &[u8],
        dtls_remote: &[u8],
    ) -> Promise {
        let inner = Rc::clone(&self.inner);
        let connection = (|| {
            Ok::<_, Error>(Connection {
                role: Role::from_name(&role)?,
                announce_id: room.announce_id,
                instance: array(instance, "instance must be 16 bytes")?,
                dtls_local: array(dtls_local, "DTLS fingerprint must be 32 bytes")?,
                dtls_remote: array(dtls_remote, "DTLS fingerprint must be 32 bytes")?,
            })
        })();
        future_to_promise(async move {
            let handshake = WebHandshake::start(inner, connection.map_err(to_js)?)
                .await
                .map_err(to_js)?;
            Ok(PeerHandshake {
                inner: Rc::new(RefCell::new(Some(handshake))),
            }
            .into())
        })
    }

    /// The id (hex) of the conversation with the holder of `theirSpki`.
    #[wasm_bindgen(js_name = pairConversationId)]
    pub fn pair_conversation_id(&self, their_spki: &[u8]) -> Result<String, JsValue> {
        let theirs = PublicIdentity::from_spki(their_spki).map_err(to_js)?;
        Ok(hex_lower(&identity::pair_conversation_id(
            &self.inner.public().fingerprint(),
            &theirs.fingerprint(),
        )))
    }

    /// The signalling room shared with the holder of `theirSpki`.
    #[wasm_bindgen(js_name = pairRoom)]
    pub fn pair_room(&self, their_spki: &[u8], room_password: &str) -> Result<Room, JsValue> {
        let theirs = PublicIdentity::from_spki(their_spki).map_err(to_js)?;
        let topic = RoomTopic::pair(
            &self.inner.public().fingerprint(),
            &theirs.fingerprint(),
            room_password,
        )
        .map_err(to_js)?;
        Ok(Room::from_topic(&topic))
    }
}

/// The fingerprint and size of a public key, or an `invalid-public-key` error.
#[wasm_bindgen(js_name = inspectPublicKey)]
pub fn inspect_public_key(spki: &[u8]) -> Result<Object, JsValue> {
    let identity = PublicIdentity::from_spki(spki).map_err(to_js)?;
    let result = Object::new();
    set(&result, "fingerprint", identity.fingerprint().to_hex());
    set(&result, "bits", identity.size().bits() as u32);
    Ok(result)
}

/// The unverified header of an envelope: who claims to have sent it, so the
/// caller can look up the key to open it with.
#[wasm_bindgen(js_name = peekEnvelope)]
pub fn peek_envelope(envelope: &[u8]) -> Result<Object, JsValue> {
    let parsed = envelope::Envelope::decode(envelope).map_err(to_js)?;
    Ok(header_object(parsed.header()))
}

/// A signalling room: its public announce id and the key of its blobs.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Room {
    key: SignalKey,
    announce_id: [u8; 32],
}

impl Room {
    fn from_topic(topic: &RoomTopic) -> Self {
        Room {
            key: topic.signal_key(),
            announce_id: topic.announce_id(),
        }
    }
}

#[wasm_bindgen]
impl Room {
    /// The room of a group, from the 16-byte id and 32-byte secret of its invite.
    pub fn group(group_id: &[u8], group_secret: &[u8]) -> Result<Room, JsValue> {
        let id = array(group_id, "group id must be 16 bytes").map_err(to_js)?;
        let secret = zeroize::Zeroizing::new(
            array::<32>(group_secret, "group secret must be 32 bytes").map_err(to_js)?,
        );
        Ok(Room::from_topic(&RoomTopic::group(&id, &secret)))
    }

    /// The public announce id as 64 hex digits (tracker info_hash = first 40).
    #[wasm_bindgen(getter, js_name = announceId)]
    pub fn announce_id(&self) -> String {
        hex_lower(&self.announce_id)
    }

    /// Seals a signalling message for this room.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Uint8Array, JsValue> {
        self.key.seal(plaintext).map(|b| bytes(&b)).map_err(to_js)
    }

    /// Opens a signalling blob of this room.
    pub fn open(&self, blob: &[u8]) -> Result<Uint8Array, JsValue> {
        self.key.open(blob).map(|b| bytes(&b)).map_err(to_js)
    }
}

/// SHA-256 of `bytes` as 64 lowercase hex digits (the bundle hash is that of MANIFEST).
#[wasm_bindgen(js_name = sha256Hex)]
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex_lower(&sha2::Sha256::digest(bytes))
}

fn peer_object(channel: &WebChannel) -> Object {
    let result = Object::new();
    set(
        &result,
        "fingerprint",
        channel.peer().fingerprint().to_hex(),
    );
    set(&result, "spki", bytes(channel.peer().spki()));
    set(&result, "instance", hex_lower(&channel.peer_instance()));
    set(&result, "sessionId", hex_lower(&channel.session_id()));
    result
}

/// One side of a peer handshake in progress.
#[wasm_bindgen]
#[derive(Debug)]
pub struct PeerHandshake {
    inner: Rc<RefCell<Option<WebHandshake>>>,
}

impl PeerHandshake {
    fn take(&self) -> Result<WebHandshake, JsValue> {
        self.inner.borrow_mut().take().ok_or_else(|| {
            to_js(Error::Malformed(
                "handshake step already in progress or finished",
            ))
        })
    }
}

#[wasm_bindgen]
impl PeerHandshake {
    /// Our hello message, to send first.
    #[wasm_bindgen(getter)]
    pub fn hello(&self) -> Result<Uint8Array, JsValue> {
        let inner = self.inner.borrow();
        let handshake = inner
            .as_ref()
            .ok_or_else(|| to_js(Error::Malformed("handshake already finished")))?;
        Ok(bytes(handshake.hello()))
    }

    /// Checks the peer's hello; `allowed` lists the fingerprints (hex) that may
    /// connect. Resolves to `{finish: Uint8Array, fingerprint}`; rejects with
    /// `unexpected-peer` or `channel-binding` when the peer must be dropped.
    #[wasm_bindgen(js_name = receiveHello)]
    pub fn receive_hello(&self, hello: Vec<u8>, allowed: Vec<String>) -> Promise {
        let taken = self.take();
        let slot = Rc::clone(&self.inner);
        future_to_promise(async move {
            let mut handshake = taken?;
            let allowed: Vec<Fingerprint> = allowed
                .iter()
                .map(|fp| Fingerprint::from_hex(fp))
                .collect::<Result<_, _>>()
                .map_err(to_js)?;
            let (peer, finish) = handshake
                .receive_hello(&hello, &allowed)
                .await
                .map_err(to_js)?;
            *slot.borrow_mut() = Some(handshake);
            let result = Object::new();
            set(&result, "finish", bytes(&finish));
            set(&result, "fingerprint", peer.identity.fingerprint().to_hex());
            Ok(result.into())
        })
    }

    /// Verifies the peer's finish. Resolves to a `SecureChannel`.
    #[wasm_bindgen(js_name = receiveFinish)]
    pub fn receive_finish(&self, finish: Vec<u8>) -> Promise {
        let taken = self.take();
        future_to_promise(async move {
            let mut handshake = taken?;
            let channel = handshake.receive_finish(&finish).await.map_err(to_js)?;
            let peer = peer_object(&channel);
            Ok(SecureChannel {
                inner: Rc::new(RefCell::new(channel)),
                peer,
            }
            .into())
        })
    }
}

/// An authenticated peer session: seals and opens its frames in order.
#[wasm_bindgen]
#[derive(Debug)]
pub struct SecureChannel {
    inner: Rc<RefCell<WebChannel>>,
    peer: Object,
}

#[wasm_bindgen]
impl SecureChannel {
    /// `{fingerprint, spki, instance, sessionId}` of the authenticated peer.
    #[wasm_bindgen(getter)]
    pub fn peer(&self) -> Object {
        self.peer.clone()
    }

    /// Seals the next frame. Call in sending order; the counter is taken at
    /// call time, so await results in the same order.
    pub fn seal(&self, plaintext: Uint8Array) -> Promise {
        let pending = self
            .inner
            .borrow_mut()
            .prepare_seal(plaintext.length() as usize);
        future_to_promise(async move {
            let sealed = pending
                .map_err(to_js)?
                .seal(&plaintext)
                .await
                .map_err(to_js)?;
            Ok(sealed.into())
        })
    }

    /// Opens the next frame, in arrival order. A rejected frame breaks the
    /// session for good (`frame-rejected`): reconnect.
    pub fn open(&self, frame: Uint8Array) -> Promise {
        let pending = self
            .inner
            .borrow_mut()
            .prepare_open(frame.length() as usize);
        let channel = Rc::clone(&self.inner);
        future_to_promise(async move {
            match pending.map_err(to_js)?.open(&frame).await {
                Ok(opened) => Ok(opened.into()),
                Err(error) => {
                    channel.borrow_mut().break_session();
                    Err(to_js(error))
                }
            }
        })
    }
}

/// A throw-away Nostr key that signs this page's signalling events.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NostrSigner {
    key: NostrKey,
}

#[wasm_bindgen]
impl NostrSigner {
    /// A fresh random key.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<NostrSigner, JsValue> {
        Ok(NostrSigner {
            key: NostrKey::generate().map_err(to_js)?,
        })
    }

    /// x-only public key, hex.
    #[wasm_bindgen(getter)]
    pub fn pubkey(&self) -> String {
        self.key.public_hex()
    }

    /// Signs a NIP-01 event; resolves to `{id, pubkey, sig}`. Tags and content
    /// must be printable ASCII without quotes or backslashes.
    pub fn sign(
        &self,
        created_at: f64,
        kind: u32,
        tags: Vec<js_sys::Array>,
        content: String,
    ) -> Result<Object, JsValue> {
        let tags: Vec<Vec<String>> = tags
            .iter()
            .map(|tag| {
                tag.iter()
                    .map(|item| item.as_string().unwrap_or_default())
                    .collect()
            })
            .collect();
        let created_at = whole_number(created_at, "created_at").map_err(to_js)?;
        let signed = self
            .key
            .sign_event(created_at, kind, &tags, &content)
            .map_err(to_js)?;
        let result = Object::new();
        set(&result, "id", signed.id);
        set(&result, "pubkey", signed.pubkey);
        set(&result, "sig", signed.sig);
        Ok(result)
    }
}

/// The id (hex) of a group's conversation, from its 16-byte group id.
#[wasm_bindgen(js_name = groupConversationId)]
pub fn group_conversation_id(group_id: &[u8]) -> Result<String, JsValue> {
    let id = array(group_id, "group id must be 16 bytes").map_err(to_js)?;
    Ok(hex_lower(&identity::group_conversation_id(&id)))
}

/// The id (hex) of a group created by `creator` (fingerprint hex) with a
/// 16-byte `nonce` (see `identity::group_id`).
#[wasm_bindgen(js_name = groupId)]
pub fn group_id(creator: &str, nonce: &[u8]) -> Result<String, JsValue> {
    let creator = Fingerprint::from_hex(creator).map_err(to_js)?;
    let nonce = array(nonce, "group nonce must be 16 bytes").map_err(to_js)?;
    Ok(hex_lower(&identity::group_id(&creator, &nonce)))
}

/// `n` random bytes (1 to 64): file keys, group ids and secrets.
#[wasm_bindgen(js_name = randomBytes)]
pub fn random_bytes(n: u32) -> Result<Uint8Array, JsValue> {
    if n == 0 || n > 64 {
        return Err(to_js(Error::Malformed("1 to 64 random bytes")));
    }
    let bytes = random::bytes::<64>().map_err(to_js)?;
    Ok(Uint8Array::from(&bytes[..n as usize]))
}

/// Arguments of one file-chunk operation.
struct ChunkSpec {
    key: zeroize::Zeroizing<[u8; 32]>,
    file_id: [u8; 16],
    index: u64,
    last: bool,
}

fn chunk_spec(key: &[u8], file_id: &[u8], index: f64, last: bool) -> Result<ChunkSpec, Error> {
    Ok(ChunkSpec {
        key: zeroize::Zeroizing::new(array(key, "file key must be 32 bytes")?),
        file_id: array(file_id, "file id must be 16 bytes")?,
        index: whole_number(index, "chunk index")?,
        last,
    })
}

/// Encrypts chunk `index` of a file (see `worker/src/files.rs`).
#[wasm_bindgen(js_name = sealFileChunk)]
pub fn seal_file_chunk(
    key: &[u8],
    file_id: &[u8],
    index: f64,
    last: bool,
    plaintext: Uint8Array,
) -> Promise {
    let spec = chunk_spec(key, file_id, index, last);
    future_to_promise(async move {
        let spec = spec.map_err(to_js)?;
        let sealed =
            super::chunks::seal_chunk(&spec.key, &spec.file_id, spec.index, spec.last, &plaintext)
                .await
                .map_err(to_js)?;
        Ok(sealed.into())
    })
}

/// Decrypts chunk `index` of a file; `decryption-failed` if it was altered,
/// moved, or its last flag is wrong.
#[wasm_bindgen(js_name = openFileChunk)]
pub fn open_file_chunk(
    key: &[u8],
    file_id: &[u8],
    index: f64,
    last: bool,
    ciphertext: Uint8Array,
) -> Promise {
    let spec = chunk_spec(key, file_id, index, last);
    future_to_promise(async move {
        let spec = spec.map_err(to_js)?;
        let opened =
            super::chunks::open_chunk(&spec.key, &spec.file_id, spec.index, spec.last, &ciphertext)
                .await
                .map_err(to_js)?;
        Ok(opened.into())
    })
}

/// SHA-256 of a buffer, as bytes (WebCrypto).
#[wasm_bindgen(js_name = digest)]
pub fn digest(data: Uint8Array) -> Promise {
    future_to_promise(async move {
        let subtle = Subtle::get().map_err(to_js)?;
        Ok(bytes(&subtle.sha256(&data).await.map_err(to_js)?).into())
    })
}

/// The root hash (hex) of a file from its concatenated 32-byte chunk digests.
#[wasm_bindgen(js_name = fileRoot)]
pub fn file_root(digests: &[u8]) -> Result<String, JsValue> {
    if !digests.len().is_multiple_of(32) {
        return Err(to_js(Error::Malformed("digests must be 32 bytes each")));
    }
    let list: Vec<[u8; 32]> = digests
        .chunks_exact(32)
        .map(|d| d.try_into().expect("chunks_exact(32)"))
        .collect();
    Ok(hex_lower(&files::root(&list)))
}
