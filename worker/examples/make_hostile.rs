//! Writes tests/vectors/hostile.json: envelopes a hostile contact could send,
//! correctly signed by "renée" (identity.json entry 4, Mallory in the browser
//! tests) and addressed to bob in their pair conversation, but with header
//! fields out of the range receivers accept (worker/src/envelope/codec.rs).
//! The normal sealing path refuses to make them; this builds them from the
//! format's parts, as an attacker would.
//!
//! `cargo run --release -p worker --example make_hostile -- tests/vectors`
//! Sealing is randomized: regenerating gives different, equally valid bytes.

use std::path::PathBuf;

use rsa::pkcs8::DecodePublicKey;
use rsa::{Oaep, PublicKey as RsaPublicKey};
use serde_json::json;
use sha2::Sha256;
use worker::{
    AEAD_NONCE_LEN, Envelope, EnvelopeMeta, Header, Identity, KeySize, MAX_LAMPORT,
    MAX_TIMESTAMP_MS, PublicIdentity, Recipient, aead_seal, envelope_signed_message, pad,
    pair_conversation_id, random_bytes, system_rng,
};

fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Seals like `envelope::seal` but without checking the header's ranges.
fn seal_unchecked(
    sender: &Identity,
    recipients: &[&PublicIdentity],
    meta: &EnvelopeMeta,
    content: &[u8],
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let padded = pad(content)?;
    let content_key = random_bytes::<32>()?;
    let nonce = random_bytes::<{ AEAD_NONCE_LEN }>()?;
    let mut wrapped = Vec::new();
    for recipient in recipients {
        let key = RsaPublicKey::from_public_key_der(recipient.spki())?;
        wrapped.push(Recipient {
            fingerprint: recipient.fingerprint(),
            wrapped_key: key.encrypt(&mut system_rng(), Oaep::<Sha256>::new(), &content_key)?,
        });
    }
    let header = Header::new(meta, sender.public().fingerprint(), nonce, wrapped).encode();
    let ciphertext = aead_seal(&content_key, &nonce, &header, &padded);
    let signature = sender.sign(&envelope_signed_message(&header, &ciphertext))?;
    Ok(Envelope::assemble(header, ciphertext, signature))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/vectors".into()),
    );
    let mallory = Identity::derive(
        "ren\u{e9}e",
        "caf\u{e9} au lait, s'il vous pla\u{ee}t",
        KeySize::Rsa2048,
    )?;
    let bob = Identity::derive("bob", "zebra lantern orbit velvet quarry", KeySize::Rsa2048)?;
    let conversation =
        pair_conversation_id(&mallory.public().fingerprint(), &bob.public().fingerprint());
    let recipients = [bob.public(), mallory.public()];
    let cases = [
        (
            "lamport at the largest exact JavaScript integer: accepted, not adopted",
            1_790_000_000_000,
            MAX_LAMPORT,
        ),
        (
            "lamport past 2^53 - 1: refused",
            1_790_000_000_000,
            MAX_LAMPORT + 1,
        ),
        ("lamport 2^64 - 1: refused", 1_790_000_000_000, u64::MAX),
        (
            "timestamp past ECMAScript's last date: refused",
            MAX_TIMESTAMP_MS + 1,
            1,
        ),
        ("timestamp 2^63: refused", 1 << 63, 1),
    ];
    let mut envelopes = Vec::new();
    for (index, (note, timestamp_ms, lamport)) in cases.into_iter().enumerate() {
        let meta = EnvelopeMeta {
            message_id: [0xe0 + index as u8; 16],
            conversation_id: conversation,
            timestamp_ms,
            lamport,
        };
        let content = json!({ "t": "text", "body": format!("hostile clock {index}") }).to_string();
        envelopes.push(json!({
            "note": note,
            "accepted": meta.check().is_ok(),
            "message_id": hex(&meta.message_id),
            "timestamp_ms": timestamp_ms.to_string(),
            "lamport": lamport.to_string(),
            "body": format!("hostile clock {index}"),
            "envelope": hex(&seal_unchecked(&mallory, &recipients, &meta, content.as_bytes())?),
        }));
    }
    let path = dir.join("hostile.json");
    let value = json!({
        "description": "Envelopes signed by identity.json entry 4 (renée) for bob (entry 1) in their pair conversation, with header clock fields at and past the accepted ranges (worker/src/envelope/codec.rs). `accepted` says whether a receiver's decoder accepts the header.",
        "source": "cargo run --release -p worker --example make_hostile; sealing is randomized, so regenerating gives different, equally valid bytes.",
        "sender": mallory.public().fingerprint().to_hex(),
        "recipient": bob.public().fingerprint().to_hex(),
        "conversation_id": hex(&conversation),
        "envelopes": envelopes,
    });
    std::fs::write(&path, serde_json::to_string_pretty(&value)? + "\n")?;
    println!("wrote {}", path.display());
    Ok(())
}
