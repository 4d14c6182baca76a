//! Prints the identity of a username and password: `cargo run --release -p worker --example derive -- USER PASS [BITS]`.
use worker::{Identity, KeySize};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (user, pass) = match (args.get(1), args.get(2)) {
        (Some(u), Some(p)) => (u, p),
        _ => return Err("usage: derive USER PASS [BITS]".into()),
    };
    let bits = args.get(3).map(|b| b.parse()).transpose()?.unwrap_or(2048);
    let started = std::time::Instant::now();
    let identity = Identity::derive(user, pass, KeySize::from_bits(bits)?)?;
    println!("fingerprint {}", identity.public().fingerprint().to_hex());
    println!("vault_key   {}", hex_string(identity.vault_key().expose_bytes()));
    println!("took        {:?}", started.elapsed());
    Ok(())
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
