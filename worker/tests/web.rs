//! The same known-answer vectors, run in headless Chromium inside a dedicated
//! worker (where the real app runs): the browser must derive exactly the
//! identities native code derives, and the WebCrypto path must interoperate
//! with the pure-Rust path in both directions.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p worker --target wasm32-unknown-unknown`
//! (tests/run.sh does this).

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;
use worker::{
    Envelope, EnvelopeMeta, Error, Fingerprint, PublicIdentity, RoomTopic, VaultKey, WebSession,
    aead_seal, assemble_record, group_conversation_id, group_id, open_envelope,
    open_envelope_with_receipt, open_group, open_record, open_stored_envelope,
    record_associated_data, seal_envelope, seal_group, web_open_chunk, web_seal_chunk,
};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn browser_derives_the_same_identities_as_native_code() {
    for v in identity_file().vectors {
        let identity = derive(&v);
        assert_eq!(
            identity.public().fingerprint().to_hex(),
            v.fingerprint,
            "{}",
            v.note
        );
        assert_eq!(
            hex::encode(identity.vault_key().expose_bytes()),
            v.vault_key,
            "{}",
            v.note
        );
        assert_eq!(
            identity.mailbox_key().public_hex(),
            v.mailbox_key,
            "{}",
            v.note
        );
        assert_eq!(
            identity.profile_author_key().public_hex(),
            v.profile_author,
            "{}",
            v.note
        );
        assert_eq!(
            identity.public().spki(),
            unb64url(&v.spki).as_slice(),
            "{}",
            v.note
        );
    }
}

#[wasm_bindgen_test]
async fn webcrypto_session_opens_every_committed_envelope() {
    for v in envelopes() {
        let sender =
            PublicIdentity::from_spki(derive_by_fingerprint(&v.sender).public().spki()).unwrap();
        for recipient in &v.recipients {
            let session = WebSession::from_identity(derive_by_fingerprint(recipient))
                .await
                .unwrap();
            let (opened, _receipt) = session
                .open_envelope(&unhex(&v.envelope), &sender)
                .await
                .expect(&v.note);
            assert_eq!(
                opened.content.as_slice(),
                unhex(&v.content).as_slice(),
                "{}",
                v.note
            );
            assert_eq!(hex::encode(opened.header.message_id), v.message_id);
            assert_eq!(opened.header.lamport, v.lamport);
        }
    }
}

#[wasm_bindgen_test]
async fn webcrypto_and_pure_rust_envelopes_interoperate_both_ways() {
    let v = &envelopes()[0];
    let alice = derive_by_fingerprint(&v.sender);
    let bob = derive_by_fingerprint(&v.recipients[0]);
    let alice_web = WebSession::from_identity(derive_by_fingerprint(&v.sender))
        .await
        .unwrap();
    let bob_web = WebSession::from_identity(derive_by_fingerprint(&v.recipients[0]))
        .await
        .unwrap();
    let meta = EnvelopeMeta {
        message_id: [1; 16],
        conversation_id: [2; 32],
        timestamp_ms: 3,
        lamport: 4,
    };

    // WebCrypto seals (RSA-PSS signature, OAEP wraps, AES-GCM), pure Rust opens.
    let sealed = alice_web
        .seal_envelope(&[bob.public().clone()], &meta, b"from webcrypto")
        .await
        .unwrap();
    let opened = open_envelope(&sealed, alice.public(), &bob).unwrap();
    assert_eq!(opened.content.as_slice(), b"from webcrypto");

    // Pure Rust seals, WebCrypto opens.
    let sealed = seal_envelope(&alice, &[bob.public().clone()], &meta, b"from rust").unwrap();
    let (opened, receipt) = bob_web
        .open_envelope(&sealed, alice.public())
        .await
        .unwrap();
    assert_eq!(opened.content.as_slice(), b"from rust");

    // A receipt made by WebCrypto reopens natively, and the other way round.
    let stored = open_stored_envelope(&sealed, &receipt, bob.vault_key()).unwrap();
    assert_eq!(stored.content.as_slice(), b"from rust");
    let (_, native_receipt) = open_envelope_with_receipt(&sealed, alice.public(), &bob).unwrap();
    let stored = bob_web.open_stored(&sealed, &native_receipt).await.unwrap();
    assert_eq!(stored.content.as_slice(), b"from rust");
}

