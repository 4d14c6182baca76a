//! Mutation fuzzing of every decoder that takes bytes from a peer: the
//! envelope codec, handshake hellos and finishes, session frames, signalling
//! blobs, vault records and padding. No coverage-guided fuzzer runs on the
//! pinned stable toolchain without nightly features (cargo-fuzz needs
//! nightly, cargo-afl an LLVM plugin build), so this feeds each decoder
//! valid inputs mutated the way such fuzzers do — bit flips, interesting
//! integers in length fields, truncation, insertion, splicing — from a
//! deterministic generator.
//!
//! `tests/run.sh` runs a short pass; `bash tests/fuzz.sh [ITERATIONS]` a
//! long one (`TRUSTERO_FUZZ_ITERATIONS`, per target; default 20,000).
//! Checked for every input: no panic, and nothing decoded is larger than
//! the input it came from (no allocation beyond what the peer sent).

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use worker::{
    AwaitingFinish, AwaitingHello, Channel, Envelope, Hello, MAX_LAMPORT, MAX_RECIPIENTS, Role,
    RoomTopic, SessionKeys, Start, VaultKey, open_record, pad, seal_record, unpad,
};

fn iterations() -> usize {
    std::env::var("TRUSTERO_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}

/// xorshift64*: deterministic, so a failure reproduces with the same count.
struct Mutator(u64);

const INTERESTING: &[u64] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    (1 << 53) - 1,
    1 << 53,
    u64::MAX,
];

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn mutate(&mut self, seeds: &[Vec<u8>]) -> Vec<u8> {
        let mut data = seeds[self.below(seeds.len())].clone();
        for _ in 0..1 + self.below(4) {
            let len = data.len();
            match self.below(9) {
                0 if len > 0 => {
                    let at = self.below(len);
                    data[at] ^= 1 << self.below(8);
                }
                1 if len > 0 => {
                    let at = self.below(len);
                    data[at] = self.next() as u8;
                }
                2 if len > 0 => {
                    // An interesting integer, big-endian, of 1, 2, 4 or 8 bytes.
                    let width = [1, 2, 4, 8][self.below(4)];
                    let value = INTERESTING[self.below(INTERESTING.len())].to_be_bytes();
                    let at = self.below(len);
                    for (i, byte) in value[8 - width..].iter().enumerate() {
                        if let Some(slot) = data.get_mut(at + i) {
                            *slot = *byte;
                        }
                    }
                }
                3 => data.truncate(self.below(len + 1)),
                4 => {
                    let at = self.below(len + 1);
                    let extra: Vec<u8> =
                        (0..1 + self.below(16)).map(|_| self.next() as u8).collect();
                    data.splice(at..at, extra);
                }
                5 if len > 0 => {
                    let start = self.below(len);
                    let end = (start + 1 + self.below(64)).min(len);
                    data.drain(start..end);
                }
                6 if len > 0 => {
                    // Splice in a piece of another seed.
                    let other = &seeds[self.below(seeds.len())];
                    if !other.is_empty() {
                        let from = self.below(other.len());
                        let piece = other[from..(from + self.below(256)).min(other.len())].to_vec();
                        let at = self.below(len);
                        data.splice(at..at, piece);
                    }
                }
                7 => {
                    data = (0..self.below(2 * len + 64))
                        .map(|_| self.next() as u8)
                        .collect();
                }
                _ => data.push(self.next() as u8),
            }
        }
        data
    }
}

fn run(name: &str, seed: u64, seeds: &[Vec<u8>], mut check: impl FnMut(&[u8])) {
    let mut mutator = Mutator(seed);
    for seed in seeds {
        check(seed);
    }
    for n in 0..iterations() {
        let input = mutator.mutate(seeds);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&input)));
        assert!(
            outcome.is_ok(),
            "{name}: input {n} panicked: {}",
            identity_hex(&input)
        );
    }
}

fn identity_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

