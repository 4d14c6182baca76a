//! Signed acknowledgements (worker/src/ack.rs) against the committed vectors
//! (tests/vectors/ack.json), natively and — compiled to WASM — in headless
//! Chromium inside a dedicated worker, where WebCrypto signs and verifies:
//! the signed bytes are exactly the committed ones, the committed signature
//! verifies for its holder only and for exactly its keys, and signatures made
//! by either path verify on the other.

mod common;

use common::*;
use worker::{ACK_KEY_LEN, ack_signed_message, sign_ack, verify_ack};

fn ack_file() -> serde_json::Value {
    serde_json::from_str(include_str!("../../tests/vectors/ack.json")).expect("ack.json parses")
}

/// The records (sender ‖ id) the vector lists as `sender:id` keys.
fn records_of(v: &serde_json::Value) -> Vec<u8> {
    v["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .flat_map(|key| {
            let (sender, id) = key
                .as_str()
                .expect("a key")
                .split_once(':')
                .expect("sender:id");
            let mut record = unhex(sender);
            record.extend(unhex(id));
            record
        })
        .collect()
}

/// What must hold on either path, given how that path verifies.
fn check_committed(verify: impl Fn(&worker::PublicIdentity, &[u8], &[u8]) -> bool) {
    let v = ack_file();
    let holder = derive_by_fingerprint(v["holder"].as_str().unwrap());
    let other = derive_by_fingerprint(v["other"].as_str().unwrap());
    let records = hex_field(&v, "records");
    assert_eq!(
        records_of(&v),
        records,
        "the keys and the records name the same messages"
    );
    assert_eq!(
        ack_signed_message(&holder.public().fingerprint(), &records).unwrap(),
        hex_field(&v, "signed"),
        "the signed format changed"
    );
    let signature = hex_field(&v, "signature");
    assert!(verify(holder.public(), &records, &signature));
    assert!(
        !verify(other.public(), &records, &signature),
        "another member's name"
    );
    assert!(
        !verify(holder.public(), &records[..ACK_KEY_LEN], &signature),
        "a key left out"
    );
    let mut reordered = records[ACK_KEY_LEN..].to_vec();
    reordered.extend_from_slice(&records[..ACK_KEY_LEN]);
    assert!(
        !verify(holder.public(), &reordered, &signature),
        "keys reordered"
    );
    let mut forged = signature.clone();
    forged[10] ^= 1;
    assert!(
        !verify(holder.public(), &records, &forged),
        "a changed signature"
    );
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_committed_acknowledgement_verifies_natively_for_its_holder_and_keys_only() {
    check_committed(|who, keys, signature| verify_ack(who, keys, signature).is_ok());
    let v = ack_file();
    let holder = derive_by_fingerprint(v["holder"].as_str().unwrap());
    let records = hex_field(&v, "records");
    let fresh = sign_ack(&holder, &records).unwrap();
    verify_ack(holder.public(), &records, &fresh).unwrap();
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::*;
    use wasm_bindgen_test::*;
    use worker::{WebSession, sign_ack_with, verify_ack_with};

    wasm_bindgen_test_configure!(run_in_dedicated_worker);

    #[wasm_bindgen_test]
    async fn webcrypto_verifies_the_committed_acknowledgement_and_signs_what_rust_verifies() {
        let v = ack_file();
        let holder = derive_by_fingerprint(v["holder"].as_str().unwrap());
        let web = WebSession::from_identity(derive_by_fingerprint(v["holder"].as_str().unwrap()))
            .await
            .unwrap();
        let records = hex_field(&v, "records");
        let signature = hex_field(&v, "signature");
        // The WebCrypto path, case by case (the closure of check_committed is synchronous).
        let crypto = web.crypto();
        verify_ack_with(crypto, holder.public(), &records, &signature)
            .await
            .unwrap();
        let other = derive_by_fingerprint(v["other"].as_str().unwrap());
        assert!(
            verify_ack_with(crypto, other.public(), &records, &signature)
                .await
                .is_err()
        );
        assert!(
            verify_ack_with(crypto, holder.public(), &records[..ACK_KEY_LEN], &signature)
                .await
                .is_err()
        );
        // The pure-Rust path compiled to WASM checks the same vectors.
        check_committed(|who, keys, signature| verify_ack(who, keys, signature).is_ok());
        // WebCrypto signs, pure Rust verifies; pure Rust signs, WebCrypto verifies.
        let signed = sign_ack_with(crypto, web.holder(), &records).await.unwrap();
        verify_ack(holder.public(), &records, &signed).unwrap();
        let signed = sign_ack(&holder, &records).unwrap();
        verify_ack_with(crypto, holder.public(), &records, &signed)
            .await
            .unwrap();
    }
}