#[wasm_bindgen_test]
async fn webcrypto_reopens_stored_envelopes_with_the_committed_receipts() {
    for v in envelopes() {
        for (fingerprint, receipt) in &v.receipts {
            let session = WebSession::from_identity(derive_by_fingerprint(fingerprint))
                .await
                .unwrap();
            let opened = session
                .open_stored(&unhex(&v.envelope), &unhex(receipt))
                .await
                .expect(&v.note);
            assert_eq!(opened.content.as_slice(), unhex(&v.content).as_slice());
            let mut tampered = unhex(&v.envelope);
            tampered[100] ^= 1;
            assert!(
                session
                    .open_stored(&tampered, &unhex(receipt))
                    .await
                    .is_err()
            );
        }
    }
}

#[wasm_bindgen_test]
async fn webcrypto_rejects_tampered_and_misaddressed_envelopes() {
    let v = &envelopes()[0];
    let sender = derive_by_fingerprint(&v.sender);
    let bob_web = WebSession::from_identity(derive_by_fingerprint(&v.recipients[0]))
        .await
        .unwrap();
    let original = unhex(&v.envelope);
    for position in [0, 50, 160, 400, original.len() / 2, original.len() - 1] {
        let mut tampered = original.clone();
        tampered[position] ^= 0x80;
        assert!(
            bob_web
                .open_envelope(&tampered, sender.public())
                .await
                .is_err(),
            "flip at {position} accepted"
        );
    }
    let carol_web = WebSession::from_identity(derive_by_fingerprint(&envelopes()[1].recipients[1]))
        .await
        .unwrap();
    assert_eq!(
        carol_web
            .open_envelope(&original, sender.public())
            .await
            .err(),
        Some(Error::NotARecipient)
    );
    assert_eq!(
        bob_web
            .open_envelope(&original, bob_web.public())
            .await
            .err(),
        Some(Error::WrongSender)
    );
}

#[wasm_bindgen_test]
async fn vault_records_match_in_the_browser_on_both_paths() {
    let alice = derive(&identity_file().vectors[0]);
    let alice_web = WebSession::from_identity(derive(&identity_file().vectors[0]))
        .await
        .unwrap();
    for v in vaults() {
        let key = VaultKey::from_bytes(unhex(&v.vault_key).try_into().unwrap());
        assert_eq!(key.expose_bytes(), alice.vault_key().expose_bytes());
        let nonce: [u8; 12] = unhex(&v.nonce).try_into().unwrap();
        let aad = record_associated_data(v.context.as_bytes()).unwrap();
        let record = assemble_record(
            &nonce,
            &aead_seal(key.expose_bytes(), &nonce, &aad, &unhex(&v.plaintext)),
        );
        assert_eq!(hex::encode(&record), v.record);
        let opened = alice_web
            .vault_open(v.context.as_bytes(), &unhex(&v.record))
            .await
            .unwrap();
        assert_eq!(opened.as_slice(), unhex(&v.plaintext).as_slice());
        // WebCrypto seals, pure Rust opens.
        let sealed = alice_web
            .vault_seal(v.context.as_bytes(), &unhex(&v.plaintext))
            .await
            .unwrap();
        assert_eq!(
            open_record(&key, v.context.as_bytes(), &sealed)
                .unwrap()
                .as_slice(),
            unhex(&v.plaintext).as_slice()
        );
        assert_eq!(
            alice_web.vault_open(b"elsewhere", &sealed).await.err(),
            Some(Error::DecryptionFailed)
        );
    }
}

#[wasm_bindgen_test]
fn room_topics_and_signal_blobs_match_in_the_browser() {
    for v in signals() {
        let topic = match v.kind.as_str() {
            "pair" => RoomTopic::pair(
                &Fingerprint::from_hex(v.fingerprint_a.as_deref().unwrap()).unwrap(),
                &Fingerprint::from_hex(v.fingerprint_b.as_deref().unwrap()).unwrap(),
                v.room_password.as_deref().unwrap(),
            )
            .unwrap(),
            _ => RoomTopic::group(
                &unhex(v.group_id.as_deref().unwrap()).try_into().unwrap(),
                &unhex(v.group_secret.as_deref().unwrap())
                    .try_into()
                    .unwrap(),
            ),
        };
        assert_eq!(hex::encode(topic.expose_bytes()), v.topic);
        assert_eq!(hex::encode(topic.announce_id()), v.announce_id);
        assert_eq!(
            topic.signal_key().open(&unhex(&v.blob)).unwrap().as_slice(),
            unhex(&v.plaintext).as_slice()
        );
    }
}

