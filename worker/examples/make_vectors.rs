//! Regenerates tests/vectors/*.json:
//! `cargo run --release -p worker --example make_vectors -- tests/vectors [FILE...]`
//! (only the named files, e.g. `chat.json`, when any are given).
//!
//! Identity, vault and signal topics are deterministic: regenerating must give
//! the same values, and a difference means a dependency update changed the
//! protocol. Envelopes and signal blobs contain fresh randomness (RSA-OAEP,
//! RSA-PSS, nonces), so regenerating gives different but equally valid bytes.

use std::path::PathBuf;

use serde_json::{Value, json};
use worker::{
    EnvelopeMeta, Identity, KeySize, Profile, RoomTopic, SenderKey, aead_seal, assemble_record,
    group_conversation_id, group_id, open_envelope_with_receipt, open_group, pair_conversation_id,
    recipient_list, record_associated_data, safety_number, seal_envelope, seal_group,
};

fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

struct Credentials {
    username: &'static str,
    password: &'static str,
    bits: usize,
    note: &'static str,
}

const IDENTITIES: &[Credentials] = &[
    Credentials {
        username: "alice",
        password: "correct horse battery staple",
        bits: 2048,
        note: "DESIGN.md section 2 worked example",
    },
    Credentials {
        username: "bob",
        password: "zebra lantern orbit velvet quarry",
        bits: 2048,
        note: "envelope recipient",
    },
    Credentials {
        username: "carol",
        password: "Tr0ub4dor&3 is not enough, but this is",
        bits: 3072,
        note: "3072-bit envelope recipient",
    },
    Credentials {
        username: "\u{3000} bob\t\n",
        password: "zebra lantern orbit velvet quarry",
        bits: 2048,
        note: "Unicode whitespace around the username is trimmed: same identity as bob",
    },
    Credentials {
        username: "rene\u{301}e",
        password: "cafe\u{301} au lait, s'il vous plai\u{302}t",
        bits: 2048,
        note: "decomposed input (e + U+0301) is NFC-normalized",
    },
    Credentials {
        username: "ren\u{e9}e",
        password: "caf\u{e9} au lait, s'il vous pla\u{ee}t",
        bits: 2048,
        note: "composed form of the previous entry: same identity",
    },
    Credentials {
        username: "alice",
        password: "correct horse battery staple ",
        bits: 2048,
        note: "passwords are not trimmed: a trailing space is another identity",
    },
    Credentials {
        username: "alice",
        password: "correct horse battery staple",
        bits: 3072,
        note: "same credentials, 3072 bits",
    },
    Credentials {
        username: "alice",
        password: "correct horse battery staple",
        bits: 4096,
        note: "same credentials, 4096 bits",
    },
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/vectors".into()),
    );
    std::fs::create_dir_all(&dir)?;

    let mut identities = Vec::new();
    let mut derived = Vec::new();
    for c in IDENTITIES {
        let id = Identity::derive(c.username, c.password, KeySize::from_bits(c.bits)?)?;
        identities.push(json!({
            "note": c.note,
            "username": c.username,
            "password": c.password,
            "bits": c.bits,
            "fingerprint": id.public().fingerprint().to_hex(),
            "vault_key": hex(id.vault_key().expose_bytes()),
            "mailbox_key": id.mailbox_key().public_hex(),
            "profile_author": id.profile_author_key().public_hex(),
            "spki": b64url(id.public().spki()),
        }));
        derived.push(id);
    }
    let (alice, bob, carol) = (&derived[0], &derived[1], &derived[2]);
    let safety = json!([{
        "a": alice.public().fingerprint().to_hex(),
        "b": bob.public().fingerprint().to_hex(),
        "safety_number": safety_number(&alice.public().fingerprint(), &bob.public().fingerprint()),
    }]);
    write(
        &dir,
        "identity.json",
        json!({
            "description": "username + password + bits -> identity (DESIGN.md section 2): SPKI (base64url), its SHA-256 fingerprint, the vault key, the mailbox key and the profile's author key (BIP-340 x-only public keys, hex; worker/src/identity.rs); and the safety number of a pair.",
            "source": "cargo run --release -p worker --example make_vectors; the first entry's fingerprint and vault key are the worked example published in DESIGN.md. Deterministic: regenerating must not change a byte.",
            "vectors": identities,
            "safety_numbers": safety,
        }),
    )?;

    let conversation: [u8; 32] = core::array::from_fn(|i| i as u8);
    let cases = [
        (
            "one recipient",
            alice,
            vec![bob.public().clone()],
            b"hello bob".to_vec(),
            1,
        ),
        (
            "group of three, mixed key sizes",
            alice,
            vec![bob.public().clone(), carol.public().clone()],
            "Gruppe: grüße 👋".repeat(40).into_bytes(),
            2,
        ),
        (
            "empty content",
            bob,
            vec![alice.public().clone()],
            Vec::new(),
            3,
        ),
    ];
    let mut envelopes = Vec::new();
    for (note, sender, recipients, content, n) in cases {
        let meta = EnvelopeMeta {
            message_id: [n; 16],
            conversation_id: conversation,
            timestamp_ms: 1_790_000_000_000 + u64::from(n),
            lamport: u64::from(n) * 7,
        };
        let sealed = seal_envelope(sender, &recipients, &meta, &content)?;
        let mut receipts = serde_json::Map::new();
        for opener in [alice, bob, carol] {
            if let Ok((_, receipt)) = open_envelope_with_receipt(&sealed, sender.public(), opener) {
                receipts.insert(opener.public().fingerprint().to_hex(), json!(hex(&receipt)));
            }
        }
        envelopes.push(json!({
            "note": note,
            "sender": sender.public().fingerprint().to_hex(),
            "recipients": recipient_list(sender.public(), &recipients)?.iter().map(|r| r.fingerprint().to_hex()).collect::<Vec<_>>(),
            "message_id": hex(&meta.message_id),
            "conversation_id": hex(&meta.conversation_id),
            "timestamp_ms": meta.timestamp_ms,
            "lamport": meta.lamport,
            "content": hex(&content),
            "envelope": hex(&sealed),
            "receipts": receipts,
        }));
    }
    write(
        &dir,
        "envelope.json",
        json!({
            "description": "Envelopes (DESIGN.md section 5, worker/src/envelope/codec.rs) sealed by identities of identity.json; every listed recipient (the sender included) must open each to `content` with exactly these header fields. `receipts` holds each recipient's receipt (content key sealed with its vault key, bound to SHA-256 of the envelope) for reopening stored envelopes without RSA.",
            "source": "cargo run --release -p worker --example make_vectors with the pure-Rust path. Sealing is randomized (OAEP, PSS salt, content key, nonce): regenerating gives different, equally valid envelopes.",
            "identities": "identity.json entries by fingerprint",
            "vectors": envelopes,
        }),
    )?;

    let vault_nonce: [u8; 12] = *b"vault-nonce!";
    let mut vaults = Vec::new();
    for (context, plaintext) in [
        ("friends/0001", b"{\"nickname\":\"Bob\"}".to_vec()),
        ("settings", Vec::new()),
    ] {
        let aad = record_associated_data(context.as_bytes())?;
        let record = assemble_record(
            &vault_nonce,
            &aead_seal(
                alice.vault_key().expose_bytes(),
                &vault_nonce,
                &aad,
                &plaintext,
            ),
        );
        vaults.push(json!({
            "vault_key": hex(alice.vault_key().expose_bytes()),
            "context": context,
            "nonce": hex(&vault_nonce),
            "plaintext": hex(&plaintext),
            "record": hex(&record),
        }));
    }
    write(
        &dir,
        "vault.json",
        json!({
            "description": "Records at rest (worker/src/vault.rs): 0x01 || nonce || AES-256-GCM(vault_key, nonce, aad = \"trustero/vault-record/v1\" || 0x00 || context, plaintext). The key is alice's vault key from identity.json.",
            "source": "cargo run --release -p worker --example make_vectors with a fixed nonce; deterministic.",
            "vectors": vaults,
        }),
    )?;

    let fp_a = alice.public().fingerprint();
    let fp_b = bob.public().fingerprint();
    let mut signals = Vec::new();
    for password in ["", "our secret room"] {
        let topic = RoomTopic::pair(&fp_a, &fp_b, password)?;
        let plaintext = b"{\"type\":\"offer\",\"sdp\":\"v=0...\"}";
        signals.push(json!({
            "kind": "pair",
            "fingerprint_a": fp_a.to_hex(),
            "fingerprint_b": fp_b.to_hex(),
            "room_password": password,
            "topic": hex(topic.expose_bytes()),
            "announce_id": hex(&topic.announce_id()),
            "plaintext": hex(plaintext),
            "blob": hex(&topic.signal_key().seal(plaintext)?),
        }));
    }
    let group = RoomTopic::group(&[0x42; 16], &[0x24; 32]);
    signals.push(json!({
        "kind": "group",
        "group_id": hex(&[0x42; 16]),
        "group_secret": hex(&[0x24; 32]),
        "topic": hex(group.expose_bytes()),
        "announce_id": hex(&group.announce_id()),
        "plaintext": hex(b"answer"),
        "blob": hex(&group.signal_key().seal(b"answer")?),
    }));
    write(
        &dir,
        "signal.json",
        json!({
            "description": "Room topics, announce ids and sealed signalling blobs (worker/src/signal.rs). Fingerprints are alice's and bob's from identity.json.",
            "source": "cargo run --release -p worker --example make_vectors. Topics and announce ids are deterministic; blobs use a random nonce, so regenerating changes them.",
            "vectors": signals,
        }),
    )?;
    write(&dir, "handshake.json", handshake_vectors()?)?;
    write(&dir, "chat.json", chat_vectors(&derived)?)?;
    write(&dir, "mailbox.json", mailbox_vectors(&derived)?)?;
    write(&dir, "profile.json", profile_vectors(alice)?)?;
    write(&dir, "group.json", group_vectors(&derived)?)?;
    write(&dir, "ack.json", ack_vectors(&derived)?)?;
    Ok(())
}

