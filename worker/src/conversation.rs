//! The ids both sides of a conversation compute alike from fingerprints:
//! a pair's conversation, a group and a group's conversation.

use sha2::{Digest, Sha256};

use crate::labels;
use crate::public_identity::Fingerprint;

/// The id of the conversation between two identities:
/// `SHA-256("trustero/conversation/v1" ‖ min(fpA, fpB) ‖ max(fpA, fpB))`.
pub fn pair_conversation_id(a: &Fingerprint, b: &Fingerprint) -> [u8; 32] {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    Sha256::new()
        .chain_update(labels::PAIR_CONVERSATION)
        .chain_update(lo.0)
        .chain_update(hi.0)
        .finalize()
        .into()
}

/// A group's id, bound to its creator:
/// `SHA-256("trustero/group-id/v1" ‖ 0x00 ‖ creator_fp ‖ nonce)[..16]`.
///
/// Members recompute it from the descriptor's creator and nonce, so no one
/// else can ever claim to be the creator of that id (or of its conversation,
/// whose id derives from it).
pub fn group_id(creator: &Fingerprint, nonce: &[u8; 16]) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(labels::GROUP_ID)
        .chain_update([0u8])
        .chain_update(creator.0)
        .chain_update(nonce)
        .finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

/// The id of a group's conversation: `SHA-256("trustero/group-conversation/v1" ‖ group_id)`.
pub fn group_conversation_id(group_id: &[u8; 16]) -> [u8; 32] {
    Sha256::new()
        .chain_update(labels::GROUP_CONVERSATION)
        .chain_update(group_id)
        .finalize()
        .into()
}