mod peers {
    use super::*;
    use js_sys::Uint8Array;
    use std::rc::Rc;
    use worker::{Connection, Role, Subtle, WebChannel, WebHandshake, derive_session_keys};

    const ROOM: [u8; 32] = [0x22; 32];

    fn connection(role: Role, local: u8, remote: u8) -> Connection {
        Connection {
            role,
            announce_id: ROOM,
            instance: [role as u8 + 1; 16],
            dtls_local: [local; 32],
            dtls_remote: [remote; 32],
        }
    }

    async fn session(index: usize) -> Rc<WebSession> {
        Rc::new(
            WebSession::from_identity(derive(&identity_file().vectors[index]))
                .await
                .unwrap(),
        )
    }

    /// Runs a WebCrypto handshake; returns each side's channel or error.
    async fn handshake(
        offerer: Rc<WebSession>,
        answerer: Rc<WebSession>,
        dtls: (u8, u8, u8, u8),
    ) -> (worker::Result<WebChannel>, worker::Result<WebChannel>) {
        let allow_o = vec![answerer.public().fingerprint()];
        let allow_a = vec![offerer.public().fingerprint()];
        let o = WebHandshake::start(offerer, connection(Role::Offerer, dtls.0, dtls.1))
            .await
            .unwrap();
        let a = WebHandshake::start(answerer, connection(Role::Answerer, dtls.2, dtls.3))
            .await
            .unwrap();
        let hello_o = o.hello().to_vec();
        let hello_a = a.hello().to_vec();
        let (o, finish_o) = match o.receive_hello(&hello_a, &allow_o).await {
            Ok(next) => next,
            Err(e) => return (Err(e.clone()), Err(e)),
        };
        let (a, finish_a) = match a.receive_hello(&hello_o, &allow_a).await {
            Ok(next) => next,
            Err(e) => return (Err(e.clone()), Err(e)),
        };
        (
            o.receive_finish(&finish_a).await,
            a.receive_finish(&finish_o).await,
        )
    }

    async fn seal(channel: &mut WebChannel, text: &[u8]) -> Vec<u8> {
        let pending = channel.prepare_seal(text.len()).unwrap();
        pending
            .seal(&Uint8Array::from(text))
            .await
            .unwrap()
            .to_vec()
    }

    async fn open(channel: &mut WebChannel, frame: &[u8]) -> worker::Result<Vec<u8>> {
        let pending = channel.prepare_open(frame.len())?;
        pending
            .open(&Uint8Array::from(frame))
            .await
            .map(|b| b.to_vec())
    }

    #[wasm_bindgen_test]
    async fn webcrypto_x25519_matches_rfc_7748() {
        let x = &handshake_file()["x25519"];
        let subtle = Subtle::get().unwrap();
        let mut pkcs8 = unhex("302e020100300506032b656e04220420");
        pkcs8.extend(hex_field(x, "alice_secret"));
        let alice = subtle.import_x25519_private(&pkcs8).await.unwrap();
        let shared = subtle
            .x25519(&alice, &array32(hex_field(x, "bob_public")))
            .await
            .unwrap();
        assert_eq!(shared.to_vec(), hex_field(x, "shared"));
    }

    #[wasm_bindgen_test]
    async fn webcrypto_frames_match_the_committed_vectors() {
        let file = handshake_file();
        let s = &file["session"];
        let th = array32(hex_field(s, "transcript_hash"));
        let shared = array32(hex_field(s, "shared"));
        let subtle = Subtle::get().unwrap();
        let peer = PublicIdentity::from_spki(&unb64url(&identity_file().vectors[1].spki)).unwrap();
        let mut sender = WebChannel::new(
            &subtle,
            &derive_session_keys(&th, &shared, Role::Offerer),
            Role::Offerer,
            peer.clone(),
            [0; 16],
        )
        .await
        .unwrap();
        let mut receiver = WebChannel::new(
            &subtle,
            &derive_session_keys(&th, &shared, Role::Answerer),
            Role::Answerer,
            peer,
            [0; 16],
        )
        .await
        .unwrap();
        for frame in file["frames"].as_array().unwrap() {
            assert_eq!(
                seal(&mut sender, &hex_field(frame, "plaintext")).await,
                hex_field(frame, "frame")
            );
            assert_eq!(
                open(&mut receiver, &hex_field(frame, "frame"))
                    .await
                    .unwrap(),
                hex_field(frame, "plaintext")
            );
        }
    }