/// A signed acknowledgement (worker/src/ack.rs): the exact bytes signed for
/// a list of message keys, and one signature of them.
fn ack_vectors(derived: &[Identity]) -> Result<Value, Box<dyn std::error::Error>> {
    use worker::{ack_signed_message, sign_ack};
    let (alice, bob) = (&derived[0], &derived[1]);
    // Three messages: two of bob's, one of carol's, as `sender:id` and as records.
    let senders = [bob, bob, &derived[2]];
    let mut records = Vec::new();
    let mut keys = Vec::new();
    for (n, sender) in senders.iter().enumerate() {
        let id = [u8::try_from(n + 1)?; 16];
        let fingerprint = sender.public().fingerprint();
        keys.push(format!("{}:{}", fingerprint.to_hex(), hex(&id)));
        records.extend_from_slice(&fingerprint.0);
        records.extend_from_slice(&id);
    }
    let signed = ack_signed_message(&alice.public().fingerprint(), &records)?;
    // RSA-PSS is randomized: the signature is checked, not compared.
    let signature = sign_ack(alice, &records)?;
    Ok(json!({
        "description": "A signed acknowledgement (worker/src/ack.rs): identity vector 0 (the holder) states it stored three messages, given as `sender:id` keys (chat/keys.js) and as 48-byte records (sender fingerprint || message id); `signed` is the exact message signed (\"trustero/ack/v1\" || 0x00 || holder fingerprint || u16be(count) || records), `signature` its RSA-PSS-SHA-256 signature (salt 32) by the holder.",
        "source": "cargo run --release -p worker --example make_vectors -- tests/vectors ack.json; everything is deterministic except the RSA-PSS signature (randomized: checked, not compared).",
        "holder": alice.public().fingerprint().to_hex(),
        "other": bob.public().fingerprint().to_hex(),
        "keys": keys,
        "records": hex(&records),
        "signed": hex(&signed),
        "signature": hex(&signature),
    }))
}

