//! `PeerHandshake` and `SecureChannel`: one peer connection's handshake and
//! its authenticated frames.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{bytes, set};
use crate::Error;
use crate::handshake::{AwaitingFinish, AwaitingHello};
use crate::hex_lower;
use crate::public_identity::Fingerprint;
use crate::web::{WebChannel, WebHandshake};

fn peer_object(channel: &WebChannel) -> Object {
    let result = Object::new();
    set(
        &result,
        "fingerprint",
        channel.peer().fingerprint().to_hex(),
    );
    set(&result, "spki", bytes(channel.peer().spki()));
    set(&result, "instance", hex_lower(&channel.peer_instance()));
    set(&result, "sessionId", hex_lower(&channel.session_id()));
    result
}

/// Where a handshake in progress stands, and so which call may come next.
#[derive(Debug)]
enum Stage {
    /// Our hello is out: `receiveHello` is next.
    AwaitingHello(WebHandshake<AwaitingHello>),
    /// Our finish is out: `receiveFinish` is next.
    AwaitingFinish(WebHandshake<AwaitingFinish>),
    /// A step is running, or the handshake failed or finished.
    Taken,
}

/// One side of a peer handshake in progress.
#[wasm_bindgen]
#[derive(Debug)]
pub struct PeerHandshake {
    hello: Vec<u8>,
    stage: Rc<RefCell<Stage>>,
}

impl PeerHandshake {
    pub(super) fn new(handshake: WebHandshake<AwaitingHello>) -> Self {
        PeerHandshake {
            hello: handshake.hello().to_vec(),
            stage: Rc::new(RefCell::new(Stage::AwaitingHello(handshake))),
        }
    }

    /// Takes the handshake out for a step, which puts back the next stage
    /// if it succeeds.
    fn take(&self) -> Result<Stage, JsValue> {
        match core::mem::replace(&mut *self.stage.borrow_mut(), Stage::Taken) {
            Stage::Taken => Err(JsValue::from(Error::Malformed(
                "handshake step already in progress or finished",
            ))),
            stage => Ok(stage),
        }
    }
}

#[wasm_bindgen]
impl PeerHandshake {
    /// Our hello message, to send first.
    #[wasm_bindgen(getter)]
    pub fn hello(&self) -> Result<Uint8Array, JsValue> {
        if matches!(*self.stage.borrow(), Stage::Taken) {
            return Err(JsValue::from(Error::Malformed(
                "handshake already finished",
            )));
        }
        Ok(bytes(&self.hello))
    }

    /// Checks the peer's hello; `allowed` lists the fingerprints (hex) that may
    /// connect. Resolves to `{finish: Uint8Array, fingerprint}`; rejects with
    /// `unexpected-peer` or `channel-binding` when the peer must be dropped.
    #[wasm_bindgen(js_name = receiveHello)]
    pub fn receive_hello(&self, hello: Vec<u8>, allowed: Vec<String>) -> Promise {
        let taken = self.take();
        let slot = Rc::clone(&self.stage);
        future_to_promise(async move {
            let stage = taken?;
            let allowed: Vec<Fingerprint> = allowed
                .iter()
                .map(|fp| Fingerprint::from_hex(fp))
                .collect::<Result<_, _>>()?;
            let Stage::AwaitingHello(handshake) = stage else {
                return Err(Error::Malformed("unexpected handshake hello").into());
            };
            let (handshake, finish) = handshake.receive_hello(&hello, &allowed).await?;
            let fingerprint = handshake.peer().identity.fingerprint().to_hex();
            *slot.borrow_mut() = Stage::AwaitingFinish(handshake);
            let result = Object::new();
            set(&result, "finish", bytes(&finish));
            set(&result, "fingerprint", fingerprint);
            Ok(result.into())
        })
    }

    /// Verifies the peer's finish. Resolves to a `SecureChannel`.
    #[wasm_bindgen(js_name = receiveFinish)]
    pub fn receive_finish(&self, finish: Vec<u8>) -> Promise {
        let taken = self.take();
        future_to_promise(async move {
            let Stage::AwaitingFinish(handshake) = taken? else {
                return Err(Error::Malformed("unexpected handshake finish").into());
            };
            let channel = handshake.receive_finish(&finish).await?;
            let peer = peer_object(&channel);
            Ok(SecureChannel {
                inner: Rc::new(RefCell::new(channel)),
                peer,
            }
            .into())
        })
    }
}

/// An authenticated peer session: seals and opens its frames in order.
#[wasm_bindgen]
#[derive(Debug)]
pub struct SecureChannel {
    inner: Rc<RefCell<WebChannel>>,
    peer: Object,
}

#[wasm_bindgen]
impl SecureChannel {
    /// `{fingerprint, spki, instance, sessionId}` of the authenticated peer.
    #[wasm_bindgen(getter)]
    pub fn peer(&self) -> Object {
        self.peer.clone()
    }

    /// Seals the next frame. Call in sending order; the counter is taken at
    /// call time, so await results in the same order.
    pub fn seal(&self, plaintext: Uint8Array) -> Promise {
        let pending = self
            .inner
            .borrow_mut()
            .prepare_seal(plaintext.length() as usize);
        future_to_promise(async move {
            let sealed = pending?.seal(&plaintext).await?;
            Ok(sealed.into())
        })
    }

    /// Opens the next frame, in arrival order. A rejected frame breaks the
    /// session for good (`frame-rejected`): reconnect.
    pub fn open(&self, frame: Uint8Array) -> Promise {
        let pending = self
            .inner
            .borrow_mut()
            .prepare_open(frame.length() as usize);
        let channel = Rc::clone(&self.inner);
        future_to_promise(async move {
            match pending?.open(&frame).await {
                Ok(opened) => Ok(opened.into()),
                Err(error) => {
                    channel.borrow_mut().break_session();
                    Err(JsValue::from(error))
                }
            }
        })
    }
}