    #[wasm_bindgen_test]
    async fn webcrypto_handshake_authenticates_and_frames_flow_both_ways() {
        let (o, a) = handshake(session(0).await, session(1).await, (0xa, 0xb, 0xb, 0xa)).await;
        let (mut o, mut a) = (o.unwrap(), a.unwrap());
        assert_eq!(o.session_id(), a.session_id());
        assert_eq!(
            o.peer().fingerprint().to_hex(),
            identity_file().vectors[1].fingerprint
        );
        let frame = seal(&mut o, b"hello bob").await;
        assert_eq!(open(&mut a, &frame).await.unwrap(), b"hello bob");
        let reply = seal(&mut a, b"hi alice").await;
        assert_eq!(open(&mut o, &reply).await.unwrap(), b"hi alice");
        // A replayed frame is rejected and the session stays broken.
        assert_eq!(open(&mut a, &frame).await.err(), Some(Error::FrameRejected));
        let next = seal(&mut o, b"more").await;
        assert_eq!(open(&mut a, &next).await.err(), Some(Error::FrameRejected));
    }

    #[wasm_bindgen_test]
    async fn webcrypto_handshake_rejects_impostors_and_men_in_the_middle() {
        // Mallory (vectors[4]) answers where bob (vectors[1]) was expected.
        let alice = session(0).await;
        let mallory = session(4).await;
        let o = WebHandshake::start(alice, connection(Role::Offerer, 0xa, 0xb))
            .await
            .unwrap();
        let m = WebHandshake::start(Rc::clone(&mallory), connection(Role::Answerer, 0xb, 0xa))
            .await
            .unwrap();
        let bob_fp = Fingerprint::from_hex(&identity_file().vectors[1].fingerprint).unwrap();
        let error = o.receive_hello(m.hello(), &[bob_fp]).await.unwrap_err();
        assert_eq!(
            error,
            Error::UnexpectedPeer(mallory.public().fingerprint().to_hex())
        );

        // Different DTLS views on the two sides: someone terminates both.
        let (o, a) = handshake(session(0).await, session(1).await, (0xa, 0x01, 0xb, 0x02)).await;
        assert_eq!(o.err(), Some(Error::ChannelBinding));
        assert_eq!(a.err(), Some(Error::ChannelBinding));
    }
}

#[wasm_bindgen_test]
async fn webcrypto_file_chunks_match_the_committed_vectors() {
    use js_sys::Uint8Array;
    let chat = chat_file();
    let f = &chat["file"];
    let key = array32(hex_field(f, "key"));
    let file_id: [u8; 16] = hex_field(f, "file_id").try_into().unwrap();
    for chunk in f["chunks"].as_array().unwrap() {
        let index = chunk["index"].as_u64().unwrap();
        let last = chunk["last"].as_bool().unwrap();
        let plaintext = Uint8Array::from(hex_field(chunk, "plaintext").as_slice());
        let sealed = web_seal_chunk(&key, &file_id, index, last, &plaintext)
            .await
            .unwrap();
        assert_eq!(sealed.to_vec(), hex_field(chunk, "ciphertext"));
        let opened = web_open_chunk(&key, &file_id, index, last, &sealed)
            .await
            .unwrap();
        assert_eq!(opened.to_vec(), hex_field(chunk, "plaintext"));
        assert!(
            web_open_chunk(&key, &file_id, index + 1, last, &sealed)
                .await
                .is_err()
        );
    }
    let c = &chat["conversations"];
    let group: [u8; 16] = hex_field(&c["group"], "group_id").try_into().unwrap();
    assert_eq!(
        group_conversation_id(&group).to_vec(),
        hex_field(&c["group"], "id")
    );
    for vector in chat["group_ids"].as_array().unwrap() {
        let creator = Fingerprint::from_hex(vector["creator"].as_str().unwrap()).unwrap();
        let nonce: [u8; 16] = hex_field(vector, "nonce").try_into().unwrap();
        assert_eq!(group_id(&creator, &nonce).to_vec(), hex_field(vector, "id"));
    }
}

#[wasm_bindgen_test]
fn hostile_clock_fields_are_refused_in_the_browser_too() {
    let hostile = hostile_file();
    for vector in hostile["envelopes"].as_array().unwrap() {
        let decoded = Envelope::decode(&hex_field(vector, "envelope"));
        assert_eq!(
            decoded.is_ok(),
            vector["accepted"].as_bool().unwrap(),
            "{}",
            vector["note"]
        );
    }
}