fn group_vectors(derived: &[Identity]) -> Result<Value, Box<dyn std::error::Error>> {
    let (alice, bob) = (&derived[0], &derived[1]);
    let key = SenderKey::from_parts([0x6b; 16], [0x5e; 32]);
    let conversation = group_conversation_id(&[0x42; 16]);
    let mut vectors = Vec::new();
    for (n, content) in [(1u8, b"hello, group".to_vec()), (2, vec![0xee; 3000])] {
        let meta = EnvelopeMeta {
            message_id: [n; 16],
            conversation_id: conversation,
            timestamp_ms: 1_790_000_000_000 + u64::from(n),
            lamport: u64::from(n),
        };
        let sealed = seal_group(alice, &key, &meta, &content)?;
        let (_, receipt) = open_group(&sealed, alice.public(), &key, bob)?;
        vectors.push(json!({
            "message_id": hex(&meta.message_id),
            "timestamp_ms": meta.timestamp_ms,
            "lamport": meta.lamport,
            "content_key": hex(key.content_key(&meta.message_id)?.as_ref()),
            "content": hex(&content),
            "envelope": hex(&sealed),
            "receipt_bob": hex(&receipt),
        }));
    }
    Ok(json!({
        "description": "Group envelopes, version 2 (worker/src/envelope/group.rs): one ciphertext per message under the sender's group key. content_key = HKDF-SHA-256(ikm = key, salt = key_id, info = \"trustero/group-message-key/v1\" || message_id). Sender alice of identity.json; any member holding the key opens each to `content`; `receipt_bob` is bob's receipt (content key sealed with his vault key).",
        "source": "cargo run --release -p worker --example make_vectors -- tests/vectors group.json; content keys are deterministic, envelopes randomized (nonce, RSA-PSS salt): checked, not compared.",
        "sender": alice.public().fingerprint().to_hex(),
        "opener": bob.public().fingerprint().to_hex(),
        "conversation_id": hex(&conversation),
        "key_id": hex(&key.id()),
        "key": hex(key.secret()),
        "vectors": vectors,
    }))
}

