//! The JavaScript API of the worker: the only place with `#[wasm_bindgen]`,
//! one file per exported class (`session`, `room`, `peer`, `nostr`) and one
//! for free functions. Errors cross by `impl From<Error> for JsValue`
//! (`convert`), so `?` works across the boundary.

mod ack;
mod convert;
mod functions;
mod mailbox;
mod nostr;
mod peer;
mod profile;
mod room;
mod session;
