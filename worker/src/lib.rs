//! Trustero's crypto core.
//!
//! Everything secret in Trustero happens here: deriving an identity from a
//! username and password, sealing and opening message envelopes, sealing
//! records at rest (the vault) and signalling blobs, files, the peer
//! handshake and session frames, the mailbox and the roaming profile. Every
//! protocol step is written once over a crypto [`Provider`]: the RustCrypto
//! crates natively ([`RustCrypto`], tested with `cargo test`), the browser's
//! WebCrypto when compiled to WASM and run inside a Web Worker.
//!
//! The modules are private; what follows is the whole public API, one group
//! per concept, in the order the concepts build on each other.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod ack;
mod channel;
mod conversation;
mod envelope;
mod error;
mod files;
mod handshake;
mod identity;
mod labels;
mod mailbox;
mod nostr;
mod primitives;
mod profile;
mod provider;
mod public_identity;
mod signal;
mod unicode;
mod vault;
#[cfg(target_arch = "wasm32")]
mod web;

pub(crate) use primitives::hex::{decode_hex, hex_lower};
pub(crate) use primitives::{aead, codec, padding, random};

/// The one error type, with a stable code per variant for JavaScript.
pub use error::{Error, Result};

/// Someone's public identity (an RSA public key and its fingerprint), and
/// the safety number two people compare to check each other's.
pub use public_identity::{Fingerprint, KeySize, PublicIdentity, safety_number};

/// Deriving an identity: a username and password deterministically become
/// an RSA key pair, a vault key, a mailbox key and a profile author key.
pub use identity::{Identity, IdentitySeed};

/// The ids both sides of a conversation compute from fingerprints.
pub use conversation::{group_conversation_id, group_id, pair_conversation_id};

/// The crypto provider every protocol step runs over, and the pure-Rust one.
pub use provider::{Holder, Provider, RustCrypto, block_on};

/// The building blocks under every format: AES-256-GCM, length padding into
/// size buckets, and the system's randomness.
pub use primitives::{
    aead::{NONCE_LEN as AEAD_NONCE_LEN, open as aead_open, seal as aead_seal},
    padding::{MAX_CONTENT as MAX_PADDED_CONTENT, bucket as padding_bucket, pad, unpad},
    random::{bytes as random_bytes, rng as system_rng},
};

/// The vault: records at rest, sealed with the identity's vault key and
/// bound to where they are stored.
pub use vault::{
    VaultKey, assemble as assemble_record, associated_data as record_associated_data,
    open as open_record, open_with as open_record_with, seal as seal_record,
    seal_with as seal_record_with,
};

/// Envelopes: how every chat message travels and is stored, to a list of
/// recipients or (sealed with a sender key) to a group.
pub use envelope::{
    Envelope, EnvelopeMeta, GROUP_VERSION, Header, MAX_LAMPORT, MAX_RECIPIENTS, MAX_TIMESTAMP_MS,
    Opened, Recipient, SenderKey, open as open_envelope, open_group, open_group_with,
    open_stored as open_stored_envelope, open_stored_with as open_stored_envelope_with,
    open_with as open_envelope_with, open_with_receipt as open_envelope_with_receipt,
    recipient_list, seal as seal_envelope, seal_group, seal_group_with,
    seal_with as seal_envelope_with, signed_message as envelope_signed_message,
    verify as verify_envelope, verify_with as verify_envelope_with,
};

/// Acknowledgements: a group member's signature over the messages it stored.
pub use ack::{
    KEY_LEN as ACK_KEY_LEN, sign as sign_ack, sign_with as sign_ack_with,
    signed_message as ack_signed_message, verify as verify_ack, verify_with as verify_ack_with,
};

/// Rooms and the signalling blobs sealed for them.
pub use signal::{RoomTopic, SignalKey};

/// The peer handshake, one type per stage, and the session frames after it.
pub use {
    channel::{Channel, nonce as frame_nonce},
    handshake::{
        AwaitingFinish, AwaitingHello, AwaitingVerification, Connection, Exchange, Hello, Peer,
        Role, SessionKeys, Start, Verified, derive_session_keys,
    },
};

/// Files: chunks sealed with a per-file key, and the root hash the
/// announcing envelope signs.
pub use files::{open_chunk, open_chunk_with, root as file_root, seal_chunk, seal_chunk_with};

/// Nostr events, signed with secp256k1 keys unrelated to the identity.
pub use nostr::{Event, NostrKey};

/// The mailbox: sealed payloads, cut into fragments, wrapped for relays.
pub use mailbox::{
    AUTH_KIND, FRAGMENT_HEADER, Fragment, LARGE_FRAGMENT, MAX_FRAGMENTS, Mailbox, RETENTION_DAYS,
    Reassembly, Retention, TIME_JITTER_S, WRAP_KIND, Wrapped, fragments as mailbox_fragments,
    open_seal as open_mailbox_seal, open_seal_with as open_mailbox_seal_with,
    parse_fragment as parse_mailbox_fragment, seal as seal_for_mailbox,
    seal_with as seal_for_mailbox_with,
};

/// The roaming profile: records only the identity's own devices can find,
/// read or replace on relays.
pub use profile::{OpenedRecord, PROFILE_KIND, Profile};

/// The browser side (wasm32 only): the same steps over WebCrypto, with
/// private keys held as non-extractable `CryptoKey`s.
#[cfg(target_arch = "wasm32")]
pub use web::{
    Pending, RsaUse, Subtle, WebChannel, WebCrypto, WebHandshake, WebPrivateKey, WebSession,
    open_chunk as web_open_chunk, seal_chunk as web_seal_chunk,
};
