//! Known-answer vectors from tests/vectors/*.json, shared by the native tests
//! (`vectors.rs`) and the browser tests (`web.rs`).

#![allow(dead_code)]

use serde::Deserialize;
use worker::{Identity, KeySize, SenderKey};

pub const IDENTITY_JSON: &str = include_str!("../../../tests/vectors/identity.json");
pub const ENVELOPE_JSON: &str = include_str!("../../../tests/vectors/envelope.json");
pub const VAULT_JSON: &str = include_str!("../../../tests/vectors/vault.json");
pub const SIGNAL_JSON: &str = include_str!("../../../tests/vectors/signal.json");

#[derive(Debug, Deserialize)]
pub struct VectorFile<T> {
    pub description: String,
    pub source: String,
    pub vectors: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdentityVector {
    pub note: String,
    pub username: String,
    pub password: String,
    pub bits: usize,
    pub fingerprint: String,
    pub vault_key: String,
    pub mailbox_key: String,
    pub profile_author: String,
    pub spki: String,
}

#[derive(Debug, Deserialize)]
pub struct SafetyVector {
    pub a: String,
    pub b: String,
    pub safety_number: String,
}

#[derive(Debug, Deserialize)]
pub struct IdentityFile {
    pub vectors: Vec<IdentityVector>,
    pub safety_numbers: Vec<SafetyVector>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EnvelopeVector {
    pub note: String,
    pub sender: String,
    pub recipients: Vec<String>,
    pub message_id: String,
    pub conversation_id: String,
    pub timestamp_ms: u64,
    pub lamport: u64,
    pub content: String,
    pub envelope: String,
    /// Receipt of each recipient (fingerprint -> hex), for `open_stored`.
    pub receipts: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VaultVector {
    pub vault_key: String,
    pub context: String,
    pub nonce: String,
    pub plaintext: String,
    pub record: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SignalVector {
    pub kind: String,
    pub fingerprint_a: Option<String>,
    pub fingerprint_b: Option<String>,
    pub room_password: Option<String>,
    pub group_id: Option<String>,
    pub group_secret: Option<String>,
    pub topic: String,
    pub announce_id: String,
    pub plaintext: String,
    pub blob: String,
}

pub fn identity_file() -> IdentityFile {
    serde_json::from_str(IDENTITY_JSON).expect("identity.json parses")
}

pub fn envelopes() -> Vec<EnvelopeVector> {
    let file: VectorFile<EnvelopeVector> =
        serde_json::from_str(ENVELOPE_JSON).expect("envelope.json parses");
    assert!(!file.source.is_empty() && !file.description.is_empty());
    file.vectors
}

pub fn vaults() -> Vec<VaultVector> {
    let file: VectorFile<VaultVector> =
        serde_json::from_str(VAULT_JSON).expect("vault.json parses");
    file.vectors
}

pub fn signals() -> Vec<SignalVector> {
    let file: VectorFile<SignalVector> =
        serde_json::from_str(SIGNAL_JSON).expect("signal.json parses");
    file.vectors
}

pub fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).expect("vector hex is valid")
}

pub fn unb64url(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.chars() {
        bits = (bits << 6) | ALPHABET.find(c).expect("vector base64url is valid") as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// Derives the identity whose fingerprint is `fingerprint` (from identity.json).
pub fn derive_by_fingerprint(fingerprint: &str) -> Identity {
    let v = identity_file()
        .vectors
        .into_iter()
        .find(|v| v.fingerprint == fingerprint)
        .expect("fingerprint is in identity.json");
    derive(&v)
}

pub fn derive(v: &IdentityVector) -> Identity {
    Identity::derive(
        &v.username,
        &v.password,
        KeySize::from_bits(v.bits).expect("vector size"),
    )
    .expect("vector credentials derive")
}

pub const HANDSHAKE_JSON: &str = include_str!("../../../tests/vectors/handshake.json");

pub fn handshake_file() -> serde_json::Value {
    serde_json::from_str(HANDSHAKE_JSON).expect("handshake.json parses")
}

/// A hex string field of a JSON value.
pub fn hex_field(value: &serde_json::Value, name: &str) -> Vec<u8> {
    unhex(
        value[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name} is a string")),
    )
}

pub fn array32(bytes: Vec<u8>) -> [u8; 32] {
    bytes.try_into().expect("32 bytes")
}

pub const CHAT_JSON: &str = include_str!("../../../tests/vectors/chat.json");

pub fn chat_file() -> serde_json::Value {
    serde_json::from_str(CHAT_JSON).expect("chat.json parses")
}

pub const HOSTILE_JSON: &str = include_str!("../../../tests/vectors/hostile.json");

pub fn hostile_file() -> serde_json::Value {
    serde_json::from_str(HOSTILE_JSON).expect("hostile.json parses")
}

pub fn mailbox_file() -> serde_json::Value {
    serde_json::from_str(include_str!("../../../tests/vectors/mailbox.json")).expect("mailbox.json")
}

/// The committed mailbox vectors, checked with the pure-Rust code (natively
/// and compiled to WASM in the browser): fragments, wraps, deletions. The
/// seal is checked by the caller with its own provider.
pub fn check_mailbox_formats() {
    use worker::{
        AUTH_KIND, Event, Mailbox, NostrKey, RETENTION_DAYS, Reassembly, Retention, TIME_JITTER_S,
        WRAP_KIND, mailbox_fragments, parse_mailbox_fragment,
    };
    let v = mailbox_file();
    let mailbox_of = |name: &str| {
        Mailbox::new(NostrKey::from_bytes(&array32(hex_field(&v, name))).unwrap()).unwrap()
    };
    let (sender, recipient) = (mailbox_of("sender_secret"), mailbox_of("recipient_secret"));
    assert_eq!(
        recipient.public().to_vec(),
        hex_field(&v, "recipient_public")
    );
    // The retentions a wrap may ask for are the committed ones (the page's
    // settings form offers the same list, checked in tests/js).
    assert_eq!(serde_json::json!(RETENTION_DAYS), v["retention"]["days"]);
    assert_eq!(serde_json::json!(TIME_JITTER_S), v["retention"]["jitter_s"]);
    let w = &v["wrap"];
    let retention = Retention::from_days(w["retention_days"].as_u64().unwrap()).unwrap();
    // The expiration is the wrap's own created_at plus the retention plus
    // the jitter: derived, never the send time.
    assert_eq!(
        w["expiration"].as_u64().unwrap(),
        w["created_at"].as_u64().unwrap()
            + w["retention_days"].as_u64().unwrap() * 86_400
            + TIME_JITTER_S
    );
    let bundle: [u8; 16] = hex_field(w, "bundle").try_into().unwrap();
    let fragment = mailbox_fragments(&hex_field(w, "data"), bundle)
        .unwrap()
        .remove(0);
    assert_eq!(fragment.to_vec(), hex_field(w, "fragment"));
    let wrapped = sender
        .wrap_with(
            recipient.public(),
            &fragment,
            w["created_at"].as_u64().unwrap(),
            retention,
            hex_field(w, "nonce").try_into().unwrap(),
            hex_field(w, "aead_nonce").try_into().unwrap(),
        )
        .unwrap();
    assert_eq!(wrapped.event.id, w["id"].as_str().unwrap());
    assert_eq!(wrapped.event.pubkey, w["pubkey"].as_str().unwrap());
    assert_eq!(wrapped.event.content, w["content"].as_str().unwrap());
    assert_eq!(serde_json::json!(wrapped.event.tags), w["tags"]);
    // The committed event (with its committed signature) opens for the recipient only.
    let committed = Event {
        id: w["id"].as_str().unwrap().into(),
        pubkey: w["pubkey"].as_str().unwrap().into(),
        created_at: w["created_at"].as_u64().unwrap(),
        kind: WRAP_KIND,
        tags: serde_json::from_value(w["tags"].clone()).unwrap(),
        content: w["content"].as_str().unwrap().into(),
        sig: w["sig"].as_str().unwrap().into(),
    };
    let opened = recipient.unwrap(&committed).unwrap();
    assert_eq!(opened.data.to_vec(), hex_field(w, "data"));
    assert!(
        sender.unwrap(&committed).is_err(),
        "only the recipient's mailbox opens it"
    );
    let mut altered = committed.clone();
    altered.content.replace_range(
        10..11,
        if &altered.content[10..11] == "A" {
            "B"
        } else {
            "A"
        },
    );
    assert!(
        recipient.unwrap(&altered).is_err(),
        "an altered wrap is refused"
    );
    let d = &v["deletion"];
    let deletion = sender
        .deletion(
            &hex_field(w, "nonce").try_into().unwrap(),
            &wrapped.event.id,
            d["created_at"].as_u64().unwrap(),
        )
        .unwrap();
    assert_eq!(deletion.id, d["id"].as_str().unwrap());
    assert_eq!(
        deletion.pubkey,
        w["pubkey"].as_str().unwrap(),
        "signed by the wrap's own one-time key"
    );
    deletion.verify().unwrap();
    let a = &v["auth"];
    let auth = recipient
        .auth(
            a["relay"].as_str().unwrap(),
            a["challenge"].as_str().unwrap(),
            a["created_at"].as_u64().unwrap(),
        )
        .unwrap();
    assert_eq!(auth.id, a["id"].as_str().unwrap());
    assert_eq!(
        auth.pubkey,
        v["recipient_public"].as_str().unwrap(),
        "authenticated by the mailbox key"
    );
    assert_eq!(auth.kind, AUTH_KIND);
    auth.verify().unwrap();
    assert!(recipient.auth("https://not-a-relay", "c", 1).is_err());
    assert!(recipient.auth("wss://r", "line\nbreak", 1).is_err());
    let large_seal: Vec<u8> = (0..40_000u32).map(|i| (i % 253) as u8).collect();
    let parts = mailbox_fragments(&large_seal, bundle).unwrap();
    let digests: Vec<String> = parts
        .iter()
        .map(|f| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(f)))
        .collect();
    let committed: Vec<String> = v["large"]["fragments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sha256"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(digests, committed);
    let mut whole = Reassembly::default();
    let mut result = None;
    for part in parts.iter().rev() {
        result = whole.add(parse_mailbox_fragment(part).unwrap()).unwrap();
    }
    assert_eq!(result.unwrap(), large_seal);
}

/// Wraps `count` one-fragment seals and a ten-fragment one, sent at one
/// moment, as the page's `mailboxWrap` does (natively and in the browser,
/// where the jitter comes from `crypto.getRandomValues`): for every
/// retention, expiration − created_at is one constant (the retention plus
/// the jitter) while expiration − now spreads over the jitter range, and the
/// fragments of one seal share neither created_at nor expiration.
pub fn check_wrap_times(count: usize) {
    use std::collections::BTreeSet;
    use worker::{
        FRAGMENT_HEADER, LARGE_FRAGMENT, MAX_FRAGMENTS, Mailbox, NostrKey, RETENTION_DAYS,
        Retention, TIME_JITTER_S, Wrapped,
    };
    let v = mailbox_file();
    let sender =
        Mailbox::new(NostrKey::from_bytes(&array32(hex_field(&v, "sender_secret"))).unwrap())
            .unwrap();
    let recipient = array32(hex_field(&v, "recipient_public"));
    let expiration = |w: &Wrapped| -> u64 { w.event.tag("expiration").unwrap().parse().unwrap() };
    let now = 1_790_000_000u64;
    for days in RETENTION_DAYS {
        let retention = Retention::from_days(days).unwrap();
        let mut lifetimes = BTreeSet::new();
        let mut after_send = BTreeSet::new();
        for _ in 0..count {
            let wrapped = sender
                .wrap_seal(&recipient, b"one fragment", now, retention)
                .unwrap();
            lifetimes.insert(expiration(&wrapped[0]) - wrapped[0].event.created_at);
            let left = expiration(&wrapped[0]) - now;
            assert!(left > days * 86_400 && left <= days * 86_400 + TIME_JITTER_S);
            after_send.insert(left);
        }
        assert_eq!(lifetimes, BTreeSet::from([retention.lifetime_s()]));
        assert!(
            after_send.len() > count * 9 / 10,
            "expiration − now takes {} values over {count} wraps",
            after_send.len()
        );
        let spread = after_send.last().unwrap() - after_send.first().unwrap();
        assert!(spread > TIME_JITTER_S * 9 / 10, "spread {spread}");
    }
    let seal = vec![1u8; MAX_FRAGMENTS * (LARGE_FRAGMENT - FRAGMENT_HEADER)];
    let wrapped = sender
        .wrap_seal(&recipient, &seal, now, Retention::from_days(14).unwrap())
        .unwrap();
    assert_eq!(wrapped.len(), MAX_FRAGMENTS);
    let created: BTreeSet<u64> = wrapped.iter().map(|w| w.event.created_at).collect();
    let expirations: BTreeSet<u64> = wrapped.iter().map(expiration).collect();
    assert_eq!(created.len(), wrapped.len());
    assert_eq!(expirations.len(), wrapped.len());
}

/// The committed profile vectors (identity vector 0's roaming profile),
/// checked with the pure-Rust code natively and compiled to WASM.
pub fn check_profile_formats() {
    use worker::{AEAD_NONCE_LEN, Event, IdentitySeed, PROFILE_KIND, Profile, aead_open};
    // The label spelled out here, as the protocol fixes it.
    const PROFILE_SEAL_LABEL: &[u8] = b"trustero/profile-seal/v1";
    let v: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/vectors/profile.json"))
            .expect("profile.json");
    let alice = &identity_file().vectors[0];
    let seed = IdentitySeed::derive(&alice.username, &alice.password).unwrap();
    let profile = Profile::new(
        seed.profile_author_key().unwrap(),
        &seed.vault_key().unwrap(),
    )
    .unwrap();
    assert_eq!(profile.author_hex(), v["author"].as_str().unwrap());
    assert_eq!(profile.author_hex(), alice.profile_author);
    // The devices room: only the identity (its profile key) finds it.
    assert_eq!(
        hex::encode(profile.devices_room().announce_id()),
        v["devices_announce_id"].as_str().unwrap()
    );
    let record_id = v["record_id"].as_str().unwrap();
    assert_eq!(
        profile.record_tag(record_id).unwrap(),
        v["d"].as_str().unwrap()
    );
    assert_eq!(
        profile.record_tag("settings").unwrap(),
        v["settings_d"].as_str().unwrap()
    );
    // Key separation: the profile key (from the vault key) only derives;
    // records are sealed under the seal key expanded from it.
    let (_, key) = profile.secrets();
    assert_eq!(
        hex::encode(key.as_ref()),
        v["profile_key"].as_str().unwrap()
    );
    let mut seal_key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::from_prk(key.as_ref())
        .unwrap()
        .expand(PROFILE_SEAL_LABEL, &mut seal_key)
        .unwrap();
    assert_eq!(hex::encode(seal_key), v["seal_key"].as_str().unwrap());
    let record = v["record"].as_str().unwrap().as_bytes();
    let event = profile
        .seal_with(
            record_id,
            record,
            v["created_at"].as_u64().unwrap(),
            hex_field(&v, "nonce").try_into().unwrap(),
        )
        .unwrap();
    assert_eq!(event.id, v["id"].as_str().unwrap());
    assert_eq!(event.content, v["content"].as_str().unwrap());
    // The content is AES-256-GCM under the seal key, not the profile key.
    let body = decode_base64(v["content"].as_str().unwrap());
    assert_eq!(body[0], 2, "content version 2");
    let (nonce, ciphertext) = body[1..].split_at(AEAD_NONCE_LEN);
    let nonce: [u8; AEAD_NONCE_LEN] = nonce.try_into().unwrap();
    let mut aad = vec![2u8];
    aad.extend_from_slice(v["d"].as_str().unwrap().as_bytes());
    assert!(aead_open(&seal_key, &nonce, &aad, ciphertext).is_ok());
    assert!(aead_open(&array32(key.to_vec()), &nonce, &aad, ciphertext).is_err());
    // The committed events (with their committed signatures) open to the
    // record: the new one, and the one sealed before key separation, which
    // says it is worth sealing again.
    let event_of = |fields: &serde_json::Value| Event {
        id: fields["id"].as_str().unwrap().into(),
        pubkey: v["author"].as_str().unwrap().into(),
        created_at: fields["created_at"].as_u64().unwrap(),
        kind: PROFILE_KIND,
        tags: vec![vec!["d".into(), v["d"].as_str().unwrap().into()]],
        content: fields["content"].as_str().unwrap().into(),
        sig: fields["sig"].as_str().unwrap().into(),
    };
    for (fields, legacy) in [(&v, false), (&v["legacy"], true)] {
        let opened = profile.open(&event_of(fields)).unwrap();
        assert_eq!(opened.id, record_id);
        assert_eq!(opened.record.as_slice(), record);
        assert_eq!(opened.legacy, legacy);
    }
    assert_eq!(
        decode_base64(v["legacy"]["content"].as_str().unwrap())[0],
        1
    );
}

/// Standard base64 (the content of Nostr events here).
fn decode_base64(text: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    Base64::decode_vec(text).unwrap()
}

pub fn group_file() -> serde_json::Value {
    serde_json::from_str(include_str!("../../../tests/vectors/group.json")).expect("group.json")
}

/// The committed group sender key.
pub fn group_sender_key() -> SenderKey {
    let v = group_file();
    SenderKey::from_parts(
        hex_field(&v, "key_id").try_into().expect("16 bytes"),
        array32(hex_field(&v, "key")),
    )
}
