//! `Session`: a logged-in identity, its envelopes, vault and handshakes.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{array, bytes, header_object, public_identities, set, whole_number};
use super::peer::PeerHandshake;
use super::room::Room;
use crate::envelope::{EnvelopeMeta, Opened, SenderKey};
use crate::handshake::{Connection, Role};
use crate::identity::{self, Identity, IdentitySeed};
use crate::profile::Profile;
use crate::public_identity::{self, KeySize, PublicIdentity};
use crate::signal::RoomTopic;
use crate::web::{SessionKeys, WebHandshake, WebSession};
use crate::{Error, random};
use crate::{conversation, hex_lower};

/// What the caller decides about a new envelope, checked; the message id is
/// random when not given.
fn envelope_meta(
    conversation_id: &[u8],
    timestamp_ms: f64,
    lamport: f64,
    message_id: Option<Vec<u8>>,
) -> Result<EnvelopeMeta, Error> {
    Ok(EnvelopeMeta {
        message_id: match message_id {
            Some(id) => array(&id, "message id must be 16 bytes")?,
            None => random::bytes::<16>()?,
        },
        conversation_id: array(conversation_id, "conversation id must be 32 bytes")?,
        timestamp_ms: whole_number(timestamp_ms, "timestamp")?,
        lamport: whole_number(lamport, "lamport counter")?,
    })
}

/// `{envelope, messageId}` of a sealed envelope.
fn sealed_object(sealed: &[u8], meta: &EnvelopeMeta) -> Object {
    let result = Object::new();
    set(&result, "envelope", bytes(sealed));
    set(&result, "messageId", hex_lower(&meta.message_id));
    result
}

/// The header fields of an opened envelope plus `content` and, when made, `receipt`.
fn opened_object(opened: &Opened, receipt: Option<&[u8]>) -> Object {
    let result = header_object(&opened.header);
    set(&result, "content", bytes(&opened.content));
    if let Some(receipt) = receipt {
        set(&result, "receipt", bytes(receipt));
    }
    result
}

/// A group sender key from its id and secret bytes.
fn sender_key(key_id: &[u8], key: &[u8]) -> Result<SenderKey, Error> {
    Ok(SenderKey::from_parts(
        array(key_id, "sender key id must be 16 bytes")?,
        *zeroize::Zeroizing::new(array::<32>(key, "sender key must be 32 bytes")?),
    ))
}

