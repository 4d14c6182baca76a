//! Domain-separation labels, all in one place.
//!
//! Every hash, KDF, signature and AEAD in Trustero is bound to one of these
//! byte strings so that a value made for one purpose can never be replayed as
//! another. Changing any of them changes the protocol: bump the `/vN` suffix.

/// Identity salt prefix: `salt = SHA-256(IDENTITY_SALT ‖ 0x00 ‖ UTF-8(user))`.
pub const IDENTITY_SALT: &[u8] = b"trustero/identity/v1";
/// HKDF info prefix for the RSA key-generation seed, followed by `u16be(bits)`.
pub const RSA_KEYGEN: &[u8] = b"trustero/rsa-keygen/v1";
/// HKDF info for the vault key (records at rest).
pub const VAULT_KEY: &[u8] = b"trustero/vault/v1";
/// HKDF info prefix for the mailbox key (a secp256k1 key only contacts
/// learn), followed by one attempt byte.
pub const MAILBOX_KEY: &[u8] = b"trustero/mailbox/v1";
/// HKDF info prefix for the profile's author key (a secp256k1 key that signs
/// the roaming profile's records on relays), followed by one attempt byte.
pub const PROFILE_AUTHOR: &[u8] = b"trustero/profile-author/v1";
/// HKDF info of the profile key (from the vault key): the key every key of
/// the roaming profile is derived from (records sealed before version 2
/// used it directly as their AES-GCM key; profile.rs opens those still).
pub const PROFILE_KEY: &[u8] = b"trustero/profile-key/v1";
/// HKDF info prefix of a profile record's `d` tag, followed by its record id.
pub const PROFILE_RECORD: &[u8] = b"trustero/profile-record/v1";
/// HKDF info of the AES-256-GCM key that seals profile records, expanded
/// from the profile key (which is only ever a key-derivation key: it gives
/// this key, the `d` tags and the devices room). Not prefixed by
/// [`PROFILE_RECORD`], so no record id can make a `d` tag equal to it.
pub const PROFILE_SEAL: &[u8] = b"trustero/profile-seal/v1";
/// Prefix of the message a mailbox seal's sender signs (RSA-PSS).
pub const MAILBOX_SEAL: &[u8] = b"trustero/mailbox-seal/v1";
/// HKDF info prefix of a mailbox wrap's one-time key, followed by its nonce
/// and one attempt byte.
pub const MAILBOX_WRAP_KEY: &[u8] = b"trustero/mailbox-wrap-key/v1";
/// HKDF info prefix of a mailbox wrap's AES key, followed by the wrap's and
/// the recipient's public keys.
pub const MAILBOX_WRAP: &[u8] = b"trustero/mailbox-wrap/v1";
/// AES-GCM associated-data prefix for vault records, followed by the caller's context.
pub const VAULT_RECORD: &[u8] = b"trustero/vault-record/v1";
/// Pair room topic prefix (DESIGN.md section 3).
pub const PAIR_ROOM: &[u8] = b"trustero/room/v1";
/// Group room topic prefix.
pub const GROUP_ROOM: &[u8] = b"trustero/group-room/v1";
/// Devices room topic prefix, followed by the profile key: the room where an
/// identity's own devices meet (only they hold the key).
pub const DEVICES_ROOM: &[u8] = b"trustero/devices-room/v1";
/// HKDF info for the key that seals signalling blobs of a room.
pub const SIGNAL_KEY: &[u8] = b"trustero/signal/v1";
/// Prefix of the public announce identifier (tracker `info_hash`, Nostr tag) of a room.
pub const ANNOUNCE_ID: &[u8] = b"trustero/announce/v1";
/// Prefix of the message an envelope's sender signs (RSA-PSS).
pub const ENVELOPE_SIGNATURE: &[u8] = b"trustero/envelope/v1";
/// Prefix of the message a group member signs to acknowledge messages it
/// stored, passed back to their senders by other members (`ack`).
pub const ACK_SIGNATURE: &[u8] = b"trustero/ack/v1";
/// HKDF info prefix of a group message's content key (from its sender's
/// group key), followed by the message id.
pub const GROUP_MESSAGE_KEY: &[u8] = b"trustero/group-message-key/v1";
/// Vault-context prefix of an envelope's receipt (its content key, sealed at
/// rest), followed by SHA-256 of the envelope.
pub const ENVELOPE_RECEIPT: &[u8] = b"trustero/envelope-receipt/v1";
/// HKDF info of the digits of a pair's safety number.
pub const SAFETY_NUMBER: &[u8] = b"trustero/safety-number/v1";
/// Prefix of the transcript hash of a peer handshake (DESIGN.md section 4).
pub const HANDSHAKE_TRANSCRIPT: &[u8] = b"trustero/handshake/v1";
/// Prefix of the message each side of a handshake signs, followed by its role.
pub const HANDSHAKE_SIGNATURE: &[u8] = b"trustero/handshake-signature/v1";
/// HKDF info of the per-direction session keys.
pub const SESSION_KEYS: &[u8] = b"trustero/session/v1";
/// HKDF info of the name of an identity's local database.
pub const STORE_NAME: &[u8] = b"trustero/store-name/v1";
/// AES-GCM associated data of every session frame.
pub const FRAME: &[u8] = b"trustero/frame/v1";
/// AES-GCM associated-data prefix of file chunks.
pub const FILE_CHUNK: &[u8] = b"trustero/file-chunk/v1";
/// Prefix of a pair conversation's id.
pub const PAIR_CONVERSATION: &[u8] = b"trustero/conversation/v1";
/// Prefix of a group's id, followed by its creator's fingerprint and a nonce:
/// nobody but the creator can make a descriptor whose id matches.
pub const GROUP_ID: &[u8] = b"trustero/group-id/v1";
/// Prefix of a group conversation's id.
pub const GROUP_CONVERSATION: &[u8] = b"trustero/group-conversation/v1";
