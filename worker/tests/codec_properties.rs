//! Property tests of the binary decoders: arbitrary input never panics, and
//! what the encoder writes the decoder reads back unchanged.

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use worker::{
    Envelope, EnvelopeMeta, Fingerprint, Header, MAX_LAMPORT, MAX_TIMESTAMP_MS, Recipient,
    RoomTopic, open_record, pad, padding_bucket, unpad,
};

fn header_strategy() -> impl Strategy<Value = Header> {
    (
        any::<[u8; 16]>(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        0..=MAX_TIMESTAMP_MS,
        0..=MAX_LAMPORT,
        any::<[u8; 12]>(),
        prop::collection::btree_map(
            any::<[u8; 32]>(),
            prop::sample::select(vec![256usize, 384, 512]),
            1..6,
        ),
    )
        .prop_map(
            |(message_id, conversation_id, sender, timestamp_ms, lamport, nonce, recipients)| {
                let meta = EnvelopeMeta {
                    message_id,
                    conversation_id,
                    timestamp_ms,
                    lamport,
                };
                // The sender is always a recipient (its own copy).
                let mut recipients: Vec<Recipient> = recipients
                    .into_iter()
                    .filter(|(fp, _)| *fp != sender)
                    .map(|(fp, len)| Recipient {
                        fingerprint: Fingerprint(fp),
                        wrapped_key: vec![7; len],
                    })
                    .collect();
                recipients.truncate(5);
                recipients.push(Recipient {
                    fingerprint: Fingerprint(sender),
                    wrapped_key: vec![7; 256],
                });
                Header::new(&meta, Fingerprint(sender), nonce, recipients)
            },
        )
}

fn valid_header() -> Header {
    let meta = EnvelopeMeta {
        message_id: [1; 16],
        conversation_id: [2; 32],
        timestamp_ms: 1_790_000_000_000,
        lamport: 7,
    };
    let sender = Fingerprint([3; 32]);
    let recipients = vec![Recipient {
        fingerprint: sender,
        wrapped_key: vec![7; 256],
    }];
    Header::new(&meta, sender, [4; 12], recipients)
}

fn assemble(header: &Header) -> Vec<u8> {
    Envelope::assemble(header.encode(), vec![0; 256 + 16], vec![1; 256])
}

#[test]
fn header_clock_fields_out_of_javascript_range_are_refused() {
    assert!(Envelope::decode(&assemble(&valid_header())).is_ok());
    let mut late = valid_header();
    late.timestamp_ms = MAX_TIMESTAMP_MS + 1;
    assert_eq!(
        Envelope::decode(&assemble(&late)).unwrap_err(),
        worker::Error::Malformed("timestamp out of range")
    );
    let mut huge = valid_header();
    huge.lamport = MAX_LAMPORT + 1;
    assert_eq!(
        Envelope::decode(&assemble(&huge)).unwrap_err(),
        worker::Error::Malformed("lamport counter out of range")
    );
    let mut edge = valid_header();
    edge.timestamp_ms = MAX_TIMESTAMP_MS;
    edge.lamport = MAX_LAMPORT;
    assert!(Envelope::decode(&assemble(&edge)).is_ok());
}

#[test]
fn an_envelope_whose_sender_is_not_a_recipient_is_refused() {
    let mut header = valid_header();
    header.recipients[0].fingerprint = Fingerprint([9; 32]);
    assert_eq!(
        Envelope::decode(&assemble(&header)).unwrap_err(),
        worker::Error::Malformed("the sender is not a recipient")
    );
}

#[test]
fn sealing_refuses_clock_values_a_receiver_would_refuse() {
    let meta = EnvelopeMeta {
        message_id: [1; 16],
        conversation_id: [2; 32],
        timestamp_ms: 1,
        lamport: MAX_LAMPORT + 1,
    };
    assert!(meta.check().is_err());
    assert!(
        EnvelopeMeta {
            lamport: MAX_LAMPORT,
            ..meta
        }
        .check()
        .is_ok()
    );
}

proptest! {
    #[test]
    fn envelope_decoder_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = Envelope::decode(&bytes);
    }

    #[test]
    fn envelope_decoder_never_panics_on_corrupted_valid_prefixes(
        header in header_strategy(),
        cut in 0usize..2000,
        flip in any::<(usize, u8)>(),
    ) {
        let mut bytes = Envelope::assemble(header.encode(), vec![0; 256 + 16], vec![1; 256]);
        let at = flip.0 % bytes.len();
        bytes[at] ^= flip.1;
        bytes.truncate(cut.min(bytes.len()));
        let _ = Envelope::decode(&bytes);
    }

    #[test]
    fn envelope_encoding_round_trips(header in header_strategy(), bucket in 0usize..3, sig in prop::sample::select(vec![256usize, 384, 512])) {
        let ciphertext = vec![3u8; padding_bucket(bucket * 300) + 16];
        let bytes = Envelope::assemble(header.encode(), ciphertext.clone(), vec![9; sig]);
        let decoded = Envelope::decode(&bytes).expect("what we encode we decode");
        prop_assert_eq!(decoded.header(), &header);
        prop_assert_eq!(decoded.ciphertext(), ciphertext.as_slice());
        prop_assert_eq!(decoded.signature().len(), sig);
    }

    #[test]
    fn unpad_never_panics_and_pad_round_trips(content in prop::collection::vec(any::<u8>(), 0..3000), junk in prop::collection::vec(any::<u8>(), 0..600)) {
        let padded = pad(&content).unwrap();
        let unpadded = unpad(&padded).unwrap();
        prop_assert_eq!(unpadded.as_slice(), content.as_slice());
        let _ = unpad(&junk);
    }

    #[test]
    fn vault_and_signal_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let key = worker::VaultKey::from_bytes([1; 32]);
        prop_assert!(open_record(&key, b"ctx", &bytes).is_err());
        prop_assert!(RoomTopic::from_bytes([2; 32]).signal_key().open(&bytes).is_err());
    }
}