/// A logged-in identity. Its private key exists only as non-extractable
/// WebCrypto keys inside this worker; `free()` (logout) drops them.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Session {
    pub(super) inner: Rc<WebSession>,
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
            let identity = result?;
            let identity_store_name = identity.store_name();
            let session = WebSession::from_identity(identity).await?;
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
        // Crosses only from the derivation worker to the crypto worker.
        set(
            &result,
            "mailbox",
            bytes(self.inner.mailbox().secret_bytes().as_ref()),
        );
        let (author, key) = self.inner.profile().secrets();
        set(&result, "profileAuthor", bytes(author.as_ref()));
        set(&result, "profileKey", bytes(key.as_ref()));
        result
    }

    /// A session from the keys another worker derived (see `keys`).
    #[wasm_bindgen(js_name = fromKeys)]
    pub fn from_keys(spki: &[u8], keys: &Object, store_name: String) -> Result<Session, JsValue> {
        let public = PublicIdentity::from_spki(spki)?;
        let get = |name: &str| -> Result<web_sys::CryptoKey, JsValue> {
            Reflect::get(keys, &name.into())?
                .dyn_into::<web_sys::CryptoKey>()
                .map_err(|_| JsValue::from(Error::Malformed("keys must be CryptoKeys")))
        };
        let secret = |name: &str, what: &'static str| -> Result<[u8; 32], JsValue> {
            Ok(array::<32>(
                &zeroize::Zeroizing::new(
                    Reflect::get(keys, &name.into())?
                        .dyn_into::<Uint8Array>()
                        .map_err(|_| JsValue::from(Error::Malformed(what)))?
                        .to_vec(),
                ),
                what,
            )?)
        };
        let mailbox = zeroize::Zeroizing::new(secret("mailbox", "mailbox secret")?);
        let author = zeroize::Zeroizing::new(secret("profileAuthor", "profile author secret")?);
        let key = zeroize::Zeroizing::new(secret("profileKey", "profile key")?);
        let session = WebSession::from_keys(
            public,
            SessionKeys {
                oaep: get("oaep")?,
                pss: get("pss")?,
                vault: get("vault")?,
            },
            &mailbox,
            Profile::from_secrets(&author, &key)?,
        )?;
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
        let theirs = PublicIdentity::from_spki(their_spki)?;
        Ok(public_identity::safety_number(
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
        let prepared = envelope_meta(conversation_id, timestamp_ms, lamport, message_id)
            .and_then(|meta| Ok((meta, public_identities(&recipients)?)));
        future_to_promise(async move {
            let (meta, recipients) = prepared?;
            let sealed = inner.seal_envelope(&recipients, &meta, &content).await?;
            Ok(sealed_object(&sealed, &meta).into())
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
            let sender = sender?;
            let (opened, receipt) = inner.open_envelope(&envelope, &sender).await?;
            Ok(opened_object(&opened, Some(&receipt)).into())
        })
    }

    /// Seals `content` to a group under our sender key (`keyId`, 16 bytes;
    /// `key`, 32 bytes): one envelope for every member, no RSA wrap.
    /// `messageId` is random when omitted. Resolves like `sealEnvelope`.
    #[wasm_bindgen(js_name = sealGroupEnvelope)]
    #[allow(clippy::too_many_arguments)]
    pub fn seal_group_envelope(
        &self,
        key_id: &[u8],
        key: &[u8],
        conversation_id: &[u8],
        timestamp_ms: f64,
        lamport: f64,
        content: Vec<u8>,
        message_id: Option<Vec<u8>>,
    ) -> Promise {
        let inner = Rc::clone(&self.inner);
        let prepared = envelope_meta(conversation_id, timestamp_ms, lamport, message_id)
            .and_then(|meta| Ok((meta, sender_key(key_id, key)?)));
        future_to_promise(async move {
            let (meta, key) = prepared?;
            let sealed = inner.seal_group_envelope(&key, &meta, &content).await?;
            Ok(sealed_object(&sealed, &meta).into())
        })
    }

    /// Opens a group envelope from the holder of `senderSpki` with the sender
    /// key it names (`keyId`, `key`). Resolves like `openEnvelope`.
    #[wasm_bindgen(js_name = openGroupEnvelope)]
    pub fn open_group_envelope(
        &self,
        envelope: Vec<u8>,
        sender_spki: &[u8],
        key_id: &[u8],
        key: &[u8],
    ) -> Promise {
        let inner = Rc::clone(&self.inner);
        let prepared = PublicIdentity::from_spki(sender_spki)
            .and_then(|sender| Ok((sender, sender_key(key_id, key)?)));
        future_to_promise(async move {
            let (sender, key) = prepared?;
            let (opened, receipt) = inner.open_group_envelope(&envelope, &sender, &key).await?;
            Ok(opened_object(&opened, Some(&receipt)).into())
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
            let sender = sender?;
            let header = inner.verify_envelope(&envelope, &sender).await?;
            Ok(header_object(&header).into())
        })
    }

    /// Reopens a stored envelope with the receipt `openEnvelope` gave: no RSA,
    /// so history loads fast. Resolves like `openEnvelope` (without receipt).
    #[wasm_bindgen(js_name = openStored)]
    pub fn open_stored(&self, envelope: Vec<u8>, receipt: Vec<u8>) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let opened = inner.open_stored(&envelope, &receipt).await?;
            Ok(opened_object(&opened, None).into())
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
                .await?;
            Ok(sealed.into())
        })
    }

    /// Opens a record sealed for the same `context`.
    #[wasm_bindgen(js_name = vaultOpen)]
    pub fn vault_open(&self, context: String, record: Uint8Array) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let opened = inner.vault_open_buffer(context.as_bytes(), &record).await?;
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
            let handshake = WebHandshake::start(inner, connection?).await?;
            Ok(PeerHandshake::new(handshake).into())
        })
    }

    /// The id (hex) of the conversation with the holder of `theirSpki`.
    #[wasm_bindgen(js_name = pairConversationId)]
    pub fn pair_conversation_id(&self, their_spki: &[u8]) -> Result<String, JsValue> {
        let theirs = PublicIdentity::from_spki(their_spki)?;
        Ok(hex_lower(&conversation::pair_conversation_id(
            &self.inner.public().fingerprint(),
            &theirs.fingerprint(),
        )))
    }

    /// The signalling room shared with the holder of `theirSpki`.
    #[wasm_bindgen(js_name = pairRoom)]
    pub fn pair_room(&self, their_spki: &[u8], room_password: &str) -> Result<Room, JsValue> {
        let theirs = PublicIdentity::from_spki(their_spki)?;
        let topic = RoomTopic::pair(
            &self.inner.public().fingerprint(),
            &theirs.fingerprint(),
            room_password,
        )?;
        Ok(Room::from_topic(&topic))
    }

    /// The signalling room of this identity's own devices (only they can
    /// derive it: its topic comes from the profile key).
    #[wasm_bindgen(js_name = devicesRoom)]
    pub fn devices_room(&self) -> Room {
        Room::from_topic(&self.inner.profile().devices_room())
    }
}
