//! `Room`: a signalling room's announce id and the key of its blobs.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::convert::{array, bytes};
use crate::hex_lower;
use crate::signal::{RoomTopic, SignalKey};

/// A signalling room: its public announce id and the key of its blobs.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Room {
    pub(super) key: SignalKey,
    pub(super) announce_id: [u8; 32],
}

impl Room {
    pub(super) fn from_topic(topic: &RoomTopic) -> Self {
        Room {
            key: topic.signal_key(),
            announce_id: topic.announce_id(),
        }
    }
}

#[wasm_bindgen]
impl Room {
    /// The room of a group, from the 16-byte id and 32-byte secret of its invite.
    pub fn group(group_id: &[u8], group_secret: &[u8]) -> Result<Room, JsValue> {
        let id = array(group_id, "group id must be 16 bytes")?;
        let secret =
            zeroize::Zeroizing::new(array::<32>(group_secret, "group secret must be 32 bytes")?);
        Ok(Room::from_topic(&RoomTopic::group(&id, &secret)))
    }

    /// The public announce id as 64 hex digits (tracker info_hash = first 40).
    #[wasm_bindgen(getter, js_name = announceId)]
    pub fn announce_id(&self) -> String {
        hex_lower(&self.announce_id)
    }

    /// Seals a signalling message for this room.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Uint8Array, JsValue> {
        Ok(bytes(&self.key.seal(plaintext)?))
    }

    /// Opens a signalling blob of this room.
    pub fn open(&self, blob: &[u8]) -> Result<Uint8Array, JsValue> {
        Ok(bytes(&self.key.open(blob)?))
    }
}