/// A record as the code before the profile's keys were separated sealed it
/// (content version 1, AES-256-GCM under the profile key itself), committed
/// by commit 82685ae and frozen here: nothing seals that way any more, and
/// devices must still open such records left on relays.
const LEGACY_PROFILE_RECORD: (&str, &str, &str) = (
    "1d5918d1c6ed5dc83bdc1ee1e281832ca49be2a4b073b6addb1775e3821e4602",
    "AUJCQkJCQkJCQkJCQiqRBlTigWhO/txm7XunvvxFsAPD7fSjcV5rcNMBIwSSqEKDDgQ3MpvIYNPSqJrcZZJjX1lKv+sO89sSZF52kBy+fdOdR2aUHAKGVZHfiUtzvj2VJggma6OJMdCvPRMu47lWmN6ZgwYu6XnLLFdKTUYlWa4QSF651QZwGjlF/fuhhbklT1noCCRvsNH5uo88QW3QGkPsW1JmBjPBPflaYNzlCBgalTKVLnT6pxP1tqHl0PTtMqo3dr15Vuy2Thzc/q+IZSTrDhqb/GSr8AwpTtOAcflCPXw6jgt7BLTxwFChDTdrSzHLJsWlM0/ZNGpjSTDo0s9pY02t868gTBeBjsD1FAx5/KeMx4F9xdm+Q9ip",
    "38123135e2b2737c89b1817b5fe3de6c2267b1978584035ebd6d5999dc7b77302a1343fdf4cc0ee33f813f6af2ed183128c460e53ccf4c9aae5987c35084d6d0",
);

/// The profile's seal-key label, spelled out as the protocol fixes it.
const PROFILE_SEAL_LABEL: &[u8] = b"trustero/profile-seal/v1";

