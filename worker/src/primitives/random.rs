//! Secure randomness from the operating system, or `crypto.getRandomValues`
//! in the browser (getrandom's `wasm_js` backend).

use crate::{Error, Result};

/// A fresh array of random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| Error::Random)?;
    Ok(out)
}

/// The system RNG as a `rand_core` generator, for RSA padding and blinding.
pub fn rng() -> getrandom::SysRng {
    getrandom::SysRng
}
