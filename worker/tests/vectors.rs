//! Known-answer tests of every format, natively. `web.rs` runs the same
//! vectors in Chromium.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use worker::{
    Envelope, EnvelopeMeta, Error, Fingerprint, GROUP_VERSION, MAX_PADDED_CONTENT, NostrKey,
    PublicIdentity, RoomTopic, SenderKey, VaultKey, aead_seal, assemble_record, open_envelope,
    open_group, open_record, open_stored_envelope, record_associated_data, safety_number,
    seal_envelope, seal_group,
};

#[test]
fn identities_match_the_committed_vectors_including_the_design_example() {
    let file = identity_file();
    assert_eq!(
        file.vectors[0].fingerprint,
        "5a726205e44cabdc0165db63a475fdcc8f99d92d2161b0db0c4b11105b7c5efa",
        "identity.json must start with DESIGN.md's worked example"
    );
    for v in &file.vectors {
        let identity = derive(v);
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
        assert_eq!(identity.public().size().bits(), v.bits);
    }
}

#[test]
fn equivalent_spellings_give_the_same_identity() {
    let v = identity_file().vectors;
    let by_note = |needle: &str| v.iter().find(|x| x.note.contains(needle)).expect(needle);
    assert_eq!(
        by_note("envelope recipient").fingerprint,
        by_note("whitespace").fingerprint
    );
    assert_eq!(
        by_note("decomposed").fingerprint,
        by_note("composed form").fingerprint
    );
    assert_ne!(
        by_note("worked example").fingerprint,
        by_note("not trimmed").fingerprint
    );
}

#[test]
fn committed_public_keys_parse_and_keep_their_fingerprints() {
    for v in identity_file().vectors {
        let public = PublicIdentity::from_spki(&unb64url(&v.spki)).expect("vector SPKI parses");
        assert_eq!(public.fingerprint().to_hex(), v.fingerprint);
    }
}

#[test]
fn safety_numbers_match_and_are_symmetric() {
    for s in identity_file().safety_numbers {
        let a = Fingerprint::from_hex(&s.a).unwrap();
        let b = Fingerprint::from_hex(&s.b).unwrap();
        assert_eq!(safety_number(&a, &b), s.safety_number);
        assert_eq!(safety_number(&b, &a), s.safety_number);
    }
}

#[test]
fn every_recipient_opens_the_committed_envelopes() {
    for v in envelopes() {
        let sender = derive_by_fingerprint(&v.sender);
        for recipient in &v.recipients {
            let me = derive_by_fingerprint(recipient);
            let opened = open_envelope(&unhex(&v.envelope), sender.public(), &me).expect(&v.note);
            assert_eq!(
                opened.content.as_slice(),
                unhex(&v.content).as_slice(),
                "{}",
                v.note
            );
            let h = &opened.header;
            assert_eq!(hex::encode(h.message_id), v.message_id);
            assert_eq!(hex::encode(h.conversation_id), v.conversation_id);
            assert_eq!(h.sender.to_hex(), v.sender);
            assert_eq!(h.timestamp_ms, v.timestamp_ms);
            assert_eq!(h.lamport, v.lamport);
            let listed: Vec<String> = h
                .recipients
                .iter()
                .map(|r| r.fingerprint.to_hex())
                .collect();
            assert_eq!(listed, v.recipients);
        }
    }
}

#[test]
fn stored_envelopes_reopen_with_the_committed_receipts() {
    for v in envelopes() {
        assert_eq!(v.receipts.len(), v.recipients.len());
        for (fingerprint, receipt) in &v.receipts {
            let me = derive_by_fingerprint(fingerprint);
            let opened = open_stored_envelope(&unhex(&v.envelope), &unhex(receipt), me.vault_key())
                .expect(&v.note);
            assert_eq!(opened.content.as_slice(), unhex(&v.content).as_slice());
            assert_eq!(hex::encode(opened.header.message_id), v.message_id);
        }
    }
}

#[test]
fn a_receipt_opens_only_its_own_envelope_and_only_for_its_owner() {
    let all = envelopes();
    let v = &all[0];
    let bob = derive_by_fingerprint(&v.recipients[0]);
    let alice = derive_by_fingerprint(&v.sender);
    let receipt = unhex(&v.receipts[&v.recipients[0]]);
    let mut tampered = unhex(&v.envelope);
    tampered[30] ^= 1; // in the conversation id: still well formed, no longer what the receipt binds
    assert_eq!(
        open_stored_envelope(&tampered, &receipt, bob.vault_key()).err(),
        Some(Error::DecryptionFailed)
    );
    let other = unhex(&all[1].envelope);
    assert!(open_stored_envelope(&other, &receipt, bob.vault_key()).is_err());
    assert_eq!(
        open_stored_envelope(&unhex(&v.envelope), &receipt, alice.vault_key()).err(),
        Some(Error::DecryptionFailed),
        "another identity's vault key must not open bob's receipt"
    );
}