fn profile_vectors(alice: &Identity) -> Result<Value, Box<dyn std::error::Error>> {
    let profile = Profile::of(alice)?;
    let record = br#"{"created":{"value":true,"stamp":{"wall":1790000000000,"counter":0,"device":"aaaaaaaa"}}}"#;
    let nonce = [0x42; 12];
    let event = profile.seal_with("contact:5a726205", record, 1_790_000_000, nonce)?;
    let (_, key) = profile.secrets();
    let mut seal_key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::from_prk(key.as_ref())
        .map_err(|_| "hkdf")?
        .expand(PROFILE_SEAL_LABEL, &mut seal_key)
        .map_err(|_| "hkdf")?;
    let (legacy_id, legacy_content, legacy_sig) = LEGACY_PROFILE_RECORD;
    Ok(json!({
        "description": "Roaming profile records (worker/src/profile.rs) of identity vector 0: the profile key (HKDF of the vault key), the seal key expanded from it (HKDF-Expand, info \"trustero/profile-seal/v1\"), the d tag of a record id (HKDF-Expand of the profile key) and a record sealed into a kind-30078 event by the profile's author key (content version 2, AES-256-GCM under the seal key, aad = 0x02 || d). `legacy`: the same record as the code before key separation sealed it (content version 1, AES-256-GCM under the profile key itself, aad = 0x01 || d), which must still open. The d tags and the devices room's announce id did not change with key separation.",
        "source": "cargo run --release -p worker --example make_vectors -- tests/vectors profile.json; deterministic except the BIP-340 signature (randomized: checked, not compared); `legacy` is frozen in make_vectors.rs.",
        "record_id": "contact:5a726205",
        "record": String::from_utf8(record.to_vec())?,
        "nonce": hex(&nonce),
        "created_at": 1_790_000_000u64,
        "profile_key": hex(key.as_ref()),
        "seal_key": hex(&seal_key),
        "d": event.tag("d").unwrap_or_default(),
        "settings_d": profile.record_tag("settings")?,
        "author": profile.author_hex(),
        "devices_announce_id": hex(&profile.devices_room().announce_id()),
        "id": event.id, "content": event.content, "sig": event.sig,
        "legacy": {
            "nonce": hex(&nonce), "created_at": 1_790_000_000u64,
            "id": legacy_id, "content": legacy_content, "sig": legacy_sig,
        },
    }))
}

fn handshake_vectors() -> Result<Value, Box<dyn std::error::Error>> {
    use worker::{Channel, Hello, NostrKey, Role, derive_session_keys, frame_nonce};

    // RFC 7748 section 6.1.
    let alice_secret: [u8; 32] =
        hex_array("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let bob_secret: [u8; 32] =
        hex_array("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    let alice_public =
        x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(alice_secret));
    let bob_public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(bob_secret));
    let shared = x25519_dalek::StaticSecret::from(alice_secret)
        .diffie_hellman(&bob_public)
        .to_bytes();
    assert_eq!(
        hex(&shared),
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    );

    let hello = Hello {
        role: Role::Offerer,
        instance: [3; 16],
        nonce: [4; 32],
        ephemeral: alice_public.to_bytes(),
        dtls_local: [5; 32],
        dtls_remote: [6; 32],
        spki: vec![0x30, 0x82, 0x01, 0x22],
    };
    let th: [u8; 32] = [9; 32];
    let keys = derive_session_keys(&th, &shared, Role::Offerer);
    let mut offerer = Channel::new(keys.clone(), Role::Offerer);
    let frames: Vec<Value> = [b"first".as_slice(), b"", &[0xff; 300]]
        .iter()
        .enumerate()
        .map(|(counter, plaintext)| {
            json!({
                "sender": "offerer",
                "counter": counter,
                "nonce": hex(&frame_nonce(Role::Offerer, counter as u64)),
                "plaintext": hex(plaintext),
                "frame": hex(&offerer.seal(plaintext).expect("small frame")),
            })
        })
        .collect();

    let nostr_secret = [0x42u8; 32];
    let key = NostrKey::from_bytes(&nostr_secret)?;
    let tags = vec![vec!["t".to_string(), "2c0f6a5a".to_string()]];
    let signed = key.sign_event(1_790_000_000, 20_333, &tags, "AQIDBA==")?;

    Ok(json!({
        "description": "Peer handshake and session frames (worker/src/handshake.rs, channel.rs) and Nostr event ids (nostr.rs).",
        "source": "cargo run --release -p worker --example make_vectors; X25519 is RFC 7748 section 6.1; everything else is deterministic from the listed inputs (the Nostr signature itself is randomized, so only id and pubkey are fixed).",
        "x25519": {
            "alice_secret": hex(&alice_secret), "alice_public": hex(alice_public.as_bytes()),
            "bob_secret": hex(&bob_secret), "bob_public": hex(bob_public.as_bytes()),
            "shared": hex(&shared),
        },
        "hello": {
            "role": "offerer", "instance": hex(&hello.instance), "nonce": hex(&hello.nonce),
            "ephemeral": hex(&hello.ephemeral), "dtls_local": hex(&hello.dtls_local),
            "dtls_remote": hex(&hello.dtls_remote), "spki": hex(&hello.spki),
            "encoded": hex(&hello.encode()),
        },
        "session": {
            "transcript_hash": hex(&th), "shared": hex(&shared),
            "offerer_send": hex(&keys.send), "offerer_receive": hex(&keys.receive),
        },
        "frames": frames,
        "nostr": {
            "secret": hex(&nostr_secret), "created_at": 1_790_000_000u64, "kind": 20_333,
            "tags": tags, "content": "AQIDBA==", "id": signed.id, "pubkey": signed.pubkey,
        },
    }))
}