#[test]
fn envelope_decoder_survives_mutated_envelopes() {
    let mut seeds: Vec<Vec<u8>> = envelopes().iter().map(|v| unhex(&v.envelope)).collect();
    seeds.extend(
        hostile_file()["envelopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| hex_field(v, "envelope")),
    );
    run("envelope", 1, &seeds, |input| {
        if let Ok(envelope) = Envelope::decode(input) {
            let decoded = envelope.header_bytes().len()
                + envelope.ciphertext().len()
                + envelope.signature().len();
            assert!(decoded <= input.len());
            assert!(envelope.header().recipients.len() <= MAX_RECIPIENTS);
            assert!(envelope.header().lamport <= MAX_LAMPORT);
        }
    });
}

fn hello(role: Role) -> Hello {
    let spki = unb64url(&identity_file().vectors[0].spki);
    Hello {
        role,
        instance: [1; 16],
        nonce: [2; 32],
        ephemeral: [3; 32],
        dtls_local: [4; 32],
        dtls_remote: [5; 32],
        spki,
    }
}

#[test]
fn handshake_hello_decoder_survives_mutated_hellos() {
    let seeds = vec![
        hello(Role::Offerer).encode(),
        hello(Role::Answerer).encode(),
    ];
    run("hello", 2, &seeds, |input| {
        if let Ok(decoded) = Hello::decode(input) {
            assert!(decoded.spki.len() <= input.len());
        }
    });
}

#[test]
fn handshake_state_machine_survives_mutated_hellos_and_finishes() {
    let alice = derive(&identity_file().vectors[0]);
    let public = alice.public().clone();
    let seeds = vec![
        hello(Role::Answerer).encode(),
        AwaitingFinish::finish(&[7; 256]),
    ];
    let start = || {
        AwaitingHello::start(Start {
            role: Role::Offerer,
            announce_id: [9; 32],
            identity: &public,
            instance: [1; 16],
            ephemeral: [3; 32],
            dtls_local: [5; 32],
            dtls_remote: [4; 32],
        })
        .unwrap()
    };
    let mut mutator = Mutator(3);
    for n in 0..iterations() {
        let (handshake, other) = (start(), start());
        let first = mutator.mutate(&seeds);
        let second = mutator.mutate(&seeds);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            if let Ok(awaiting) = handshake.receive_hello(&first, |_| true)
                && let Ok(verifying) = awaiting.receive_finish(&second)
            {
                let _ = verifying.verify();
            }
            // Out of order: the second input (often a finish) as a hello.
            let _ = other.receive_hello(&second, |_| true);
        }));
        assert!(outcome.is_ok(), "handshake: inputs {n} panicked");
    }
}

#[test]
fn session_frames_survive_mutation_and_never_open_twice() {
    let keys = |send, receive| SessionKeys {
        send,
        receive,
        session_id: [3; 32],
    };
    let mut sender = Channel::new(keys([1; 32], [2; 32]), Role::Offerer);
    let seeds: Vec<Vec<u8>> = (0..4)
        .map(|i| sender.seal(&vec![i as u8; 40 * (i + 1)]).unwrap())
        .collect();
    run("channel", 4, &seeds, |input| {
        let mut receiver = Channel::new(keys([2; 32], [1; 32]), Role::Answerer);
        if let Ok(opened) = receiver.open(input) {
            assert!(opened.len() <= input.len());
            assert!(receiver.open(input).is_err(), "a frame opens only once");
        }
    });
}

#[test]
fn signalling_blobs_vault_records_and_padding_survive_mutation() {
    let topic = RoomTopic::from_bytes([7; 32]);
    let key = topic.signal_key();
    let blobs: Vec<Vec<u8>> = signals().iter().map(|v| unhex(&v.blob)).collect();
    let mut seeds = blobs.clone();
    seeds.push(key.seal(b"{\"kind\":\"offer\"}").unwrap());
    run("signal", 5, &seeds, |input| {
        if let Ok(opened) = key.open(input) {
            assert!(opened.len() <= input.len());
        }
    });
    let vault_key = VaultKey::from_bytes([8; 32]);
    let records = vec![seal_record(&vault_key, b"records/friends", b"[]").unwrap()];
    run("vault", 6, &records, |input| {
        if let Ok(opened) = open_record(&vault_key, b"records/friends", input) {
            assert!(opened.len() <= input.len());
        }
    });
    let padded = vec![pad(b"").unwrap().to_vec(), pad(&[1; 300]).unwrap().to_vec()];
    run("padding", 7, &padded, |input| {
        if let Ok(content) = unpad(input) {
            assert!(content.len() <= input.len());
        }
    });
}
