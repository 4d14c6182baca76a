//! Native timings for `tests/bench.sh` (printed as one JSON object):
//! `cargo run --release -p worker --example bench`.

use std::time::Instant;

use worker::{
    EnvelopeMeta, Identity, KeySize, aead_seal, open_envelope, open_envelope_with_receipt,
    open_stored_envelope, seal_envelope,
};

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn derive_times(bits: usize, users: usize) -> Vec<f64> {
    (0..users)
        .map(|i| {
            let start = Instant::now();
            Identity::derive(
                &format!("bench-user-{i}"),
                "zebra lantern orbit velvet quarry",
                KeySize::from_bits(bits).unwrap(),
            )
            .unwrap();
            ms(start)
        })
        .collect()
}

fn main() {
    let users: usize = std::env::var("BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let d2048 = derive_times(2048, users);
    let d3072 = derive_times(3072, users.min(3));
    let alice = Identity::derive(
        "bench-alice",
        "zebra lantern orbit velvet quarry",
        KeySize::Rsa2048,
    )
    .unwrap();
    let others: Vec<Identity> = (0..8)
        .map(|i| {
            Identity::derive(
                &format!("bench-peer-{i}"),
                "zebra lantern orbit velvet quarry",
                KeySize::Rsa2048,
            )
            .unwrap()
        })
        .collect();
    let bob = &others[0];
    let meta = EnvelopeMeta {
        message_id: [1; 16],
        conversation_id: [2; 32],
        timestamp_ms: 3,
        lamport: 4,
    };
    let text = vec![b'x'; 200];

    let time_seal_open = |recipients: &[Identity], rounds: usize| {
        let publics: Vec<_> = recipients.iter().map(|r| r.public().clone()).collect();
        let (mut seal, mut open) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let start = Instant::now();
            let sealed = seal_envelope(&alice, &publics, &meta, &text).unwrap();
            seal.push(ms(start));
            let start = Instant::now();
            open_envelope(&sealed, alice.public(), &recipients[0]).unwrap();
            open.push(ms(start));
        }
        (median(seal), median(open))
    };
    let (seal1, open1) = time_seal_open(std::slice::from_ref(bob), 20);
    let (seal8, open8) = time_seal_open(&others, 10);

    let stored: Vec<Vec<u8>> = (0..1000)
        .map(|_| seal_envelope(&alice, &[bob.public().clone()], &meta, &text).unwrap())
        .collect();
    let start = Instant::now();
    let receipts: Vec<Vec<u8>> = stored
        .iter()
        .map(|sealed| {
            open_envelope_with_receipt(sealed, alice.public(), bob)
                .unwrap()
                .1
        })
        .collect();
    let open1000 = ms(start);
    let start = Instant::now();
    for (sealed, receipt) in stored.iter().zip(&receipts) {
        open_stored_envelope(sealed, receipt, bob.vault_key()).unwrap();
    }
    let stored1000 = ms(start);

    let key = [7u8; 32];
    let nonce = [9u8; 12];
    let chunk = vec![0u8; 1 << 20];
    let start = Instant::now();
    let rounds = 64;
    for _ in 0..rounds {
        std::hint::black_box(aead_seal(&key, &nonce, b"", &chunk));
    }
    let aes_mb_s = rounds as f64 / start.elapsed().as_secs_f64();

    println!(
        "{{\"derive2048\":{:?},\"derive3072\":{:?},\"seal1\":{seal1},\"open1\":{open1},\"seal8\":{seal8},\"open8\":{open8},\"open1000\":{open1000},\"stored1000\":{stored1000},\"aesMBs\":{aes_mb_s}}}",
        d2048, d3072
    );
}