fn chat_vectors(derived: &[Identity]) -> Result<Value, Box<dyn std::error::Error>> {
    use worker::{file_root, seal_chunk};
    let key = [0x5au8; 32];
    let file_id = [0x0fu8; 16];
    let plaintexts: [&[u8]; 3] = [b"first chunk", &[0xab; 1000], b"last"];
    let mut digests = Vec::new();
    let chunks: Vec<Value> = plaintexts
        .iter()
        .enumerate()
        .map(|(index, plaintext)| {
            let last = index == plaintexts.len() - 1;
            use sha2::Digest;
            digests.push(<[u8; 32]>::from(sha2::Sha256::digest(plaintext)));
            json!({
                "index": index,
                "last": last,
                "plaintext": hex(plaintext),
                "ciphertext": hex(&seal_chunk(&key, &file_id, index as u64, last, plaintext).expect("small chunk")),
            })
        })
        .collect();
    let (alice, bob) = (&derived[0], &derived[1]);
    Ok(json!({
        "description": "Chat formats: encrypted file chunks and their root hash (worker/src/files.rs), conversation ids and creator-bound group ids (worker/src/identity.rs).",
        "source": "cargo run --release -p worker --example make_vectors; deterministic.",
        "file": { "key": hex(&key), "file_id": hex(&file_id), "chunks": chunks, "root": hex(&file_root(&digests)) },
        "conversations": {
            "pair": { "a": alice.public().fingerprint().to_hex(), "b": bob.public().fingerprint().to_hex(),
                      "id": hex(&pair_conversation_id(&alice.public().fingerprint(), &bob.public().fingerprint())) },
            "group": { "group_id": hex(&[0x42; 16]), "id": hex(&group_conversation_id(&[0x42; 16])) },
        },
        "group_ids": [
            { "creator": alice.public().fingerprint().to_hex(), "nonce": hex(&[0x42; 16]),
              "id": hex(&group_id(&alice.public().fingerprint(), &[0x42; 16])) },
            { "creator": bob.public().fingerprint().to_hex(), "nonce": hex(&[0x42; 16]),
              "id": hex(&group_id(&bob.public().fingerprint(), &[0x42; 16])) },
        ],
    }))
}

