//! The JavaScript API of the worker: the only module with `#[wasm_bindgen]`.
//!
//! Errors cross as `Error` objects with a stable `code` property (see
//! [`crate::Error::code`]); JavaScript branches on the code, never the text.
//! Byte strings cross as `Uint8Array`, ids and fingerprints as lowercase hex.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::session::WebSession;
use crate::envelope::{self, EnvelopeMeta, Header};
use crate::identity::{self, Identity, IdentitySeed, KeySize, PublicIdentity, hex_lower};
use crate::signal::{RoomTopic, SignalKey};
use crate::{Error, random};

fn to_js(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    Reflect::set(&js, &"code".into(), &error.code().into())
        .expect("setting a property on a fresh Error cannot fail");
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
            let session = WebSession::from_identity(result.map_err(to_js)?)
                .await
                .map_err(to_js)?;
            Ok(Session {
                inner: Rc::new(session),
            }
            .into())
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

    /// The signalling room shared with the holder of `theirSpki`.
    #[wasm_bindgen(js_name = pairRoom)]
    pub fn pair_room(&self, their_spki: &[u8], room_password: &str) -> Result<Room, JsValue> {
        let theirs = PublicIdentity::from_spki(their_spki).map_err(to_js)?;
        Ok(Room::from_topic(&RoomTopic::pair(
            &self.inner.public().fingerprint(),
            &theirs.fingerprint(),
            room_password,
        )))
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
