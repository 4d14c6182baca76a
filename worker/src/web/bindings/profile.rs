//! The roaming profile's methods of `Session`: seal a record into an event
//! only this identity's devices can read, and open such events from relays.

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::convert::{bytes, set, whole_number};
use super::mailbox::{event_from, event_object};
use super::session::Session;

#[wasm_bindgen]
impl Session {
    /// The profile's author key (x-only, hex): what our devices subscribe to.
    #[wasm_bindgen(getter, js_name = profileAuthor)]
    pub fn profile_author(&self) -> String {
        self.inner.profile().author_hex()
    }

    /// The kind-30078 event carrying `record` (bytes) under `recordId`,
    /// created at `now` (Unix seconds; a later one replaces it on relays).
    #[wasm_bindgen(js_name = profileSeal)]
    pub fn profile_seal(
        &self,
        record_id: String,
        record: &[u8],
        now: f64,
    ) -> Result<Object, JsValue> {
        let event = self
            .inner
            .profile()
            .seal(&record_id, record, whole_number(now, "now")?)?;
        Ok(event_object(&event))
    }

    /// Opens a profile event a relay sent: `{recordId, record, legacy}`, or
    /// an error when it is not ours, altered or malformed. `legacy`: sealed
    /// before the profile's keys were separated (content version 1), so
    /// worth sealing again with `profileSeal`.
    #[wasm_bindgen(js_name = profileOpen)]
    pub fn profile_open(&self, event: JsValue) -> Result<Object, JsValue> {
        let opened = self.inner.profile().open(&event_from(&event)?)?;
        let result = Object::new();
        set(&result, "recordId", opened.id);
        set(&result, "record", bytes(&opened.record));
        set(&result, "legacy", opened.legacy);
        Ok(result)
    }
}