#[test]
fn vault_records_match_byte_for_byte() {
    for v in vaults() {
        let key = VaultKey::from_bytes(unhex(&v.vault_key).try_into().unwrap());
        let nonce: [u8; 12] = unhex(&v.nonce).try_into().unwrap();
        let aad = record_associated_data(v.context.as_bytes()).unwrap();
        let record = assemble_record(
            &nonce,
            &aead_seal(key.expose_bytes(), &nonce, &aad, &unhex(&v.plaintext)),
        );
        assert_eq!(hex::encode(&record), v.record);
        let opened = open_record(&key, v.context.as_bytes(), &unhex(&v.record)).unwrap();
        assert_eq!(opened.as_slice(), unhex(&v.plaintext).as_slice());
        assert_eq!(
            open_record(&key, b"another/slot", &unhex(&v.record)),
            Err(Error::DecryptionFailed),
            "a record moved to another context must not open"
        );
    }
}

fn topic_of(v: &SignalVector) -> RoomTopic {
    match v.kind.as_str() {
        "pair" => RoomTopic::pair(
            &Fingerprint::from_hex(v.fingerprint_a.as_deref().unwrap()).unwrap(),
            &Fingerprint::from_hex(v.fingerprint_b.as_deref().unwrap()).unwrap(),
            v.room_password.as_deref().unwrap(),
        )
        .unwrap(),
        "group" => RoomTopic::group(
            &unhex(v.group_id.as_deref().unwrap()).try_into().unwrap(),
            &unhex(v.group_secret.as_deref().unwrap())
                .try_into()
                .unwrap(),
        ),
        other => panic!("unknown signal vector kind {other}"),
    }
}

#[test]
fn room_topics_announce_ids_and_blobs_match() {
    for v in signals() {
        let topic = topic_of(&v);
        assert_eq!(hex::encode(topic.expose_bytes()), v.topic);
        assert_eq!(hex::encode(topic.announce_id()), v.announce_id);
        let opened = topic.signal_key().open(&unhex(&v.blob)).unwrap();
        assert_eq!(opened.as_slice(), unhex(&v.plaintext).as_slice());
    }
}

/// Flipping any single bit of an envelope must make opening fail, never
/// yield content and never panic.
#[test]
fn tampering_with_any_byte_of_an_envelope_is_rejected() {
    let v = &envelopes()[0];
    let sender = derive_by_fingerprint(&v.sender);
    let me = derive_by_fingerprint(&v.recipients[0]);
    let original = unhex(&v.envelope);
    // Every byte of the header, then a stride through ciphertext and signature.
    let positions = (0..200)
        .chain((200..original.len()).step_by(37))
        .chain([original.len() - 1]);
    for position in positions {
        let mut tampered = original.clone();
        tampered[position] ^= 0x01;
        let result = open_envelope(&tampered, sender.public(), &me);
        assert!(result.is_err(), "bit flip at byte {position} was accepted");
    }
}

#[test]
fn truncated_envelopes_are_malformed_at_every_length() {
    let original = unhex(&envelopes()[0].envelope);
    for len in 0..original.len() {
        assert!(
            Envelope::decode(&original[..len]).is_err(),
            "length {len} parsed"
        );
    }
    let mut longer = original.clone();
    longer.push(0);
    assert_eq!(
        Envelope::decode(&longer).err(),
        Some(Error::Malformed("bytes after the signature"))
    );
}

#[test]
fn an_envelope_claimed_by_another_sender_is_refused_before_decryption() {
    let v = &envelopes()[0];
    let me = derive_by_fingerprint(&v.recipients[0]);
    // The recipient's own key is a valid key, but not the sender's.
    let result = open_envelope(&unhex(&v.envelope), me.public(), &me);
    assert_eq!(result.err(), Some(Error::WrongSender));
}

#[test]
fn an_envelope_for_others_is_not_a_recipient_error() {
    let v = &envelopes()[0]; // alice -> bob
    let sender = derive_by_fingerprint(&v.sender);
    let carol = derive_by_fingerprint(&envelopes()[1].recipients[1]);
    assert!(
        !v.recipients
            .contains(&carol.public().fingerprint().to_hex())
    );
    let result = open_envelope(&unhex(&v.envelope), sender.public(), &carol);
    assert_eq!(result.err(), Some(Error::NotARecipient));
}

