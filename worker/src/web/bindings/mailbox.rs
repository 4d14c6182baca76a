//! The mailbox methods of `Session`: wrap payloads for a contact's mailbox,
//! open wraps addressed to ours, check seals, delete our own wraps.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{bytes, set, whole_number};
use super::session::Session;
use crate::Error;
use crate::mailbox::{self, Fragment, Retention};
use crate::nostr::Event;
use crate::public_identity::PublicIdentity;
use crate::{decode_hex, hex_lower};

pub(super) fn event_object(event: &Event) -> Object {
    let object = Object::new();
    set(&object, "id", event.id.clone());
    set(&object, "pubkey", event.pubkey.clone());
    set(&object, "created_at", event.created_at as f64);
    set(&object, "kind", event.kind);
    let tags: Array = event
        .tags
        .iter()
        .map(|tag| {
            tag.iter()
                .map(|item| JsValue::from(item.as_str()))
                .collect::<Array>()
        })
        .collect();
    set(&object, "tags", tags);
    set(&object, "content", event.content.clone());
    set(&object, "sig", event.sig.clone());
    object
}

fn string_field(object: &JsValue, name: &str) -> Result<String, Error> {
    Reflect::get(object, &name.into())
        .ok()
        .and_then(|v| v.as_string())
        .ok_or(Error::Malformed("nostr event field"))
}

/// An event a relay sent, read defensively: every field must have its type.
pub(super) fn event_from(object: &JsValue) -> Result<Event, Error> {
    let number = |name: &str| {
        Reflect::get(object, &name.into())
            .ok()
            .and_then(|v| v.as_f64())
            .ok_or(Error::Malformed("nostr event field"))
    };
    let tags: Array = Reflect::get(object, &"tags".into())
        .ok()
        .and_then(|v| v.dyn_into().ok())
        .ok_or(Error::Malformed("nostr event tags"))?;
    if tags.length() > 16 {
        return Err(Error::Malformed("nostr event tags"));
    }
    let tags = tags
        .iter()
        .map(|tag| {
            let tag: Array = tag
                .dyn_into()
                .map_err(|_| Error::Malformed("nostr event tag"))?;
            tag.iter()
                .map(|item| item.as_string().ok_or(Error::Malformed("nostr event tag")))
                .collect::<Result<Vec<String>, Error>>()
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Event {
        id: string_field(object, "id")?,
        pubkey: string_field(object, "pubkey")?,
        created_at: whole_number(number("created_at")?, "nostr created_at")?,
        kind: u32::try_from(whole_number(number("kind")?, "nostr kind")?)
            .map_err(|_| Error::Malformed("nostr kind"))?,
        tags,
        content: string_field(object, "content")?,
        sig: string_field(object, "sig")?,
    })
}

#[wasm_bindgen]
impl Session {
    /// This identity's mailbox key (x-only, hex): what contacts address mail to.
    #[wasm_bindgen(getter, js_name = mailboxKey)]
    pub fn mailbox_key(&self) -> String {
        hex_lower(self.inner.mailbox().public())
    }

    /// Seals `payload` of type `kind` for the mailbox key `recipient` (hex)
    /// and wraps it in as many events as it takes, sent at `now` (Unix
    /// seconds) to wait `retentionDays` on relays: 1, 7, 14 or 30
    /// (`mailbox::RETENTION_DAYS`; anything else is refused with code
    /// `unsupported-retention`). Each wrap's `created_at` is `now` moved back
    /// at random by under two days, and its expiration that `created_at`
    /// plus the retention plus two days. Resolves to `[{event, nonce}]`.
    #[wasm_bindgen(js_name = mailboxWrap)]
    pub fn mailbox_wrap(
        &self,
        recipient: String,
        kind: String,
        payload: Vec<u8>,
        now: f64,
        retention_days: f64,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let recipient = decode_hex::<32>(&recipient, "mailbox key")?;
            let now = whole_number(now, "now")?;
            let retention =
                Retention::from_days(whole_number(retention_days, "mailbox retention days")?)?;
            let seal =
                mailbox::seal_with(inner.crypto(), inner.holder(), &recipient, &kind, &payload)
                    .await?;
            let result = Array::new();
            for wrapped in inner
                .mailbox()
                .wrap_seal(&recipient, &seal, now, retention)?
            {
                let item = Object::new();
                set(&item, "event", event_object(&wrapped.event));
                set(&item, "nonce", hex_lower(&wrapped.nonce));
                result.push(&item);
            }
            Ok(result.into())
        })
    }

    /// Opens a wrap a relay sent: `{bundle, index, count, data}` of the
    /// fragment inside. Throws unless it is a well-formed wrap addressed to us.
    #[wasm_bindgen(js_name = mailboxUnwrap)]
    pub fn mailbox_unwrap(&self, event: JsValue) -> Result<Object, JsValue> {
        let Fragment {
            bundle,
            index,
            count,
            data,
        } = self.inner.mailbox().unwrap(&event_from(&event)?)?;
        let result = Object::new();
        set(&result, "bundle", hex_lower(&bundle));
        set(&result, "index", index);
        set(&result, "count", count);
        set(&result, "data", bytes(&data));
        Ok(result)
    }

    /// The fingerprint a reassembled seal claims as its sender (unchecked).
    #[wasm_bindgen(js_name = mailboxSealSender)]
    pub fn mailbox_seal_sender(&self, seal: &[u8]) -> Result<String, JsValue> {
        Ok(mailbox::parse_seal(seal)?.sender.to_hex())
    }

    /// Checks that `senderSpki` sealed `seal` for our mailbox; resolves to
    /// `{type, payload}`.
    #[wasm_bindgen(js_name = mailboxOpenSeal)]
    pub fn mailbox_open_seal(&self, seal: Vec<u8>, sender_spki: Vec<u8>) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let sender = PublicIdentity::from_spki(&sender_spki)?;
            let (kind, payload) =
                mailbox::open_seal_with(inner.crypto(), &seal, &sender, inner.mailbox().public())
                    .await?;
            let result = Object::new();
            set(&result, "type", kind);
            set(&result, "payload", Uint8Array::from(payload));
            Ok(result.into())
        })
    }

    /// A NIP-09 deletion request for our wrap `wrapId`, made with its `nonce`.
    #[wasm_bindgen(js_name = mailboxDeletion)]
    pub fn mailbox_deletion(
        &self,
        nonce: String,
        wrap_id: String,
        now: f64,
    ) -> Result<Object, JsValue> {
        let nonce = decode_hex::<16>(&nonce, "wrap nonce")?;
        let event = self
            .inner
            .mailbox()
            .deletion(&nonce, &wrap_id, whole_number(now, "now")?)?;
        Ok(event_object(&event))
    }

    /// A NIP-42 authentication to `relay` answering `challenge`, by our mailbox key.
    #[wasm_bindgen(js_name = mailboxAuth)]
    pub fn mailbox_auth(
        &self,
        relay: String,
        challenge: String,
        now: f64,
    ) -> Result<Object, JsValue> {
        let event = self
            .inner
            .mailbox()
            .auth(&relay, &challenge, whole_number(now, "now")?)?;
        Ok(event_object(&event))
    }
}