fn mailbox_vectors(derived: &[Identity]) -> Result<Value, Box<dyn std::error::Error>> {
    use worker::{
        Mailbox, NostrKey, RETENTION_DAYS, Retention, TIME_JITTER_S, mailbox_fragments,
        seal_for_mailbox,
    };
    let (alice, bob) = (&derived[0], &derived[1]);
    let sender = Mailbox::new(NostrKey::from_bytes(&[0x11; 32])?)?;
    let recipient = Mailbox::new(NostrKey::from_bytes(&[0x22; 32])?)?;
    let (nonce, aead_nonce, bundle) = ([0x33u8; 16], [0x44u8; 12], [0x55u8; 16]);
    let created_at = 1_790_000_000u64;
    let retention = Retention::from_days(14)?;
    let payload = b"an envelope would be here";
    // The seal's RSA-PSS signature is randomized: checked, not compared.
    let seal = seal_for_mailbox(alice, recipient.public(), "env", payload)?;
    let small = mailbox_fragments(b"hello mailbox", bundle)?.remove(0);
    let wrapped = sender.wrap_with(
        recipient.public(),
        &small,
        created_at,
        retention,
        nonce,
        aead_nonce,
    )?;
    let deletion = sender.deletion(&nonce, &wrapped.event.id, created_at + 60)?;
    let auth = recipient.auth(
        "wss://relay.example/inbox",
        "challenge-1234",
        created_at + 120,
    )?;
    let large_seal: Vec<u8> = (0..40_000u32).map(|i| (i % 253) as u8).collect();
    let large: Vec<Value> = mailbox_fragments(&large_seal, bundle)?
        .iter()
        .map(|f| json!({ "sha256": hex(&<[u8; 32]>::from(<sha2::Sha256 as sha2::Digest>::digest(f))) }))
        .collect();
    Ok(json!({
        "description": "Mailbox formats (worker/src/mailbox.rs): a fragment, its kind-1059 wrap from a one-time key derived from the sender's mailbox secret and a nonce (secp256k1 ECDH, HKDF-SHA-256, AES-256-GCM, base64), the NIP-09 deletion of that wrap, the recipient's NIP-42 authentication (kind 22242, by the mailbox key), the fragments of a larger seal, and a seal signed by identity vector 0 for the recipient's mailbox key. A wrap's expiration is its created_at plus its retention plus the two days of jitter; `retention` lists the only retentions a wrap may ask for (the settings form offers exactly these).",
        "source": "cargo run --release -p worker --example make_vectors -- tests/vectors mailbox.json; everything is deterministic except the BIP-340 and RSA-PSS signatures (randomized: checked, not compared).",
        "sender_secret": hex(&[0x11; 32]),
        "recipient_secret": hex(&[0x22; 32]),
        "recipient_public": hex(recipient.public()),
        "retention": { "days": RETENTION_DAYS, "jitter_s": TIME_JITTER_S },
        "wrap": {
            "nonce": hex(&nonce), "aead_nonce": hex(&aead_nonce), "bundle": hex(&bundle),
            "data": hex(b"hello mailbox"), "fragment": hex(&small),
            "created_at": created_at, "retention_days": retention.days(),
            "expiration": created_at + retention.lifetime_s(),
            "id": wrapped.event.id, "pubkey": wrapped.event.pubkey,
            "tags": wrapped.event.tags, "content": wrapped.event.content, "sig": wrapped.event.sig,
        },
        "deletion": { "created_at": created_at + 60, "id": deletion.id, "pubkey": deletion.pubkey, "tags": deletion.tags, "sig": deletion.sig },
        "auth": { "relay": "wss://relay.example/inbox", "challenge": "challenge-1234", "created_at": created_at + 120, "id": auth.id, "pubkey": auth.pubkey, "tags": auth.tags, "sig": auth.sig },
        "large": { "seal": "bytes i % 253 for i in 0..40000", "fragments": large },
        "seal": {
            "sender": alice.public().fingerprint().to_hex(),
            "other": bob.public().fingerprint().to_hex(),
            "type": "env", "payload": hex(payload), "bytes": hex(&seal),
        },
    }))
}

fn hex_array<const N: usize>(text: &str) -> [u8; N] {
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect();
    bytes.try_into().expect("length")
}

fn write(
    dir: &std::path::Path,
    name: &str,
    value: Value,
) -> Result<(), Box<dyn std::error::Error>> {
    let only: Vec<String> = std::env::args().skip(2).collect();
    if !only.is_empty() && !only.iter().any(|o| o == name) {
        return Ok(());
    }
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&value)? + "\n")?;
    println!("wrote {}", path.display());
    Ok(())
}