#[test]
fn a_forged_signature_is_rejected() {
    let v = &envelopes()[0];
    let sender = derive_by_fingerprint(&v.sender);
    let me = derive_by_fingerprint(&v.recipients[0]);
    let mut forged = unhex(&v.envelope);
    let len = forged.len();
    forged[len - 100..].fill(0x5a);
    assert_eq!(
        open_envelope(&forged, sender.public(), &me).err(),
        Some(Error::BadSignature)
    );
}

#[test]
fn sealing_round_trips_for_many_sizes_and_pads_to_buckets() {
    let alice = derive_by_fingerprint(&envelopes()[0].sender);
    let bob = derive_by_fingerprint(&envelopes()[0].recipients[0]);
    let meta = EnvelopeMeta {
        message_id: [9; 16],
        conversation_id: [8; 32],
        timestamp_ms: 1,
        lamport: 2,
    };
    let mut sizes_seen = std::collections::BTreeSet::new();
    for len in [0usize, 1, 200, 252, 253, 4000, 70_000] {
        let content = vec![0xa5; len];
        let sealed = seal_envelope(&alice, &[bob.public().clone()], &meta, &content).unwrap();
        sizes_seen.insert(sealed.len());
        let opened = open_envelope(&sealed, alice.public(), &bob).unwrap();
        assert_eq!(opened.content.as_slice(), content.as_slice());
        // The sender can read its own copy.
        assert!(open_envelope(&sealed, alice.public(), &alice).is_ok());
    }
    // 0, 1, 200 and 252 bytes share the smallest bucket.
    assert_eq!(sizes_seen.len(), 4);
}

#[test]
fn oversized_content_is_refused() {
    let alice = derive_by_fingerprint(&envelopes()[0].sender);
    let meta = EnvelopeMeta {
        message_id: [0; 16],
        conversation_id: [0; 32],
        timestamp_ms: 0,
        lamport: 0,
    };
    let huge = vec![0; MAX_PADDED_CONTENT + 1];
    assert!(matches!(
        seal_envelope(&alice, &[], &meta, &huge),
        Err(Error::TooLarge { .. })
    ));
}

#[test]
fn handshake_hello_encoding_session_keys_and_frames_match() {
    use worker::{Channel, Hello, Role, derive_session_keys};
    let file = handshake_file();
    let h = &file["hello"];
    let hello = Hello {
        role: Role::Offerer,
        instance: hex_field(h, "instance").try_into().unwrap(),
        nonce: array32(hex_field(h, "nonce")),
        ephemeral: array32(hex_field(h, "ephemeral")),
        dtls_local: array32(hex_field(h, "dtls_local")),
        dtls_remote: array32(hex_field(h, "dtls_remote")),
        spki: hex_field(h, "spki"),
    };
    assert_eq!(hello.encode(), hex_field(h, "encoded"));
    assert_eq!(Hello::decode(&hex_field(h, "encoded")).unwrap(), hello);

    let s = &file["session"];
    let th = array32(hex_field(s, "transcript_hash"));
    let shared = array32(hex_field(s, "shared"));
    let offerer = derive_session_keys(&th, &shared, Role::Offerer);
    let answerer = derive_session_keys(&th, &shared, Role::Answerer);
    assert_eq!(offerer.send.to_vec(), hex_field(s, "offerer_send"));
    assert_eq!(offerer.receive.to_vec(), hex_field(s, "offerer_receive"));
    assert_eq!(answerer.receive, offerer.send);

    let mut sender = Channel::new(offerer, Role::Offerer);
    let mut receiver = Channel::new(answerer, Role::Answerer);
    for frame in file["frames"].as_array().unwrap() {
        assert_eq!(
            sender.seal(&hex_field(frame, "plaintext")).unwrap(),
            hex_field(frame, "frame")
        );
        assert_eq!(
            receiver.open(&hex_field(frame, "frame")).unwrap().to_vec(),
            hex_field(frame, "plaintext")
        );
    }
}

#[test]
fn x25519_matches_rfc_7748() {
    let x = &handshake_file()["x25519"];
    let alice = x25519_dalek::StaticSecret::from(array32(hex_field(x, "alice_secret")));
    let bob_public = x25519_dalek::PublicKey::from(array32(hex_field(x, "bob_public")));
    assert_eq!(
        alice.diffie_hellman(&bob_public).to_bytes().to_vec(),
        hex_field(x, "shared")
    );
}