#[wasm_bindgen_test]
fn mailbox_wraps_deletions_and_fragments_match_in_the_browser() {
    check_mailbox_formats();
}

#[wasm_bindgen_test]
fn wrap_times_reveal_only_the_retention_and_never_link_fragments_in_the_browser() {
    check_wrap_times(250);
}

#[wasm_bindgen_test]
fn profile_records_match_the_committed_vectors() {
    check_profile_formats();
}

#[wasm_bindgen_test]
async fn webcrypto_opens_the_committed_mailbox_seal_and_its_seals_open_natively() {
    use worker::{open_mailbox_seal, open_mailbox_seal_with, seal_for_mailbox_with};
    let v = mailbox_file();
    let s = &v["seal"];
    let alice = derive_by_fingerprint(s["sender"].as_str().unwrap());
    let bob = derive_by_fingerprint(s["other"].as_str().unwrap());
    let alice_web = WebSession::from_identity(derive_by_fingerprint(s["sender"].as_str().unwrap()))
        .await
        .unwrap();
    let recipient = array32(hex_field(&v, "recipient_public"));
    let seal = hex_field(s, "bytes");
    let crypto = alice_web.crypto();
    let (kind, payload) = open_mailbox_seal_with(crypto, &seal, alice.public(), &recipient)
        .await
        .unwrap();
    assert_eq!((kind, payload.to_vec()), ("env", hex_field(s, "payload")));
    assert!(matches!(
        open_mailbox_seal_with(crypto, &seal, bob.public(), &recipient).await,
        Err(Error::WrongSender)
    ));
    assert!(
        open_mailbox_seal_with(crypto, &seal, alice.public(), &[0u8; 32])
            .await
            .is_err()
    );
    // WebCrypto seals (RSA-PSS), pure Rust opens.
    let sealed = seal_for_mailbox_with(crypto, alice_web.holder(), &recipient, "ack", b"{}")
        .await
        .unwrap();
    assert_eq!(
        open_mailbox_seal(&sealed, alice.public(), &recipient).unwrap(),
        ("ack", &b"{}"[..])
    );
}

#[wasm_bindgen_test]
async fn webcrypto_opens_the_committed_group_envelopes_and_interoperates_both_ways() {
    let file = group_file();
    let alice = derive_by_fingerprint(file["sender"].as_str().unwrap());
    let bob = derive_by_fingerprint(file["opener"].as_str().unwrap());
    let alice_web =
        WebSession::from_identity(derive_by_fingerprint(file["sender"].as_str().unwrap()))
            .await
            .unwrap();
    let bob_web =
        WebSession::from_identity(derive_by_fingerprint(file["opener"].as_str().unwrap()))
            .await
            .unwrap();
    let key = group_sender_key();
    for v in file["vectors"].as_array().unwrap() {
        let bytes = hex_field(v, "envelope");
        let (opened, _) = bob_web
            .open_group_envelope(&bytes, alice.public(), &key)
            .await
            .unwrap();
        assert_eq!(
            opened.content.as_slice(),
            hex_field(v, "content").as_slice()
        );
        let stored = bob_web
            .open_stored(&bytes, &hex_field(v, "receipt_bob"))
            .await
            .unwrap();
        assert_eq!(
            stored.content.as_slice(),
            hex_field(v, "content").as_slice()
        );
    }
    let meta = EnvelopeMeta {
        message_id: [1; 16],
        conversation_id: [2; 32],
        timestamp_ms: 3,
        lamport: 4,
    };
    // WebCrypto seals, pure Rust opens; and the other way round.
    let sealed = alice_web
        .seal_group_envelope(&key, &meta, b"from webcrypto")
        .await
        .unwrap();
    let (opened, _) = open_group(&sealed, alice.public(), &key, &bob).unwrap();
    assert_eq!(opened.content.as_slice(), b"from webcrypto");
    let sealed = seal_group(&alice, &key, &meta, b"from rust").unwrap();
    let (opened, _) = bob_web
        .open_group_envelope(&sealed, alice.public(), &key)
        .await
        .unwrap();
    assert_eq!(opened.content.as_slice(), b"from rust");
    let mut tampered = sealed.clone();
    tampered[sealed.len() / 2] ^= 1;
    assert!(
        bob_web
            .open_group_envelope(&tampered, alice.public(), &key)
            .await
            .is_err()
    );
}
