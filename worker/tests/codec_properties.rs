//! Property tests of the binary decoders: arbitrary input never panics, and
//! what the encoder writes the decoder reads back unchanged.

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use worker::envelope::{Envelope, EnvelopeMeta, Header, Recipient};
use worker::{Fingerprint, padding, signal::RoomTopic, vault};

fn header_strategy() -> impl Strategy<Value = Header> {
    (
        any::<[u8; 16]>(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        any::<u64>(),
        any::<u64>(),
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
                let recipients = recipients
                    .into_iter()
                    .map(|(fp, len)| Recipient {
                        fingerprint: Fingerprint(fp),
                        wrapped_key: vec![7; len],
                    })
                    .collect();
                Header::new(&meta, Fingerprint(sender), nonce, recipients)
            },
        )
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
        let ciphertext = vec![3u8; padding::bucket(bucket * 300) + 16];
        let bytes = Envelope::assemble(header.encode(), ciphertext.clone(), vec![9; sig]);
        let decoded = Envelope::decode(&bytes).expect("what we encode we decode");
        prop_assert_eq!(decoded.header(), &header);
        prop_assert_eq!(decoded.ciphertext(), ciphertext.as_slice());
        prop_assert_eq!(decoded.signature().len(), sig);
    }

    #[test]
    fn unpad_never_panics_and_pad_round_trips(content in prop::collection::vec(any::<u8>(), 0..3000), junk in prop::collection::vec(any::<u8>(), 0..600)) {
        let padded = padding::pad(&content).unwrap();
        let unpadded = padding::unpad(&padded).unwrap();
        prop_assert_eq!(unpadded.as_slice(), content.as_slice());
        let _ = padding::unpad(&junk);
    }

    #[test]
    fn vault_and_signal_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let key = worker::VaultKey::from_bytes([1; 32]);
        prop_assert!(vault::open(&key, b"ctx", &bytes).is_err());
        prop_assert!(RoomTopic::from_bytes([2; 32]).signal_key().open(&bytes).is_err());
    }
}