#[test]
fn nostr_event_ids_and_keys_match() {
    let n = &handshake_file()["nostr"];
    let key = NostrKey::from_bytes(&array32(hex_field(n, "secret"))).unwrap();
    let tags: Vec<Vec<String>> = serde_json::from_value(n["tags"].clone()).unwrap();
    let signed = key
        .sign_event(
            n["created_at"].as_u64().unwrap(),
            n["kind"].as_u64().unwrap() as u32,
            &tags,
            n["content"].as_str().unwrap(),
        )
        .unwrap();
    assert_eq!(signed.id, n["id"].as_str().unwrap());
    assert_eq!(signed.pubkey, n["pubkey"].as_str().unwrap());
}

#[test]
fn file_chunks_root_hashes_and_conversation_ids_match() {
    use sha2::Digest;
    use worker::{
        file_root, group_conversation_id, group_id, open_chunk, pair_conversation_id, seal_chunk,
    };
    let chat = chat_file();
    let f = &chat["file"];
    let key = array32(hex_field(f, "key"));
    let file_id: [u8; 16] = hex_field(f, "file_id").try_into().unwrap();
    let mut digests = Vec::new();
    for chunk in f["chunks"].as_array().unwrap() {
        let index = chunk["index"].as_u64().unwrap();
        let last = chunk["last"].as_bool().unwrap();
        let plaintext = hex_field(chunk, "plaintext");
        assert_eq!(
            seal_chunk(&key, &file_id, index, last, &plaintext).unwrap(),
            hex_field(chunk, "ciphertext")
        );
        assert_eq!(
            open_chunk(&key, &file_id, index, last, &hex_field(chunk, "ciphertext"))
                .unwrap()
                .to_vec(),
            plaintext
        );
        assert!(
            open_chunk(
                &key,
                &file_id,
                index,
                !last,
                &hex_field(chunk, "ciphertext")
            )
            .is_err(),
            "a truncated file is detected"
        );
        digests.push(<[u8; 32]>::from(sha2::Sha256::digest(&plaintext)));
    }
    assert_eq!(file_root(&digests).to_vec(), hex_field(f, "root"));
    let c = &chat["conversations"];
    let a = Fingerprint::from_hex(c["pair"]["a"].as_str().unwrap()).unwrap();
    let b = Fingerprint::from_hex(c["pair"]["b"].as_str().unwrap()).unwrap();
    assert_eq!(
        pair_conversation_id(&a, &b).to_vec(),
        hex_field(&c["pair"], "id")
    );
    assert_eq!(
        pair_conversation_id(&b, &a).to_vec(),
        hex_field(&c["pair"], "id")
    );
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

#[test]
fn hostile_clock_fields_are_refused_exactly_where_the_vectors_say() {
    let hostile = hostile_file();
    let bob = derive_by_fingerprint(hostile["recipient"].as_str().unwrap());
    let mallory = derive_by_fingerprint(hostile["sender"].as_str().unwrap());
    for vector in hostile["envelopes"].as_array().unwrap() {
        let bytes = hex_field(vector, "envelope");
        let accepted = vector["accepted"].as_bool().unwrap();
        let decoded = Envelope::decode(&bytes);
        assert_eq!(decoded.is_ok(), accepted, "{}", vector["note"]);
        if accepted {
            let opened = open_envelope(&bytes, mallory.public(), &bob).unwrap();
            assert_eq!(
                opened.header.lamport.to_string(),
                vector["lamport"].as_str().unwrap()
            );
        }
    }
}

#[test]
fn mailbox_wraps_deletions_and_fragments_match_the_committed_vectors() {
    check_mailbox_formats();
}

#[test]
fn wrap_times_reveal_only_the_retention_and_never_link_fragments() {
    check_wrap_times(1000);
}

#[test]
fn profile_records_match_the_committed_vectors() {
    check_profile_formats();
}

#[test]
fn the_committed_mailbox_seal_opens_only_for_its_sender_and_recipient() {
    use worker::open_mailbox_seal;
    let v = mailbox_file();
    let s = &v["seal"];
    let sender = PublicIdentity::from_spki(
        derive_by_fingerprint(s["sender"].as_str().unwrap())
            .public()
            .spki(),
    )
    .unwrap();
    let other = derive_by_fingerprint(s["other"].as_str().unwrap());
    let recipient = array32(hex_field(&v, "recipient_public"));
    let seal = hex_field(s, "bytes");
    let (kind, payload) = open_mailbox_seal(&seal, &sender, &recipient).unwrap();
    assert_eq!((kind, payload.to_vec()), ("env", hex_field(s, "payload")));
    assert!(matches!(
        open_mailbox_seal(&seal, other.public(), &recipient),
        Err(Error::WrongSender)
    ));
    assert!(
        open_mailbox_seal(&seal, &sender, &[0u8; 32]).is_err(),
        "bound to the recipient's mailbox key"
    );
    let mut forged = seal.clone();
    let at = forged.len() - 300;
    forged[at] ^= 1;
    assert!(open_mailbox_seal(&forged, &sender, &recipient).is_err());
}

#[test]
fn group_envelopes_open_with_the_committed_sender_key_and_content_keys() {
    let file = group_file();
    let sender = derive_by_fingerprint(file["sender"].as_str().unwrap());
    let bob = derive_by_fingerprint(file["opener"].as_str().unwrap());
    let key = group_sender_key();
    for v in file["vectors"].as_array().unwrap() {
        let message_id: [u8; 16] = hex_field(v, "message_id").try_into().unwrap();
        assert_eq!(
            key.content_key(&message_id).unwrap().to_vec(),
            hex_field(v, "content_key"),
            "the content key derivation changed"
        );
        let bytes = hex_field(v, "envelope");
        let (opened, _) = open_group(&bytes, sender.public(), &key, &bob).unwrap();
        assert_eq!(
            opened.content.as_slice(),
            hex_field(v, "content").as_slice()
        );
        assert_eq!(opened.header.version, GROUP_VERSION);
        assert_eq!(opened.header.message_id, message_id);
        assert_eq!(opened.header.key_id, Some(key.id()));
        assert!(opened.header.recipients.is_empty());
        let stored =
            open_stored_envelope(&bytes, &hex_field(v, "receipt_bob"), bob.vault_key()).unwrap();
        assert_eq!(
            stored.content.as_slice(),
            hex_field(v, "content").as_slice()
        );
    }
}

#[test]
fn a_group_envelope_opens_only_with_its_sender_key_and_its_sender() {
    let file = group_file();
    let sender = derive_by_fingerprint(file["sender"].as_str().unwrap());
    let bob = derive_by_fingerprint(file["opener"].as_str().unwrap());
    let key = group_sender_key();
    let bytes = hex_field(&file["vectors"][0], "envelope");
    // The next membership's key (same id: a forged id match) does not open it.
    let mut secret = *key.secret();
    secret[0] ^= 1;
    let rotated = SenderKey::from_parts(key.id(), secret);
    assert_eq!(
        open_group(&bytes, sender.public(), &rotated, &bob).err(),
        Some(Error::DecryptionFailed)
    );
    let other_id = SenderKey::from_parts([0; 16], *key.secret());
    assert_eq!(
        open_group(&bytes, sender.public(), &other_id, &bob).err(),
        Some(Error::WrongSenderKey)
    );
    assert_eq!(
        open_group(&bytes, bob.public(), &key, &bob).err(),
        Some(Error::WrongSender)
    );
    // Version 1 opening refuses it; any flipped bit is refused.
    assert_eq!(
        open_envelope(&bytes, sender.public(), &bob).err(),
        Some(Error::WrongSenderKey)
    );
    for i in (0..bytes.len()).step_by(7) {
        let mut tampered = bytes.clone();
        tampered[i] ^= 0x10;
        assert!(
            open_group(&tampered, sender.public(), &key, &bob).is_err(),
            "byte {i}"
        );
    }
    for len in 0..bytes.len() {
        assert!(Envelope::decode(&bytes[..len]).is_err());
    }
}

#[test]
fn group_envelopes_round_trip_and_cost_the_same_for_any_group_size() {
    let file = group_file();
    let alice = derive_by_fingerprint(file["sender"].as_str().unwrap());
    let bob = derive_by_fingerprint(file["opener"].as_str().unwrap());
    let key = SenderKey::generate().unwrap();
    let meta = EnvelopeMeta {
        message_id: [9; 16],
        conversation_id: [8; 32],
        timestamp_ms: 5,
        lamport: 6,
    };
    let sealed = seal_group(&alice, &key, &meta, b"to everyone").unwrap();
    // No recipient list: the size does not grow with the membership.
    assert!(sealed.len() < 16 + 300 + alice.public().size().bytes() + 200);
    let (opened, _) = open_group(&sealed, alice.public(), &key, &bob).unwrap();
    assert_eq!(opened.content.as_slice(), b"to everyone");
    let (own, _) = open_group(&sealed, alice.public(), &key, &alice).unwrap();
    assert_eq!(own.content.as_slice(), b"to everyone");
}
