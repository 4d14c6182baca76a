//! Length hiding: plaintexts are padded to size buckets before encryption so
//! that ciphertext sizes reveal only a coarse bucket, not the exact length.
//!
//! ```text
//! padded = u32be(len) ‖ content ‖ zeros
//! bucket = max(256, next power of two ≥ len + 4)      up to 64 KiB
//!        = next multiple of 64 KiB ≥ len + 4           above
//! ```

use zeroize::Zeroizing;

use crate::{Error, Result};

/// Smallest bucket.
pub const MIN_BUCKET: usize = 256;
/// Above this, buckets grow linearly in steps of this size.
pub const LINEAR_STEP: usize = 64 * 1024;
/// Largest content an envelope or a signalling blob may carry.
pub const MAX_CONTENT: usize = 1024 * 1024 - 4;

/// The padded size for `len` content bytes.
pub fn bucket(len: usize) -> usize {
    let needed = len + 4;
    if needed <= LINEAR_STEP {
        needed.next_power_of_two().max(MIN_BUCKET)
    } else {
        needed.div_ceil(LINEAR_STEP) * LINEAR_STEP
    }
}

/// Pads `content` to its bucket.
pub fn pad(content: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if content.len() > MAX_CONTENT {
        return Err(Error::TooLarge {
            what: "content",
            limit: MAX_CONTENT,
        });
    }
    let len = u32::try_from(content.len()).expect("MAX_CONTENT fits in u32");
    let mut out = Zeroizing::new(Vec::with_capacity(bucket(content.len())));
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(content);
    out.resize(bucket(content.len()), 0);
    Ok(out)
}

/// Removes padding. The padding must be zeros and the length must be the one
/// `pad` would have produced, so every plaintext has exactly one encoding.
pub fn unpad(padded: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let Some((len, rest)) = padded.split_first_chunk::<4>() else {
        return Err(Error::Malformed("padding too short"));
    };
    let len = u32::from_be_bytes(*len) as usize;
    if len > rest.len() || bucket(len) != padded.len() {
        return Err(Error::Malformed("padding length"));
    }
    let (content, zeros) = rest.split_at(len);
    if zeros.iter().any(|b| *b != 0) {
        return Err(Error::Malformed("padding is not zeros"));
    }
    Ok(Zeroizing::new(content.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_grow_in_powers_of_two_then_linearly() {
        assert_eq!(bucket(0), 256);
        assert_eq!(bucket(252), 256);
        assert_eq!(bucket(253), 512);
        assert_eq!(bucket(65_532), 65_536);
        assert_eq!(bucket(65_533), 131_072);
        assert_eq!(bucket(200_000), 262_144);
    }

    #[test]
    fn pad_then_unpad_is_identity() {
        for len in [0, 1, 252, 253, 5000, 70_000] {
            let content = vec![7u8; len];
            assert_eq!(
                unpad(&pad(&content).unwrap()).unwrap().as_slice(),
                &content[..]
            );
        }
    }

    #[test]
    fn nonzero_padding_or_wrong_length_is_rejected() {
        let mut padded = pad(b"hi").unwrap();
        padded[10] = 1;
        assert!(unpad(&padded).is_err());
        let mut padded = pad(b"hi").unwrap();
        padded[3] = 255;
        assert!(unpad(&padded).is_err());
        assert!(unpad(&[0, 0]).is_err());
    }

    #[test]
    fn oversized_content_is_refused() {
        assert!(matches!(
            pad(&vec![0; MAX_CONTENT + 1]),
            Err(Error::TooLarge { .. })
        ));
    }
}
