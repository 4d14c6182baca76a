// Trustero crypto worker. Everything secret lives here: the page talks to it
// only through the messages below and never sees a private key.
//
// This is a classic (not module) worker, started by the page from a blob: URL
// holding this script's integrity-checked bytes; classic blob workers are the
// only kind Chromium also runs from file://, which the single-file build needs.
'use strict';

// ---- wasm-bindgen glue (generated; defines `wasm_bindgen`) ----

            let wasm_bindgen = (function(exports) {
            let script_src;
            if (typeof document !== 'undefined' && document.currentScript !== null) {
                script_src = new URL(document.currentScript.src, location.href).toString();
            }
            
/**
 * A throw-away Nostr key that signs this page's signalling events.
 */
class NostrSigner {
__destroy_into_raw() {
                const ptr = this.__wbg_ptr;
this.__wbg_ptr = 0;
NostrSignerFinalization.unregister(this);
return ptr;
            }
            free() {
                const ptr = this.__destroy_into_raw();
                wasm.__wbg_nostrsigner_free(ptr, 0);
            }
            /**
 * A fresh random key.
 */
constructor() {
const ret = wasm.nostrsigner_new();
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
this.__wbg_ptr = ret[0];
NostrSignerFinalization.register(this, this.__wbg_ptr, this);
return this;
}
/**
 * x-only public key, hex.
 * @returns {string}
 */
get pubkey() {
let deferred1_0;
let deferred1_1;
try {
const ret = wasm.nostrsigner_pubkey(this.__wbg_ptr);
deferred1_0 = ret[0];
deferred1_1 = ret[1];
return getStringFromWasm0(ret[0], ret[1]);
} finally {
wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
}
}
/**
 * Signs a NIP-01 event; resolves to `{id, pubkey, sig}`. Tags and content
 * must be printable ASCII without quotes or backslashes.
 * @param {number} created_at
 * @param {number} kind
 * @param {(Array<any>)[]} tags
 * @param {string} content
 * @returns {object}
 */
sign(created_at, kind, tags, content) {
const val3 = +created_at;
const val4 = +kind;
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArrayJsValueToWasm0(tags, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passStringToWasm0(content, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__externref_drop_slice(ptr0, len0); wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
throw e;
}
const ret = wasm.nostrsigner_sign(this.__wbg_ptr, val3, val4, ptr0, len0, ptr1, len1);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
}
if (Symbol.dispose) NostrSigner.prototype[Symbol.dispose] = NostrSigner.prototype.free;
exports.NostrSigner = NostrSigner;

/**
 * One side of a peer handshake in progress.
 */
class PeerHandshake {
static __wrap(ptr) {
                    const obj = Object.create(PeerHandshake.prototype);
                    obj.__wbg_ptr = ptr;
                    PeerHandshakeFinalization.register(obj, obj.__wbg_ptr, obj);
                    return obj;
                }
                __destroy_into_raw() {
                const ptr = this.__wbg_ptr;
this.__wbg_ptr = 0;
PeerHandshakeFinalization.unregister(this);
return ptr;
            }
            free() {
                const ptr = this.__destroy_into_raw();
                wasm.__wbg_peerhandshake_free(ptr, 0);
            }
            /**
 * Our hello message, to send first.
 * @returns {Uint8Array}
 */
get hello() {
const ret = wasm.peerhandshake_hello(this.__wbg_ptr);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
/**
 * Verifies the peer's finish. Resolves to a `SecureChannel`.
 * @param {Uint8Array | number[]} finish
 * @returns {Promise<any>}
 */
receiveFinish(finish) {
const ptr0 = passArray8ToWasm0(finish, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.peerhandshake_receiveFinish(this.__wbg_ptr, ptr0, len0);
return ret;
}
/**
 * Checks the peer's hello; `allowed` lists the fingerprints (hex) that may
 * connect. Resolves to `{finish: Uint8Array, fingerprint}`; rejects with
 * `unexpected-peer` or `channel-binding` when the peer must be dropped.
 * @param {Uint8Array | number[]} hello
 * @param {string[]} allowed
 * @returns {Promise<any>}
 */
receiveHello(hello, allowed) {
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(hello, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArrayJsValueToWasm0(allowed, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__externref_drop_slice(ptr1, len1); wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.peerhandshake_receiveHello(this.__wbg_ptr, ptr0, len0, ptr1, len1);
return ret;
}
}
if (Symbol.dispose) PeerHandshake.prototype[Symbol.dispose] = PeerHandshake.prototype.free;
exports.PeerHandshake = PeerHandshake;

/**
 * A signalling room: its public announce id and the key of its blobs.
 */
class Room {
static __wrap(ptr) {
                    const obj = Object.create(Room.prototype);
                    obj.__wbg_ptr = ptr;
                    RoomFinalization.register(obj, obj.__wbg_ptr, obj);
                    return obj;
                }
                __destroy_into_raw() {
                const ptr = this.__wbg_ptr;
this.__wbg_ptr = 0;
RoomFinalization.unregister(this);
return ptr;
            }
            free() {
                const ptr = this.__destroy_into_raw();
                wasm.__wbg_room_free(ptr, 0);
            }
            /**
 * The public announce id as 64 hex digits (tracker info_hash = first 40).
 * @returns {string}
 */
get announceId() {
let deferred1_0;
let deferred1_1;
try {
const ret = wasm.room_announceId(this.__wbg_ptr);
deferred1_0 = ret[0];
deferred1_1 = ret[1];
return getStringFromWasm0(ret[0], ret[1]);
} finally {
wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
}
}
/**
 * The room of a group, from the 16-byte id and 32-byte secret of its invite.
 * @param {Uint8Array | number[]} group_id
 * @param {Uint8Array | number[]} group_secret
 * @returns {Room}
 */
static group(group_id, group_secret) {
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(group_id, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(group_secret, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.room_group(ptr0, len0, ptr1, len1);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return Room.__wrap(ret[0]);
}
/**
 * Opens a signalling blob of this room.
 * @param {Uint8Array | number[]} blob
 * @returns {Uint8Array}
 */
open(blob) {
const ptr0 = passArray8ToWasm0(blob, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.room_open(this.__wbg_ptr, ptr0, len0);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
/**
 * Seals a signalling message for this room.
 * @param {Uint8Array | number[]} plaintext
 * @returns {Uint8Array}
 */
seal(plaintext) {
const ptr0 = passArray8ToWasm0(plaintext, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.room_seal(this.__wbg_ptr, ptr0, len0);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
}
if (Symbol.dispose) Room.prototype[Symbol.dispose] = Room.prototype.free;
exports.Room = Room;

/**
 * An authenticated peer session: seals and opens its frames in order.
 */
class SecureChannel {
static __wrap(ptr) {
                    const obj = Object.create(SecureChannel.prototype);
                    obj.__wbg_ptr = ptr;
                    SecureChannelFinalization.register(obj, obj.__wbg_ptr, obj);
                    return obj;
                }
                __destroy_into_raw() {
                const ptr = this.__wbg_ptr;
this.__wbg_ptr = 0;
SecureChannelFinalization.unregister(this);
return ptr;
            }
            free() {
                const ptr = this.__destroy_into_raw();
                wasm.__wbg_securechannel_free(ptr, 0);
            }
            /**
 * Opens the next frame, in arrival order. A rejected frame breaks the
 * session for good (`frame-rejected`): reconnect.
 * @param {Uint8Array} frame
 * @returns {Promise<any>}
 */
open(frame) {
const ret = wasm.securechannel_open(this.__wbg_ptr, frame);
return ret;
}
/**
 * `{fingerprint, spki, instance, sessionId}` of the authenticated peer.
 * @returns {object}
 */
get peer() {
const ret = wasm.securechannel_peer(this.__wbg_ptr);
return ret;
}
/**
 * Seals the next frame. Call in sending order; the counter is taken at
 * call time, so await results in the same order.
 * @param {Uint8Array} plaintext
 * @returns {Promise<any>}
 */
seal(plaintext) {
const ret = wasm.securechannel_seal(this.__wbg_ptr, plaintext);
return ret;
}
}
if (Symbol.dispose) SecureChannel.prototype[Symbol.dispose] = SecureChannel.prototype.free;
exports.SecureChannel = SecureChannel;

/**
 * A logged-in identity. Its private key exists only as non-extractable
 * WebCrypto keys inside this worker; `free()` (logout) drops them.
 */
class Session {
static __wrap(ptr) {
                    const obj = Object.create(Session.prototype);
                    obj.__wbg_ptr = ptr;
                    SessionFinalization.register(obj, obj.__wbg_ptr, obj);
                    return obj;
                }
                __destroy_into_raw() {
                const ptr = this.__wbg_ptr;
this.__wbg_ptr = 0;
SessionFinalization.unregister(this);
return ptr;
            }
            free() {
                const ptr = this.__destroy_into_raw();
                wasm.__wbg_session_free(ptr, 0);
            }
            /**
 * RSA modulus size in bits.
 * @returns {number}
 */
get bits() {
const ret = wasm.session_bits(this.__wbg_ptr);
return ret >>> 0;
}
/**
 * Derives the identity of `username` and `password` with a `bits`-bit RSA
 * key. Calls `onProgress(stage)` with "argon2", "keygen" and "import".
 * Resolves to a `Session`.
 * @param {string} username
 * @param {string} password
 * @param {number} bits
 * @param {Function} on_progress
 * @returns {Promise<any>}
 */
static derive(username, password, bits, on_progress) {
const val3 = +bits;
let ptr0, len0, ptr1, len1;
try {
ptr0 = passStringToWasm0(username, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passStringToWasm0(password, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_derive(ptr0, len0, ptr1, len1, val3, on_progress);
return ret;
}
/**
 * The signalling room of this identity's own devices (only they can
 * derive it: its topic comes from the profile key).
 * @returns {Room}
 */
devicesRoom() {
const ret = wasm.session_devicesRoom(this.__wbg_ptr);
return Room.__wrap(ret);
}
/**
 * SHA-256 of the SPKI as 64 lowercase hex digits.
 * @returns {string}
 */
get fingerprint() {
let deferred1_0;
let deferred1_1;
try {
const ret = wasm.session_fingerprint(this.__wbg_ptr);
deferred1_0 = ret[0];
deferred1_1 = ret[1];
return getStringFromWasm0(ret[0], ret[1]);
} finally {
wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
}
}
/**
 * A session from the keys another worker derived (see `keys`).
 * @param {Uint8Array | number[]} spki
 * @param {object} keys
 * @param {string} store_name
 * @returns {Session}
 */
static fromKeys(spki, keys, store_name) {
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(spki, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passStringToWasm0(store_name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_fromKeys(ptr0, len0, keys, ptr1, len1);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return Session.__wrap(ret[0]);
}
/**
 * `{oaep, pss, vault}`: the session's non-extractable `CryptoKey`s, to
 * hand to another worker with `postMessage` (see `fromKeys`).
 * @returns {object}
 */
get keys() {
const ret = wasm.session_keys(this.__wbg_ptr);
return ret;
}
/**
 * A NIP-42 authentication to `relay` answering `challenge`, by our mailbox key.
 * @param {string} relay
 * @param {string} challenge
 * @param {number} now
 * @returns {object}
 */
mailboxAuth(relay, challenge, now) {
const val3 = +now;
let ptr0, len0, ptr1, len1;
try {
ptr0 = passStringToWasm0(relay, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passStringToWasm0(challenge, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_mailboxAuth(this.__wbg_ptr, ptr0, len0, ptr1, len1, val3);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
/**
 * A NIP-09 deletion request for our wrap `wrapId`, made with its `nonce`.
 * @param {string} nonce
 * @param {string} wrap_id
 * @param {number} now
 * @returns {object}
 */
mailboxDeletion(nonce, wrap_id, now) {
const val3 = +now;
let ptr0, len0, ptr1, len1;
try {
ptr0 = passStringToWasm0(nonce, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passStringToWasm0(wrap_id, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_mailboxDeletion(this.__wbg_ptr, ptr0, len0, ptr1, len1, val3);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
/**
 * This identity's mailbox key (x-only, hex): what contacts address mail to.
 * @returns {string}
 */
get mailboxKey() {
let deferred1_0;
let deferred1_1;
try {
const ret = wasm.session_mailboxKey(this.__wbg_ptr);
deferred1_0 = ret[0];
deferred1_1 = ret[1];
return getStringFromWasm0(ret[0], ret[1]);
} finally {
wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
}
}
/**
 * Checks that `senderSpki` sealed `seal` for our mailbox; resolves to
 * `{type, payload}`.
 * @param {Uint8Array | number[]} seal
 * @param {Uint8Array | number[]} sender_spki
 * @returns {Promise<any>}
 */
mailboxOpenSeal(seal, sender_spki) {
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(seal, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(sender_spki, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_mailboxOpenSeal(this.__wbg_ptr, ptr0, len0, ptr1, len1);
return ret;
}
/**
 * The fingerprint a reassembled seal claims as its sender (unchecked).
 * @param {Uint8Array | number[]} seal
 * @returns {string}
 */
mailboxSealSender(seal) {
let deferred3_0;
let deferred3_1;
try {
const ptr0 = passArray8ToWasm0(seal, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.session_mailboxSealSender(this.__wbg_ptr, ptr0, len0);
var ptr2 = ret[0];
var len2 = ret[1];
if (ret[3]) {
ptr2 = 0; len2 = 0;
throw takeFromExternrefTable0(ret[2]);
}
deferred3_0 = ptr2;
deferred3_1 = len2;
return getStringFromWasm0(ptr2, len2);
} finally {
wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
}
}
/**
 * Opens a wrap a relay sent: `{bundle, index, count, data}` of the
 * fragment inside. Throws unless it is a well-formed wrap addressed to us.
 * @param {any} event
 * @returns {object}
 */
mailboxUnwrap(event) {
const ret = wasm.session_mailboxUnwrap(this.__wbg_ptr, event);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
/**
 * Seals `payload` of type `kind` for the mailbox key `recipient` (hex)
 * and wraps it in as many events as it takes, sent at `now` (Unix
 * seconds) to wait `retentionDays` on relays: 1, 7, 14 or 30
 * (`mailbox::RETENTION_DAYS`; anything else is refused with code
 * `unsupported-retention`). Each wrap's `created_at` is `now` moved back
 * at random by under two days, and its expiration that `created_at`
 * plus the retention plus two days. Resolves to `[{event, nonce}]`.
 * @param {string} recipient
 * @param {string} kind
 * @param {Uint8Array | number[]} payload
 * @param {number} now
 * @param {number} retention_days
 * @returns {Promise<any>}
 */
mailboxWrap(recipient, kind, payload, now, retention_days) {
const val4 = +now;
const val5 = +retention_days;
let ptr0, len0, ptr1, len1, ptr2, len2;
try {
ptr0 = passStringToWasm0(recipient, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passStringToWasm0(kind, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len1 = WASM_VECTOR_LEN;
ptr2 = passArray8ToWasm0(payload, wasm.__wbindgen_malloc);
len2 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_mailboxWrap(this.__wbg_ptr, ptr0, len0, ptr1, len1, ptr2, len2, val4, val5);
return ret;
}
/**
 * Opens an envelope from the holder of `senderSpki`. Resolves to the
 * header fields (see `peekEnvelope`) plus `content: Uint8Array` and
 * `receipt: Uint8Array` (store it beside the envelope for `openStored`).
 * @param {Uint8Array | number[]} envelope
 * @param {Uint8Array | number[]} sender_spki
 * @returns {Promise<any>}
 */
openEnvelope(envelope, sender_spki) {
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(envelope, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(sender_spki, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_openEnvelope(this.__wbg_ptr, ptr0, len0, ptr1, len1);
return ret;
}
/**
 * Opens a group envelope from the holder of `senderSpki` with the sender
 * key it names (`keyId`, `key`). Resolves like `openEnvelope`.
 * @param {Uint8Array | number[]} envelope
 * @param {Uint8Array | number[]} sender_spki
 * @param {Uint8Array | number[]} key_id
 * @param {Uint8Array | number[]} key
 * @returns {Promise<any>}
 */
openGroupEnvelope(envelope, sender_spki, key_id, key) {
let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3;
try {
ptr0 = passArray8ToWasm0(envelope, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(sender_spki, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
ptr2 = passArray8ToWasm0(key_id, wasm.__wbindgen_malloc);
len2 = WASM_VECTOR_LEN;
ptr3 = passArray8ToWasm0(key, wasm.__wbindgen_malloc);
len3 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_openGroupEnvelope(this.__wbg_ptr, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3);
return ret;
}
/**
 * Reopens a stored envelope with the receipt `openEnvelope` gave: no RSA,
 * so history loads fast. Resolves like `openEnvelope` (without receipt).
 * @param {Uint8Array | number[]} envelope
 * @param {Uint8Array | number[]} receipt
 * @returns {Promise<any>}
 */
openStored(envelope, receipt) {
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(envelope, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(receipt, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_openStored(this.__wbg_ptr, ptr0, len0, ptr1, len1);
return ret;
}
/**
 * The id (hex) of the conversation with the holder of `theirSpki`.
 * @param {Uint8Array | number[]} their_spki
 * @returns {string}
 */
pairConversationId(their_spki) {
let deferred3_0;
let deferred3_1;
try {
const ptr0 = passArray8ToWasm0(their_spki, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.session_pairConversationId(this.__wbg_ptr, ptr0, len0);
var ptr2 = ret[0];
var len2 = ret[1];
if (ret[3]) {
ptr2 = 0; len2 = 0;
throw takeFromExternrefTable0(ret[2]);
}
deferred3_0 = ptr2;
deferred3_1 = len2;
return getStringFromWasm0(ptr2, len2);
} finally {
wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
}
}
/**
 * The signalling room shared with the holder of `theirSpki`.
 * @param {Uint8Array | number[]} their_spki
 * @param {string} room_password
 * @returns {Room}
 */
pairRoom(their_spki, room_password) {
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(their_spki, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passStringToWasm0(room_password, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_pairRoom(this.__wbg_ptr, ptr0, len0, ptr1, len1);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return Room.__wrap(ret[0]);
}
/**
 * The profile's author key (x-only, hex): what our devices subscribe to.
 * @returns {string}
 */
get profileAuthor() {
let deferred1_0;
let deferred1_1;
try {
const ret = wasm.session_profileAuthor(this.__wbg_ptr);
deferred1_0 = ret[0];
deferred1_1 = ret[1];
return getStringFromWasm0(ret[0], ret[1]);
} finally {
wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
}
}
/**
 * Opens a profile event a relay sent: `{recordId, record, legacy}`, or
 * an error when it is not ours, altered or malformed. `legacy`: sealed
 * before the profile's keys were separated (content version 1), so
 * worth sealing again with `profileSeal`.
 * @param {any} event
 * @returns {object}
 */
profileOpen(event) {
const ret = wasm.session_profileOpen(this.__wbg_ptr, event);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
/**
 * The kind-30078 event carrying `record` (bytes) under `recordId`,
 * created at `now` (Unix seconds; a later one replaces it on relays).
 * @param {string} record_id
 * @param {Uint8Array | number[]} record
 * @param {number} now
 * @returns {object}
 */
profileSeal(record_id, record, now) {
const val3 = +now;
let ptr0, len0, ptr1, len1;
try {
ptr0 = passStringToWasm0(record_id, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(record, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_profileSeal(this.__wbg_ptr, ptr0, len0, ptr1, len1, val3);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
/**
 * The safety number shared with the holder of `theirSpki`.
 * @param {Uint8Array | number[]} their_spki
 * @returns {string}
 */
safetyNumber(their_spki) {
let deferred3_0;
let deferred3_1;
try {
const ptr0 = passArray8ToWasm0(their_spki, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.session_safetyNumber(this.__wbg_ptr, ptr0, len0);
var ptr2 = ret[0];
var len2 = ret[1];
if (ret[3]) {
ptr2 = 0; len2 = 0;
throw takeFromExternrefTable0(ret[2]);
}
deferred3_0 = ptr2;
deferred3_1 = len2;
return getStringFromWasm0(ptr2, len2);
} finally {
wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
}
}
/**
 * Seals `content` to `recipients` (array of SPKI `Uint8Array`s; the sender
 * is added). `messageId` (16 bytes) is random when omitted. Resolves to
 * `{envelope: Uint8Array, messageId: hex}`.
 * @param {Array<any>} recipients
 * @param {Uint8Array | number[]} conversation_id
 * @param {number} timestamp_ms
 * @param {number} lamport
 * @param {Uint8Array | number[]} content
 * @param {Uint8Array | number[] | null} [message_id]
 * @returns {Promise<any>}
 */
sealEnvelope(recipients, conversation_id, timestamp_ms, lamport, content, message_id) {
const val4 = +timestamp_ms;
const val5 = +lamport;
let ptr0, len0, ptr1, len1, ptr2, len2;
try {
ptr0 = passArray8ToWasm0(conversation_id, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(content, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
ptr2 = isLikeNone(message_id) ? 0 : passArray8ToWasm0(message_id, wasm.__wbindgen_malloc);
len2 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_sealEnvelope(this.__wbg_ptr, recipients, ptr0, len0, val4, val5, ptr1, len1, ptr2, len2);
return ret;
}
/**
 * Seals `content` to a group under our sender key (`keyId`, 16 bytes;
 * `key`, 32 bytes): one envelope for every member, no RSA wrap.
 * `messageId` is random when omitted. Resolves like `sealEnvelope`.
 * @param {Uint8Array | number[]} key_id
 * @param {Uint8Array | number[]} key
 * @param {Uint8Array | number[]} conversation_id
 * @param {number} timestamp_ms
 * @param {number} lamport
 * @param {Uint8Array | number[]} content
 * @param {Uint8Array | number[] | null} [message_id]
 * @returns {Promise<any>}
 */
sealGroupEnvelope(key_id, key, conversation_id, timestamp_ms, lamport, content, message_id) {
const val6 = +timestamp_ms;
const val7 = +lamport;
let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
try {
ptr0 = passArray8ToWasm0(key_id, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(key, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
ptr2 = passArray8ToWasm0(conversation_id, wasm.__wbindgen_malloc);
len2 = WASM_VECTOR_LEN;
ptr3 = passArray8ToWasm0(content, wasm.__wbindgen_malloc);
len3 = WASM_VECTOR_LEN;
ptr4 = isLikeNone(message_id) ? 0 : passArray8ToWasm0(message_id, wasm.__wbindgen_malloc);
len4 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 1, 1); }
if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_sealGroupEnvelope(this.__wbg_ptr, ptr0, len0, ptr1, len1, ptr2, len2, val6, val7, ptr3, len3, ptr4, len4);
return ret;
}
/**
 * Signs that this identity stored the messages `keys` (48-byte records:
 * sender fingerprint ‖ message id). Resolves to the signature.
 * @param {Uint8Array | number[]} keys
 * @returns {Promise<any>}
 */
signAcks(keys) {
const ptr0 = passArray8ToWasm0(keys, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.session_signAcks(this.__wbg_ptr, ptr0, len0);
return ret;
}
/**
 * SubjectPublicKeyInfo DER of the public key.
 * @returns {Uint8Array}
 */
get spki() {
const ret = wasm.session_spki(this.__wbg_ptr);
return ret;
}
/**
 * Starts the handshake of a new peer connection in `room`. `role` is
 * "offerer" or "answerer"; `instance` is this page's 16-byte instance id;
 * the DTLS fingerprints are the SHA-256 ones from the local and remote SDP.
 * @param {Room} room
 * @param {string} role
 * @param {Uint8Array | number[]} instance
 * @param {Uint8Array | number[]} dtls_local
 * @param {Uint8Array | number[]} dtls_remote
 * @returns {Promise<any>}
 */
startHandshake(room, role, instance, dtls_local, dtls_remote) {
_assertClass(room, Room);
let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3;
try {
ptr0 = passStringToWasm0(role, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(instance, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
ptr2 = passArray8ToWasm0(dtls_local, wasm.__wbindgen_malloc);
len2 = WASM_VECTOR_LEN;
ptr3 = passArray8ToWasm0(dtls_remote, wasm.__wbindgen_malloc);
len3 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_startHandshake(this.__wbg_ptr, room.__wbg_ptr, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3);
return ret;
}
/**
 * The name of this identity's local database (reveals nothing about the key).
 * @returns {string}
 */
get storeName() {
let deferred1_0;
let deferred1_1;
try {
const ret = wasm.session_storeName(this.__wbg_ptr);
deferred1_0 = ret[0];
deferred1_1 = ret[1];
return getStringFromWasm0(ret[0], ret[1]);
} finally {
wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
}
}
/**
 * Opens a record sealed for the same `context`.
 * @param {string} context
 * @param {Uint8Array} record
 * @returns {Promise<any>}
 */
vaultOpen(context, record) {
const ptr0 = passStringToWasm0(context, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.session_vaultOpen(this.__wbg_ptr, ptr0, len0, record);
return ret;
}
/**
 * Seals a record at rest for `context` (where it is stored). The bytes
 * stay in JavaScript: large records are not copied into WASM memory.
 * @param {string} context
 * @param {Uint8Array} plaintext
 * @returns {Promise<any>}
 */
vaultSeal(context, plaintext) {
const ptr0 = passStringToWasm0(context, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.session_vaultSeal(this.__wbg_ptr, ptr0, len0, plaintext);
return ret;
}
/**
 * Checks that the holder of `holderSpki` signed that it stored the
 * messages `keys`; resolves to nothing, rejects otherwise.
 * @param {Uint8Array | number[]} holder_spki
 * @param {Uint8Array | number[]} keys
 * @param {Uint8Array | number[]} signature
 * @returns {Promise<any>}
 */
verifyAcks(holder_spki, keys, signature) {
let ptr0, len0, ptr1, len1, ptr2, len2;
try {
ptr0 = passArray8ToWasm0(holder_spki, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(keys, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
ptr2 = passArray8ToWasm0(signature, wasm.__wbindgen_malloc);
len2 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_verifyAcks(this.__wbg_ptr, ptr0, len0, ptr1, len1, ptr2, len2);
return ret;
}
/**
 * Checks an envelope's signature by the holder of `senderSpki` without
 * opening it (a duplicate must be genuine before it is acknowledged).
 * Resolves to the authenticated header fields (see `peekEnvelope`).
 * @param {Uint8Array | number[]} envelope
 * @param {Uint8Array | number[]} sender_spki
 * @returns {Promise<any>}
 */
verifyEnvelope(envelope, sender_spki) {
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(envelope, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(sender_spki, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.session_verifyEnvelope(this.__wbg_ptr, ptr0, len0, ptr1, len1);
return ret;
}
}
if (Symbol.dispose) Session.prototype[Symbol.dispose] = Session.prototype.free;
exports.Session = Session;

/**
 * SHA-256 of a buffer, as bytes (WebCrypto).
 * @param {Uint8Array} data
 * @returns {Promise<any>}
 */
function digest(data) {
const ret = wasm.digest(data);
return ret;
}
exports.digest = digest;

/**
 * The root hash (hex) of a file from its concatenated 32-byte chunk digests.
 * @param {Uint8Array | number[]} digests
 * @returns {string}
 */
function fileRoot(digests) {
let deferred3_0;
let deferred3_1;
try {
const ptr0 = passArray8ToWasm0(digests, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.fileRoot(ptr0, len0);
var ptr2 = ret[0];
var len2 = ret[1];
if (ret[3]) {
ptr2 = 0; len2 = 0;
throw takeFromExternrefTable0(ret[2]);
}
deferred3_0 = ptr2;
deferred3_1 = len2;
return getStringFromWasm0(ptr2, len2);
} finally {
wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
}
}
exports.fileRoot = fileRoot;

/**
 * The id (hex) of a group's conversation, from its 16-byte group id.
 * @param {Uint8Array | number[]} group_id
 * @returns {string}
 */
function groupConversationId(group_id) {
let deferred3_0;
let deferred3_1;
try {
const ptr0 = passArray8ToWasm0(group_id, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.groupConversationId(ptr0, len0);
var ptr2 = ret[0];
var len2 = ret[1];
if (ret[3]) {
ptr2 = 0; len2 = 0;
throw takeFromExternrefTable0(ret[2]);
}
deferred3_0 = ptr2;
deferred3_1 = len2;
return getStringFromWasm0(ptr2, len2);
} finally {
wasm.__wbindgen_free(deferred3_0, deferred3_1, 1);
}
}
exports.groupConversationId = groupConversationId;

/**
 * The id (hex) of a group created by `creator` (fingerprint hex) with a
 * 16-byte `nonce` (see `conversation::group_id`).
 * @param {string} creator
 * @param {Uint8Array | number[]} nonce
 * @returns {string}
 */
function groupId(creator, nonce) {
let deferred4_0;
let deferred4_1;
try {
let ptr0, len0, ptr1, len1;
try {
ptr0 = passStringToWasm0(creator, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(nonce, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.groupId(ptr0, len0, ptr1, len1);
var ptr3 = ret[0];
var len3 = ret[1];
if (ret[3]) {
ptr3 = 0; len3 = 0;
throw takeFromExternrefTable0(ret[2]);
}
deferred4_0 = ptr3;
deferred4_1 = len3;
return getStringFromWasm0(ptr3, len3);
} finally {
wasm.__wbindgen_free(deferred4_0, deferred4_1, 1);
}
}
exports.groupId = groupId;

/**
 * The fingerprint and size of a public key, or an `invalid-public-key` error.
 * @param {Uint8Array | number[]} spki
 * @returns {object}
 */
function inspectPublicKey(spki) {
const ptr0 = passArray8ToWasm0(spki, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.inspectPublicKey(ptr0, len0);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
exports.inspectPublicKey = inspectPublicKey;

/**
 * Decrypts chunk `index` of a file; `decryption-failed` if it was altered,
 * moved, or its last flag is wrong.
 * @param {Uint8Array | number[]} key
 * @param {Uint8Array | number[]} file_id
 * @param {number} index
 * @param {boolean} last
 * @param {Uint8Array} ciphertext
 * @returns {Promise<any>}
 */
function openFileChunk(key, file_id, index, last, ciphertext) {
const val3 = +index;
const val4 = +last;
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(key, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(file_id, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.openFileChunk(ptr0, len0, ptr1, len1, val3, val4, ciphertext);
return ret;
}
exports.openFileChunk = openFileChunk;

/**
 * The unverified header of an envelope: who claims to have sent it, so the
 * caller can look up the key to open it with.
 * @param {Uint8Array | number[]} envelope
 * @returns {object}
 */
function peekEnvelope(envelope) {
const ptr0 = passArray8ToWasm0(envelope, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.peekEnvelope(ptr0, len0);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
exports.peekEnvelope = peekEnvelope;

/**
 * `n` random bytes (1 to 64): file keys, group ids and secrets.
 * @param {number} n
 * @returns {Uint8Array}
 */
function randomBytes(n) {
const ret = wasm.randomBytes(n);
if (ret[2]) {
throw takeFromExternrefTable0(ret[1]);
}
return takeFromExternrefTable0(ret[0]);
}
exports.randomBytes = randomBytes;

/**
 * Encrypts chunk `index` of a file (see `worker/src/files.rs`).
 * @param {Uint8Array | number[]} key
 * @param {Uint8Array | number[]} file_id
 * @param {number} index
 * @param {boolean} last
 * @param {Uint8Array} plaintext
 * @returns {Promise<any>}
 */
function sealFileChunk(key, file_id, index, last, plaintext) {
const val3 = +index;
const val4 = +last;
let ptr0, len0, ptr1, len1;
try {
ptr0 = passArray8ToWasm0(key, wasm.__wbindgen_malloc);
len0 = WASM_VECTOR_LEN;
ptr1 = passArray8ToWasm0(file_id, wasm.__wbindgen_malloc);
len1 = WASM_VECTOR_LEN;
} catch (e) {
if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
throw e;
}
const ret = wasm.sealFileChunk(ptr0, len0, ptr1, len1, val3, val4, plaintext);
return ret;
}
exports.sealFileChunk = sealFileChunk;

/**
 * SHA-256 of `bytes` as 64 lowercase hex digits (the bundle hash is that of MANIFEST).
 * @param {Uint8Array | number[]} bytes
 * @returns {string}
 */
function sha256Hex(bytes) {
let deferred2_0;
let deferred2_1;
try {
const ptr0 = passArray8ToWasm0(bytes, wasm.__wbindgen_malloc);
const len0 = WASM_VECTOR_LEN;
const ret = wasm.sha256Hex(ptr0, len0);
deferred2_0 = ret[0];
deferred2_1 = ret[1];
return getStringFromWasm0(ret[0], ret[1]);
} finally {
wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
}
}
exports.sha256Hex = sha256Hex;
function __wbg_get_imports() {
            const import0 = {
            __proto__: null,
        __wbg___wbindgen_boolean_get_4f1baf9a00be3c74: function(arg0) {
const v = arg0;
const ret = typeof(v) === 'boolean' ? v : undefined;
return isLikeNone(ret) ? 0xFFFFFF : ret ? 1 : 0;
},
__wbg___wbindgen_debug_string_f249a2a76caa9a55: function(arg0, arg1) {
const ret = debugString(arg1);
const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
const len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg___wbindgen_is_function_741ff2bb612836f5: function(arg0) {
const ret = typeof(arg0) === 'function';
return ret;
},
__wbg___wbindgen_is_undefined_be5b34249ff1fc15: function(arg0) {
const ret = arg0 === undefined;
return ret;
},
__wbg___wbindgen_number_get_934b640d0889af78: function(arg0, arg1) {
const obj = arg1;
const ret = typeof(obj) === 'number' ? obj : undefined;
getDataViewMemory0().setFloat64((arg0 >>> 0) + 8 * 1, isLikeNone(ret) ? 0 : ret, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, !isLikeNone(ret), true);
},
__wbg___wbindgen_string_get_7ce8eee7fd327545: function(arg0, arg1) {
const obj = arg1;
const ret = typeof(obj) === 'string' ? obj : undefined;
var ptr1 = isLikeNone(ret) ? 0 : passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
var len1 = WASM_VECTOR_LEN;
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 1, len1, true);
getDataViewMemory0().setInt32((arg0 >>> 0) + 4 * 0, ptr1, true);
},
__wbg___wbindgen_throw_4c88d8bf264fd984: function(arg0, arg1) {
throw new Error(getStringFromWasm0(arg0, arg1));
},
__wbg__wbg_cb_unref_09736879a3f67559: function(arg0) {
arg0._wbg_cb_unref();
},
__wbg_call_a410eb4b59ed5965: function() { return handleError(function (arg0, arg1, arg2) {
const ret = arg0.call(arg1, arg2);
return ret;
}, arguments); },
__wbg_decrypt_0292ba3613732636: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4) {
const ret = arg0.decrypt(arg1, arg2, getArrayU8FromWasm0(arg3, arg4));
return ret;
}, arguments); },
__wbg_decrypt_252bf265687cbe72: function() { return handleError(function (arg0, arg1, arg2, arg3) {
const ret = arg0.decrypt(arg1, arg2, arg3);
return ret;
}, arguments); },
__wbg_deriveBits_4c00b9e4633ad461: function() { return handleError(function (arg0, arg1, arg2, arg3) {
const ret = arg0.deriveBits(arg1, arg2, arg3 >>> 0);
return ret;
}, arguments); },
__wbg_digest_78e0e7803e156bbe: function() { return handleError(function (arg0, arg1, arg2, arg3) {
const ret = arg0.digest(getStringFromWasm0(arg1, arg2), arg3);
return ret;
}, arguments); },
__wbg_encrypt_a958ea2fb42e62f3: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4) {
const ret = arg0.encrypt(arg1, arg2, getArrayU8FromWasm0(arg3, arg4));
return ret;
}, arguments); },
__wbg_encrypt_edf0d37e4b6114f2: function() { return handleError(function (arg0, arg1, arg2, arg3) {
const ret = arg0.encrypt(arg1, arg2, arg3);
return ret;
}, arguments); },
__wbg_exportKey_46d08526c02b708d: function() { return handleError(function (arg0, arg1, arg2, arg3) {
const ret = arg0.exportKey(getStringFromWasm0(arg1, arg2), arg3);
return ret;
}, arguments); },
__wbg_generateKey_57dd0e4027c20a79: function() { return handleError(function (arg0, arg1, arg2, arg3) {
const ret = arg0.generateKey(arg1, arg2 !== 0, arg3);
return ret;
}, arguments); },
__wbg_getRandomValues_8b6f1f663e6f188d: function() { return handleError(function (arg0, arg1) {
globalThis.crypto.getRandomValues(getArrayU8FromWasm0(arg0, arg1));
}, arguments); },
__wbg_get_2080c49015e35254: function() { return handleError(function (arg0, arg1) {
const ret = Reflect.get(arg0, arg1);
return ret;
}, arguments); },
__wbg_get_unchecked_e6325ad374eff861: function(arg0, arg1) {
const ret = arg0[arg1 >>> 0];
return ret;
},
__wbg_importKey_dffa85a08f1b105a: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4, arg5, arg6) {
const ret = arg0.importKey(getStringFromWasm0(arg1, arg2), arg3, arg4, arg5 !== 0, arg6);
return ret;
}, arguments); },
__wbg_instanceof_CryptoKey_50c903e21f76ad93: function(arg0) {
let result;
try {
result = arg0 instanceof CryptoKey;
} catch (_) {
result = false;
}
const ret = result;
return ret;
},
__wbg_instanceof_Uint8Array_d7aeb0dcb3108fea: function(arg0) {
let result;
try {
result = arg0 instanceof Uint8Array;
} catch (_) {
result = false;
}
const ret = result;
return ret;
},
__wbg_isArray_bcf1376d0d732d08: function(arg0) {
const ret = Array.isArray(arg0);
return ret;
},
__wbg_length_186163212ffe79c3: function(arg0) {
const ret = arg0.length;
return ret;
},
__wbg_length_b03a0fabb109b1e9: function(arg0) {
const ret = arg0.length;
return ret;
},
__wbg_new_13de428334042d26: function(arg0) {
const ret = new Uint8Array(arg0);
return ret;
},
__wbg_new_37eb45aaf5eeb820: function() {
const ret = new Array();
return ret;
},
__wbg_new_787b9fb330d55d78: function(arg0, arg1) {
const ret = new Error(getStringFromWasm0(arg0, arg1));
return ret;
},
__wbg_new_cd4348290afae586: function() {
const ret = new Object();
return ret;
},
__wbg_new_from_slice_b8daf545a41c6aa0: function(arg0, arg1) {
const ret = new Uint8Array(getArrayU8FromWasm0(arg0, arg1));
return ret;
},
__wbg_new_typed_e09da9dae6ee5935: function(arg0, arg1) {
try {
var state0 = {a: arg0, b: arg1};
var cb0 = (arg0, arg1) => {
const a = state0.a;
state0.a = 0;
try {
return wasm_bindgen__convert__closures_____invoke__h1c63c6372677919a(a, state0.b, arg0, arg1);
} finally {
state0.a = a;
}
};
const ret = new Promise(cb0);
return ret;
} finally {
state0.a = 0;
}
},
__wbg_new_with_length_01b143a7e5dd5a3e: function(arg0) {
const ret = new Uint8Array(arg0 >>> 0);
return ret;
},
__wbg_normalize_2d352f86793b4b5f: function(arg0, arg1, arg2) {
const ret = arg0.normalize(getStringFromWasm0(arg1, arg2));
return ret;
},
__wbg_peerhandshake_new: function(arg0) {
const ret = PeerHandshake.__wrap(arg0);
return ret;
},
__wbg_prototypesetcall_13162965d1fe7aa3: function(arg0, arg1, arg2) {
Uint8Array.prototype.set.call(getArrayU8FromWasm0(arg0, arg1), arg2);
},
__wbg_push_c9f4893fc209f768: function(arg0, arg1) {
const ret = arg0.push(arg1);
return ret;
},
__wbg_queueMicrotask_1e8503a8a690f0a3: function(arg0) {
const ret = arg0.queueMicrotask;
return ret;
},
__wbg_queueMicrotask_4a1a4d8dd332373b: function(arg0) {
queueMicrotask(arg0);
},
__wbg_resolve_dbf78ab4942478b0: function(arg0) {
const ret = Promise.resolve(arg0);
return ret;
},
__wbg_securechannel_new: function(arg0) {
const ret = SecureChannel.__wrap(arg0);
return ret;
},
__wbg_session_new: function(arg0) {
const ret = Session.__wrap(arg0);
return ret;
},
__wbg_set_118fefd528ab0a79: function(arg0, arg1, arg2) {
arg0.set(arg1, arg2 >>> 0);
},
__wbg_set_2793479888329cb6: function() { return handleError(function (arg0, arg1, arg2) {
const ret = Reflect.set(arg0, arg1, arg2);
return ret;
}, arguments); },
__wbg_sign_904ee3c9e753b833: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4) {
const ret = arg0.sign(arg1, arg2, getArrayU8FromWasm0(arg3, arg4));
return ret;
}, arguments); },
__wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc: function() {
const ret = typeof globalThis === 'undefined' ? undefined : globalThis;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_static_accessor_GLOBAL_e4293fb22cbe77da: function() {
const ret = typeof global === 'undefined' ? undefined : global;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_static_accessor_SELF_53bb20457401453d: function() {
const ret = typeof self === 'undefined' ? undefined : self;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_static_accessor_WINDOW_b5e0810bfecb7feb: function() {
const ret = typeof window === 'undefined' ? undefined : window;
return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
},
__wbg_subarray_58f388a9247ac0bb: function(arg0, arg1, arg2) {
const ret = arg0.subarray(arg1 >>> 0, arg2 >>> 0);
return ret;
},
__wbg_then_656f253a5dd7d8ea: function(arg0, arg1, arg2) {
const ret = arg0.then(arg1, arg2);
return ret;
},
__wbg_then_e3f7f2d365708be8: function(arg0, arg1) {
const ret = arg0.then(arg1);
return ret;
},
__wbg_verify_36aaf8995f314c6c: function() { return handleError(function (arg0, arg1, arg2, arg3, arg4, arg5, arg6) {
const ret = arg0.verify(arg1, arg2, getArrayU8FromWasm0(arg3, arg4), getArrayU8FromWasm0(arg5, arg6));
return ret;
}, arguments); },
__wbindgen_generic_0000000000000001: function(arg0, arg1) {
// Cast intrinsic for `Closure(Closure { owned: true, function: Function { arguments: [Externref], shim_idx: 144, ret: Result(Unit), inner_ret: Some(Result(Unit)) }, mutable: true }) -> Externref`.
const ret = makeMutClosure(arg0, arg1, wasm_bindgen__convert__closures_____invoke__hb75119badfe1c789);
return ret;
},
__wbindgen_generic_0000000000000002: function(arg0) {
// Cast intrinsic for `F64 -> Externref`.
const ret = arg0;
return ret;
},
__wbindgen_generic_0000000000000003: function(arg0, arg1) {
// Cast intrinsic for `Ref(String) -> Externref`.
const ret = getStringFromWasm0(arg0, arg1);
return ret;
},
__wbindgen_init_externref_table: function() {
const table = wasm.__wbindgen_externrefs;
table.set(0, undefined);
table.set(1024, undefined);
table.set(1025, null);
table.set(1026, true);
table.set(1027, false);
},
};
        return {
            __proto__: null,
            "./worker_bg.js": import0,
        };
}

function wasm_bindgen__convert__closures_____invoke__hb75119badfe1c789(arg0, arg1, arg2) {
const ret = wasm.wasm_bindgen__convert__closures_____invoke__hb75119badfe1c789(arg0, arg1, arg2);
if (ret[1]) {
throw takeFromExternrefTable0(ret[0]);
}
}

function wasm_bindgen__convert__closures_____invoke__h1c63c6372677919a(arg0, arg1, arg2, arg3) {
wasm.wasm_bindgen__convert__closures_____invoke__h1c63c6372677919a(arg0, arg1, arg2, arg3);
}

const NostrSignerFinalization = (typeof FinalizationRegistry === 'undefined')
? { register: () => {}, unregister: () => {} }
: new FinalizationRegistry(ptr => wasm.__wbg_nostrsigner_free(ptr, 1));
const PeerHandshakeFinalization = (typeof FinalizationRegistry === 'undefined')
? { register: () => {}, unregister: () => {} }
: new FinalizationRegistry(ptr => wasm.__wbg_peerhandshake_free(ptr, 1));
const RoomFinalization = (typeof FinalizationRegistry === 'undefined')
? { register: () => {}, unregister: () => {} }
: new FinalizationRegistry(ptr => wasm.__wbg_room_free(ptr, 1));
const SecureChannelFinalization = (typeof FinalizationRegistry === 'undefined')
? { register: () => {}, unregister: () => {} }
: new FinalizationRegistry(ptr => wasm.__wbg_securechannel_free(ptr, 1));
const SessionFinalization = (typeof FinalizationRegistry === 'undefined')
? { register: () => {}, unregister: () => {} }
: new FinalizationRegistry(ptr => wasm.__wbg_session_free(ptr, 1));

function addToExternrefTable0(obj) {
                    const idx = wasm.__externref_table_alloc();
                    wasm.__wbindgen_externrefs.set(idx, obj);
                    return idx;
                }

function _assertClass(instance, klass) {
                if (!(instance instanceof klass)) {
                    throw new Error(`expected instance of ${klass.name}`);
                }
            }

const CLOSURE_DTORS = (typeof FinalizationRegistry === 'undefined')
                        ? { register: () => {}, unregister: () => {} }
                        : new FinalizationRegistry(state => wasm.__wbindgen_destroy_closure(state.a, state.b));

function debugString(val) {
                switch (typeof val) {
                    // primitive types
                    case 'number':
                    case 'boolean':
                    case 'undefined':
                        return `${val}`;
                    case 'string':
                        return JSON.stringify(val);
                    case 'bigint':
                        return `${val}n`;
                    case 'symbol':
                        return val.description !== undefined
                            ? `Symbol(${val.description})`
                            : 'Symbol';
                    case 'function':
                        return typeof val.name === 'string' && val.name !== ''
                            ? `Function(${val.name})`
                            : 'Function';
                    case 'object': {
                        if (val === null) {
                            return 'null';
                        }
                        // objects
                        if (Array.isArray(val)) {
                            return '[' + Array.from(val, debugString).join(', ') + ']';
                        }
                        // errors
                        if (val instanceof Error) {
                            return `${val.name}: ${val.message}\n${val.stack}`;
                        }

                        const toStringOutput = toString.call(val);
                        // Test for built-in
                        const className = /\[object ([^\]]+)\]/.exec(toStringOutput)?.[1];

                        // Failed to match the standard '[object ClassName]'
                        if (className === undefined) {
                            return toStringOutput;
                        }
                        if (className === 'Object') {
                            // we're a user defined class or Object
                            // JSON.stringify avoids problems with cycles, and is generally much
                            // easier than looping through ownProperties of `val`.
                            try {
                                return 'Object(' + JSON.stringify(val) + ')';
                            } catch (_) {
                                return 'Object';
                            }
                        }
                        // TODO we could test for more things here, like `Set`s and `Map`s.
                        return className;
                    }
                    // Per MDN: 'This list of values is exhaustive.'
                    // https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Operators/typeof#description
                }
            }

function getArrayU8FromWasm0(ptr, len) {
                    ptr = ptr >>> 0;
                    return getUint8ArrayMemory0().subarray(ptr / 1, ptr / 1 + len);
                }

let cachedDataViewMemory0 = null;
                function getDataViewMemory0() {
                    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
                        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
                    }
                    return cachedDataViewMemory0;
                }

function getStringFromWasm0(ptr, len) {
                    ptr = ptr >>> 0;
                    return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
                }

let cachedUint8ArrayMemory0 = null;
                function getUint8ArrayMemory0() {
                    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
                        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
                    }
                    return cachedUint8ArrayMemory0;
                }

function handleError(f, args) {
                            try {
                                return f.apply(this, args);
                            } catch (e) {
                                const idx = addToExternrefTable0(e);
                                wasm.__wbindgen_exn_store(idx);
                            }
                        }

function isLikeNone(x) {
                return x === undefined || x === null;
            }

function makeMutClosure(arg0, arg1, f) {
                    const state = { a: arg0, b: arg1, cnt: 1 };
                    const real = (...args) => {
                        
                        // First up with a closure we increment the internal reference
                        // count. This ensures that the Rust closure environment won't
                        // be deallocated while we're invoking it.
                        state.cnt++;
                        const a = state.a;
                        state.a = 0;
                        try {
                            return f(a, state.b, ...args);
                        } finally {
                            state.a = a;
                            real._wbg_cb_unref();
                        }
                    };
                    real._wbg_cb_unref = () => {
                        if (--state.cnt === 0) {
                            wasm.__wbindgen_destroy_closure(state.a, state.b);
                            state.a = 0;
                            CLOSURE_DTORS.unregister(state);
                        }
                    };
                    CLOSURE_DTORS.register(real, state, state);
                    return real;
                }

function passArray8ToWasm0(arg, malloc) {
                    const ptr = malloc(arg.length * 1, 1) >>> 0;
                    getUint8ArrayMemory0().set(arg, ptr / 1);
                    WASM_VECTOR_LEN = arg.length;
                    return ptr;
                }

function passArrayJsValueToWasm0(array, malloc) {
                            const ptr = malloc(array.length * 4, 4) >>> 0;
                            for (let i = 0; i < array.length; i++) {
                                const add = addToExternrefTable0(array[i]);
                                getDataViewMemory0().setUint32(ptr + 4 * i, add, true);
                            }
                            WASM_VECTOR_LEN = array.length;
                            return ptr;
                        }

function passStringToWasm0(arg, malloc, realloc) {
                    if (realloc === undefined) {
                    const buf = cachedTextEncoder.encode(arg);
                    const ptr = malloc(buf.length, 1) >>> 0;
                    getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
                    WASM_VECTOR_LEN = buf.length;
                    return ptr;
                }

                let len = arg.length;
                let ptr = malloc(len, 1) >>> 0;

                const mem = getUint8ArrayMemory0();

                let offset = 0;

                for (; offset < len; offset++) {
                    const code = arg.charCodeAt(offset);
                    if (code > 0x7F) break;
                    mem[ptr + offset] = code;
                }
            if (offset !== len) {
                        if (offset !== 0) {
                            arg = arg.slice(offset);
                        }
                        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
                        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
                        const ret = cachedTextEncoder.encodeInto(arg, view);
                        
                        offset += ret.written;
                        ptr = realloc(ptr, len, offset, 1) >>> 0;
                    }

                    WASM_VECTOR_LEN = offset;
                    return ptr;
                }

function takeFromExternrefTable0(idx) {
                    const value = wasm.__wbindgen_externrefs.get(idx);
                    wasm.__externref_table_dealloc(idx);
                    return value;
                }

let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
cachedTextDecoder.decode();
                        function decodeText(bytes) {
                            return cachedTextDecoder.decode(bytes);
                        }

const cachedTextEncoder = new TextEncoder();

                        if (!('encodeInto' in cachedTextEncoder)) {
                            cachedTextEncoder.encodeInto = function (arg, view) {
                const buf = cachedTextEncoder.encode(arg);
                view.set(buf);
                return {
                    read: arg.length,
                    written: buf.length
                };
            };
                        }

let WASM_VECTOR_LEN = 0;

let wasmModule, wasmInstance, wasm;
            function __wbg_finalize_init(instance, module) {
                wasmInstance = instance;
                wasm = instance.exports;
                wasmModule = module;
                cachedDataViewMemory0 = null;
cachedUint8ArrayMemory0 = null;
wasm.__wbindgen_start();
return wasm;
            }

            async function __wbg_load(module, imports) {
                if (typeof Response === 'function' && module instanceof Response) {
                    if (!module.ok) {
                        throw new Error(`failed to fetch Wasm: ${module.status} ${module.statusText} fetching '${module.url}'`);
                    }

                    if (typeof WebAssembly.instantiateStreaming === 'function') {
                        try {
                            return await WebAssembly.instantiateStreaming(module, imports);
                        } catch (e) {
                            const validResponse = expectedResponseType(module.type);

                            if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {
                                console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);

                            } else { throw e; }
                        }
                    }

                    const bytes = await module.arrayBuffer();
                    return await WebAssembly.instantiate(bytes, imports);
                } else {
                    const instance = await WebAssembly.instantiate(module, imports);

                    if (instance instanceof WebAssembly.Instance) {
                        return { instance, module };
                    } else {
                        return instance;
                    }
                }

                function expectedResponseType(type) {
                    switch (type) {
                        case 'basic': case 'cors': case 'default': return true;
                    }
                    return false;
                }
            }

            function initSync(module) {
                if (wasm !== undefined) return wasm;

                
                if (module !== undefined) {
                    if (Object.getPrototypeOf(module) === Object.prototype) {
                        ({module} = module)
                    } else {
                        console.warn('using deprecated parameters for `initSync()`; pass a single object instead')
                    }
                }

                const imports = __wbg_get_imports();
                if (!(module instanceof WebAssembly.Module)) {
                    module = new WebAssembly.Module(module);
                }
                const instance = new WebAssembly.Instance(module, imports);
                return __wbg_finalize_init(instance, module);
            }

            let __wbg_init_promise;
            async function __wbg_init(module_or_path) {
                if (wasm !== undefined) return wasm;
                if (__wbg_init_promise === undefined) {
                    __wbg_init_promise = __wbg_init_once(module_or_path);
                    __wbg_init_promise.catch(() => { __wbg_init_promise = undefined; });
                }
                return __wbg_init_promise;
            }

            async function __wbg_init_once(module_or_path) {
                
                if (module_or_path !== undefined) {
                    if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
                        ({module_or_path} = module_or_path)
                    } else {
                        console.warn('using deprecated parameters for the initialization function; pass a single object instead')
                    }
                }

                
                const imports = __wbg_get_imports();

                if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
                    module_or_path = fetch(module_or_path);
                }

                const { instance, module } = await __wbg_load(await module_or_path, imports);

                return __wbg_finalize_init(instance, module);
            }
            
                return Object.assign(__wbg_init, { initSync }, exports);
                })({ __proto__: null });
                
// ---- end of glue ----

const WASM_PATH = "worker.wasm";
const WASM_INTEGRITY = "sha384-fJEhY4x3NnStcVa79tUboFTnoSkj1jXs1+T058E5UQM1oIQ9D/2jzPZv6h/IgIXD";

const DERIVE_WORKER = 'trustero-derive';
let ready = null; // Promise of the instantiated module
let session = null; // the logged-in wasm_bindgen.Session, if any
const nostrSigners = new Map(); // signer name -> throw-away Nostr key of this page load
const MAX_NOSTR_SIGNERS = 1024;

// Rooms, handshakes and secure channels stay in here; the page holds ids.
const handles = new Map();
let nextHandle = 1;

function keep(object) {
  const id = nextHandle++;
  handles.set(id, object);
  return id;
}

function held(id, Type) {
  const object = handles.get(id);
  if (!(object instanceof Type)) throw fail('unknown-handle', `no ${Type.name} with id ${id}`);
  return object;
}

function release(id) {
  handles.get(id)?.free?.();
  handles.delete(id);
}

function releaseAll() {
  for (const id of [...handles.keys()]) release(id);
}

function fail(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

/**
 * Instantiates the WASM the page fetched (with `integrity`) or carried
 * inside standalone.htm, after checking it here too against the hash this
 * script pins: no bytes but the built ones ever run.
 */
async function instantiate(bytes) {
  if (!(bytes instanceof ArrayBuffer)) throw fail('wasm-load', `${WASM_PATH} did not reach the worker`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-384', bytes));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  if (`sha384-${btoa(binary)}` !== WASM_INTEGRITY) {
    throw fail(
      'altered',
      `${WASM_PATH} does not match its pinned hash: this copy of Trustero was altered or damaged. Check its folder with sha256sum -c MANIFEST, or take a fresh copy.`,
    );
  }
  await wasm_bindgen({ module_or_path: bytes });
}

function requireSession() {
  if (!session) throw fail('not-logged-in', 'no identity loaded: log in first');
  return session;
}

/** The WASM's bytes, kept for the derivation helper. */
let wasmBytes = null;

/**
 * Derives an identity in a short-lived nested worker: Argon2id needs 64 MiB,
 * and WASM memory never shrinks, so that memory goes away with the helper.
 * Only non-extractable CryptoKeys come back (structured clones).
 */
function deriveElsewhere({ username, password, bits }, progress) {
  return new Promise((resolve, reject) => {
    let helper;
    try {
      helper = new Worker(self.location.href, { name: DERIVE_WORKER });
    } catch {
      // No nested workers here: derive in this worker instead.
      resolve(wasm_bindgen.Session.derive(username, password, bits, progress));
      return;
    }
    helper.onmessage = ({ data }) => {
      if ('progress' in data) return progress(data.progress);
      helper.terminate();
      if (!data.ok) return reject(fail(data.error.code, data.error.message));
      resolve(wasm_bindgen.Session.fromKeys(data.spki, data.keys, data.storeName));
    };
    helper.onerror = (event) => {
      helper.terminate();
      reject(fail('derive-failed', event.message || 'the derivation helper stopped'));
    };
    helper.postMessage({ username, password, bits, wasm: wasmBytes });
  });
}

// Message handlers by namespaced type. Each returns the result (or a promise).
const handlers = {
  'identity.derive': async (args, progress) => {
    const next = await deriveElsewhere(args, progress);
    releaseAll();
    session?.free();
    session = next;
    return { spki: next.spki, fingerprint: next.fingerprint, bits: next.bits, storeName: next.storeName, mailboxKey: next.mailboxKey, profileAuthor: next.profileAuthor };
  },
  'identity.logout': () => {
    releaseAll();
    session?.free();
    session = null;
    return true;
  },
  'identity.safetyNumber': ({ spki }) => requireSession().safetyNumber(spki),
  'key.inspect': ({ spki }) => wasm_bindgen.inspectPublicKey(spki),
  'envelope.seal': ({ recipients, conversationId, timestampMs, lamport, content, messageId }) =>
    requireSession().sealEnvelope(recipients, conversationId, timestampMs, lamport, content, messageId),
  'envelope.open': ({ envelope, senderSpki }) => requireSession().openEnvelope(envelope, senderSpki),
  'envelope.sealGroup': ({ keyId, key, conversationId, timestampMs, lamport, content, messageId }) =>
    requireSession().sealGroupEnvelope(keyId, key, conversationId, timestampMs, lamport, content, messageId),
  // Sending in one trip (chat/outbox.js): the envelope, the receipt of our
  // own copy (it reopens the message from the history) and its sealed meta.
  'envelope.sealOwn': async ({ recipients, keyId, key, conversationId, timestampMs, lamport, content, messageId, metaPrefix, meta }) => {
    const own = requireSession();
    const sealed = keyId
      ? await own.sealGroupEnvelope(keyId, key, conversationId, timestampMs, lamport, content, messageId)
      : await own.sealEnvelope(recipients, conversationId, timestampMs, lamport, content, messageId);
    const opened = keyId
      ? await own.openGroupEnvelope(sealed.envelope, own.spki, keyId, key)
      : await own.openEnvelope(sealed.envelope, own.spki);
    const sealedMeta = await own.vaultSeal(`${metaPrefix}${sealed.messageId}`, meta);
    return { envelope: sealed.envelope, messageId: sealed.messageId, receipt: opened.receipt, meta: sealedMeta };
  },
  // Receiving in one trip (chat/inbox.js): the opened envelope and its sealed meta.
  'envelope.openWithMeta': async ({ envelope, senderSpki, keyId, key, metaContext, meta }) => {
    const own = requireSession();
    const opened = keyId ? await own.openGroupEnvelope(envelope, senderSpki, keyId, key) : await own.openEnvelope(envelope, senderSpki);
    return { ...opened, meta: await own.vaultSeal(metaContext, meta) };
  },
  'envelope.openStored': ({ envelope, receipt }) => requireSession().openStored(envelope, receipt),
  'envelope.verify': ({ envelope, senderSpki }) => requireSession().verifyEnvelope(envelope, senderSpki),
  'envelope.peek': ({ envelope }) => wasm_bindgen.peekEnvelope(envelope),
  'ack.sign': ({ keys }) => requireSession().signAcks(keys),
  'ack.verify': ({ holderSpki, keys, signature }) => requireSession().verifyAcks(holderSpki, keys, signature),
  'vault.seal': ({ context, plaintext }) => requireSession().vaultSeal(context, plaintext),
  'vault.open': ({ context, record }) => requireSession().vaultOpen(context, record),
  'hash.sha256': ({ bytes }) => wasm_bindgen.sha256Hex(bytes),

  'room.pair': ({ spki, password }) => roomResult(requireSession().pairRoom(spki, password ?? '')),
  'room.group': ({ groupId, secret }) => roomResult(wasm_bindgen.Room.group(groupId, secret)),
  'room.devices': () => roomResult(requireSession().devicesRoom()),
  'room.seal': ({ roomId, plaintext }) => held(roomId, wasm_bindgen.Room).seal(plaintext),
  'room.open': ({ roomId, blob }) => held(roomId, wasm_bindgen.Room).open(blob),
  'handle.release': ({ id }) => release(id),

  'handshake.start': async ({ roomId, role, instance, dtlsLocal, dtlsRemote }) => {
    const room = held(roomId, wasm_bindgen.Room);
    const handshake = await requireSession().startHandshake(room, role, instance, dtlsLocal, dtlsRemote);
    return { handshakeId: keep(handshake), hello: handshake.hello };
  },
  'handshake.hello': ({ handshakeId, hello, allowed }) =>
    held(handshakeId, wasm_bindgen.PeerHandshake).receiveHello(hello, allowed),
  'handshake.finish': async ({ handshakeId, finish }) => {
    const channel = await held(handshakeId, wasm_bindgen.PeerHandshake).receiveFinish(finish);
    release(handshakeId);
    return { channelId: keep(channel), peer: channel.peer };
  },
  'channel.seal': ({ channelId, plaintext }) => held(channelId, wasm_bindgen.SecureChannel).seal(plaintext),
  'channel.open': ({ channelId, frame }) => held(channelId, wasm_bindgen.SecureChannel).open(frame),

  'conversation.pair': ({ spki }) => requireSession().pairConversationId(spki),
  'conversation.group': ({ groupId }) => wasm_bindgen.groupConversationId(groupId),
  'group.id': ({ creator, nonce }) => wasm_bindgen.groupId(creator, nonce),
  'random.bytes': ({ length }) => wasm_bindgen.randomBytes(length),
  // Sending: the chunk's digest (for the root hash) and its sealed form, in one call.
  'file.sealChunkDigest': async ({ key, fileId, index, last, plaintext }) => {
    const digest = await wasm_bindgen.digest(plaintext);
    return { digest, sealed: await wasm_bindgen.sealFileChunk(key, fileId, index, last, plaintext) };
  },
  'file.openChunk': ({ key, fileId, index, last, ciphertext }) =>
    wasm_bindgen.openFileChunk(key, fileId, index, last, ciphertext),
  // A received chunk only needs authenticating and hashing: its plaintext
  // never leaves the worker (the page keeps the sealed chunk).
  'file.chunkDigest': async ({ key, fileId, index, last, ciphertext }) =>
    wasm_bindgen.digest(await wasm_bindgen.openFileChunk(key, fileId, index, last, ciphertext)),
  'file.root': ({ digests }) => wasm_bindgen.fileRoot(digests),
  'hash.digest': ({ bytes }) => wasm_bindgen.digest(bytes),

  'mailbox.wrap': ({ recipient, type, payload, now, retentionDays }) =>
    requireSession().mailboxWrap(recipient, type, payload, now, retentionDays),
  'mailbox.unwrap': ({ event }) => requireSession().mailboxUnwrap(event),
  'mailbox.sealSender': ({ seal }) => requireSession().mailboxSealSender(seal),
  'mailbox.openSeal': ({ seal, senderSpki }) => requireSession().mailboxOpenSeal(seal, senderSpki),
  'mailbox.deletion': ({ nonce, wrapId, now }) => requireSession().mailboxDeletion(nonce, wrapId, now),
  'mailbox.auth': ({ relay, challenge, now }) => requireSession().mailboxAuth(relay, challenge, now),
  'profile.seal': ({ recordId, record, now }) => requireSession().profileSeal(recordId, record, now),
  'profile.open': ({ event }) => requireSession().profileOpen(event),

  // A throw-away key per signer name (each room signs with its own, so a
  // relay cannot link a page's rooms by key); 'once' makes a key for this
  // one event (a courier connection's NIP-42 answer).
  'nostr.sign': ({ createdAt, kind, tags, content, signer = 'page' }) => {
    if (signer === 'once') {
      const key = new wasm_bindgen.NostrSigner();
      try {
        return key.sign(createdAt, kind, tags, content);
      } finally {
        key.free();
      }
    }
    let key = nostrSigners.get(signer);
    if (key) nostrSigners.delete(signer);
    else key = new wasm_bindgen.NostrSigner();
    nostrSigners.set(signer, key); // most recently used last
    while (nostrSigners.size > MAX_NOSTR_SIGNERS) {
      const [oldest, old] = nostrSigners.entries().next().value;
      nostrSigners.delete(oldest);
      old.free();
    }
    return key.sign(createdAt, kind, tags, content);
  },
  'nostr.forget': ({ signer }) => {
    nostrSigners.get(signer)?.free();
    nostrSigners.delete(signer);
  },
};

function roomResult(room) {
  return { roomId: keep(room), announceId: room.announceId };
}

/** Buffers of a result that can move to the page instead of being copied:
 *  every Uint8Array the worker made owns its whole buffer. */
function transferables(result) {
  const values = result instanceof Uint8Array ? [result] : Object.values(result ?? {});
  return values
    .filter((v) => v instanceof Uint8Array && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength)
    .map((v) => v.buffer);
}

async function deriveHere({ username, password, bits, wasm }) {
  try {
    await instantiate(wasm);
    const derived = await wasm_bindgen.Session.derive(username, password, bits, (stage) => self.postMessage({ progress: stage }));
    self.postMessage({ ok: true, spki: derived.spki, keys: derived.keys, storeName: derived.storeName });
  } catch (error) {
    self.postMessage({ ok: false, error: { code: error?.code ?? 'internal', message: String(error?.message ?? error) } });
  }
}

self.onmessage = async (event) => {
  if (self.name === DERIVE_WORKER) {
    deriveHere(event.data);
    return;
  }
  const { id, type, args } = event.data ?? {};
  if (type === 'worker.init') {
    wasmBytes = args.wasm ?? null;
    ready = instantiate(wasmBytes);
    ready.then(
      () => self.postMessage({ id, ok: true, result: true }),
      (error) => self.postMessage({ id, ok: false, error: { code: error.code ?? 'wasm-load', message: String(error.message ?? error) } }),
    );
    return;
  }
  const progress = (stage) => self.postMessage({ id, progress: stage });
  try {
    if (!ready) throw fail('not-ready', 'worker.init must come first');
    await ready;
    const handler = handlers[type];
    if (!handler) throw fail('unknown-request', `unknown request type ${type}`);
    const result = await handler(args ?? {}, progress);
    self.postMessage({ id, ok: true, result }, transferables(result));
  } catch (error) {
    self.postMessage({
      id,
      ok: false,
      error: { code: error?.code ?? 'internal', message: String(error?.message ?? error), fingerprint: error?.fingerprint },
    });
  }
};