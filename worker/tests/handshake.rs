//! The handshake state machine and session frames, natively: honest peers
//! agree on keys; impostors, men in the middle, replays and misuse fail.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use worker::{
    AwaitingFinish, AwaitingHello, Channel, Error, Identity, Role, SessionKeys, Start, Verified,
};
use x25519_dalek::{PublicKey, StaticSecret};

const ROOM: [u8; 32] = [0x11; 32];

struct Side<'a> {
    identity: &'a Identity,
    secret: StaticSecret,
    dtls_local: [u8; 32],
    dtls_remote: [u8; 32],
}

fn side<'a>(identity: &'a Identity, seed: u8, dtls_local: u8, dtls_remote: u8) -> Side<'a> {
    Side {
        identity,
        secret: StaticSecret::from([seed; 32]),
        dtls_local: [dtls_local; 32],
        dtls_remote: [dtls_remote; 32],
    }
}

fn start(side: &Side<'_>, role: Role) -> (AwaitingHello, Vec<u8>) {
    let handshake = AwaitingHello::start(Start {
        role,
        announce_id: ROOM,
        identity: side.identity.public(),
        instance: [role as u8; 16],
        ephemeral: PublicKey::from(&side.secret).to_bytes(),
        dtls_local: side.dtls_local,
        dtls_remote: side.dtls_remote,
    })
    .unwrap();
    let hello = handshake.hello().to_vec();
    (handshake, hello)
}

/// `side`'s finish, once the peer's hello checked out.
fn finish(side: &Side<'_>, handshake: &AwaitingFinish) -> Result<Vec<u8>, Error> {
    Ok(AwaitingFinish::finish(
        &side.identity.sign(&handshake.to_sign())?,
    ))
}

/// Both halves after verified finishes.
fn verified_pair(offerer: &Side<'_>, answerer: &Side<'_>) -> (Verified, Verified) {
    let (o, hello_o) = start(offerer, Role::Offerer);
    let (a, hello_a) = start(answerer, Role::Answerer);
    let o = o.receive_hello(&hello_a, |_| true).unwrap();
    let a = a.receive_hello(&hello_o, |_| true).unwrap();
    let (finish_o, finish_a) = (finish(offerer, &o).unwrap(), finish(answerer, &a).unwrap());
    let o = o.receive_finish(&finish_a).unwrap().verify().unwrap();
    let a = a.receive_finish(&finish_o).unwrap().verify().unwrap();
    (o, a)
}

/// Runs both halves; each side accepts only the other's identity.
fn run(offerer: &Side<'_>, answerer: &Side<'_>) -> Result<(SessionKeys, SessionKeys), Error> {
    let allow_o = answerer.identity.public().fingerprint();
    let allow_a = offerer.identity.public().fingerprint();
    let (o, hello_o) = start(offerer, Role::Offerer);
    let (a, hello_a) = start(answerer, Role::Answerer);
    let o = o.receive_hello(&hello_a, |fp| *fp == allow_o)?;
    let a = a.receive_hello(&hello_o, |fp| *fp == allow_a)?;
    let (finish_o, finish_a) = (finish(offerer, &o)?, finish(answerer, &a)?);
    let o = o.receive_finish(&finish_a)?.verify()?;
    let a = a.receive_finish(&finish_o)?.verify()?;
    let shared_o = offerer
        .secret
        .diffie_hellman(&PublicKey::from(o.peer().ephemeral))
        .to_bytes();
    let shared_a = answerer
        .secret
        .diffie_hellman(&PublicKey::from(a.peer().ephemeral))
        .to_bytes();
    Ok((o.session_keys(&shared_o)?, a.session_keys(&shared_a)?))
}

fn identities() -> (Identity, Identity, Identity) {
    let v = identity_file().vectors;
    (derive(&v[0]), derive(&v[1]), derive(&v[4]))
}

#[test]
fn honest_peers_agree_on_mirrored_session_keys() {
    let (alice, bob, _) = identities();
    let (o, a) = run(&side(&alice, 1, 0xa, 0xb), &side(&bob, 2, 0xb, 0xa)).unwrap();
    assert_eq!(o.session_id, a.session_id);
    assert_eq!(o.send, a.receive);
    assert_eq!(o.receive, a.send);
    assert_ne!(o.send, o.receive);
}

#[test]
fn frames_flow_both_ways_and_replays_or_reordering_are_rejected() {
    let (alice, bob, _) = identities();
    let (o, a) = run(&side(&alice, 1, 0xa, 0xb), &side(&bob, 2, 0xb, 0xa)).unwrap();
    let mut offerer = Channel::new(o, Role::Offerer);
    let mut answerer = Channel::new(a, Role::Answerer);
    let first = offerer.seal(b"one").unwrap();
    let second = offerer.seal(b"two").unwrap();
    assert_eq!(answerer.open(&first).unwrap().as_slice(), b"one");
    let reply = answerer.seal(b"back").unwrap();
    assert_eq!(offerer.open(&reply).unwrap().as_slice(), b"back");
    assert_eq!(
        answerer.open(&first).err(),
        Some(Error::FrameRejected),
        "replay"
    );
    // A rejected frame ends the session for good: nothing more opens or seals.
    assert_eq!(answerer.open(&second).err(), Some(Error::FrameRejected));
    assert_eq!(answerer.seal(b"more").err(), Some(Error::FrameRejected));

    let (o, a) = run(&side(&alice, 3, 0xa, 0xb), &side(&bob, 4, 0xb, 0xa)).unwrap();
    let mut offerer = Channel::new(o, Role::Offerer);
    let mut answerer = Channel::new(a, Role::Answerer);
    let first = offerer.seal(b"one").unwrap();
    let second_new = offerer.seal(b"two").unwrap();
    assert_eq!(
        answerer.open(&second_new).err(),
        Some(Error::FrameRejected),
        "reordered"
    );
    assert!(
        answerer.open(&first).is_err(),
        "a rejected session stays broken"
    );
    assert_eq!(
        answerer.open(&second).err(),
        Some(Error::FrameRejected),
        "frame of another session"
    );
}

#[test]
fn an_impostor_with_a_valid_key_is_refused_by_identity() {
    let (alice, bob, mallory) = identities();
    let (_, hello_o) = start(&side(&mallory, 5, 0xa, 0xb), Role::Offerer);
    let (a, _) = start(&side(&bob, 2, 0xb, 0xa), Role::Answerer);
    let alice_fp = alice.public().fingerprint();
    let error = a.receive_hello(&hello_o, |fp| *fp == alice_fp).unwrap_err();
    assert_eq!(
        error,
        Error::UnexpectedPeer(mallory.public().fingerprint().to_hex())
    );
    assert_eq!(error.code(), "unexpected-peer");
}

#[test]
fn a_man_in_the_middle_with_other_dtls_fingerprints_is_detected() {
    let (alice, bob, _) = identities();
    // Alice sees (her cert a, remote m1); Bob sees (his cert b, remote m2).
    let result = run(&side(&alice, 1, 0xa, 0x01), &side(&bob, 2, 0xb, 0x02));
    assert_eq!(result.err(), Some(Error::ChannelBinding));
}

#[test]
fn a_finish_signed_for_another_session_does_not_verify() {
    let (alice, bob, _) = identities();
    let alice_side = side(&alice, 1, 0xa, 0xb);
    let bob_side = side(&bob, 2, 0xb, 0xa);
    let bob_fp = bob.public().fingerprint();
    // An old session between the same two people...
    let (old_o, _) = start(&alice_side, Role::Offerer);
    let (_, old_hello_a) = start(&bob_side, Role::Answerer);
    let old_o = old_o
        .receive_hello(&old_hello_a, |fp| *fp == bob_fp)
        .unwrap();
    let old_finish = finish(&alice_side, &old_o).unwrap();
    // ...cannot lend its finish to a new one: nonces and ephemeral keys differ.
    let (a, _) = start(&bob_side, Role::Answerer);
    let (_, new_hello_o) = start(&alice_side, Role::Offerer);
    let a = a
        .receive_hello(&new_hello_o, |fp| *fp == alice.public().fingerprint())
        .unwrap();
    let verifying = a.receive_finish(&old_finish).unwrap();
    assert_eq!(verifying.verify().unwrap_err(), Error::BadSignature);
}

#[test]
fn two_devices_of_one_identity_meet_where_their_own_identity_is_allowed() {
    let (alice, _, _) = identities();
    // Two devices: the same identity, their own ephemeral keys and DTLS certificates.
    let (o, a) = run(&side(&alice, 1, 0xa, 0xb), &side(&alice, 2, 0xb, 0xa)).unwrap();
    assert_eq!(o.session_id, a.session_id);
    assert_eq!(o.send, a.receive);
}

#[test]
fn misuse_of_the_state_machine_fails_cleanly() {
    // Steps out of order do not compile (see handshake.rs); what remains is
    // input that does not fit the step it is given to.
    let (alice, bob, _) = identities();
    let (o, hello_o) = start(&side(&alice, 1, 0xa, 0xb), Role::Offerer);
    let (o2, _) = start(&side(&bob, 2, 0xb, 0xa), Role::Offerer);
    // Both offerers: refused.
    assert!(o2.receive_hello(&hello_o, |_| true).is_err());
    // Our own identity where only others are allowed (a contact's room): refused.
    let alice_fp = alice.public().fingerprint();
    let (_, reflected) = start(&side(&alice, 1, 0xb, 0xa), Role::Answerer);
    assert!(matches!(
        o.receive_hello(&reflected, |fp| *fp != alice_fp),
        Err(Error::UnexpectedPeer(_))
    ));
    // Our own offerer hello reflected back: refused whatever is allowed.
    let (o3, hello_o3) = start(&side(&alice, 1, 0xa, 0xb), Role::Offerer);
    assert!(o3.receive_hello(&hello_o3, |_| true).is_err());
    // A finish where the hello belongs, truncated hellos: refused, though
    // the whole hello is accepted by the same side.
    let answerer = side(&bob, 2, 0xb, 0xa);
    let (fresh, _) = start(&answerer, Role::Answerer);
    assert_eq!(
        fresh.receive_hello(&[2, 1, 0, 7], |_| true).unwrap_err(),
        Error::Malformed("expected a handshake hello")
    );
    for len in 0..hello_o.len() {
        let (fresh, _) = start(&answerer, Role::Answerer);
        assert!(fresh.receive_hello(&hello_o[..len], |_| true).is_err());
    }
    let (fresh, _) = start(&answerer, Role::Answerer);
    assert!(fresh.receive_hello(&hello_o, |_| true).is_ok());
}

#[test]
fn a_zero_shared_secret_is_refused() {
    let (alice, bob, _) = identities();
    let (o, _) = verified_pair(&side(&alice, 1, 0xa, 0xb), &side(&bob, 2, 0xb, 0xa));
    assert!(o.session_keys(&[0; 32]).is_err());
    assert!(o.session_keys(&[1; 32]).is_ok());
}

#[test]
fn the_provider_exchange_runs_the_same_handshake_end_to_end() {
    use worker::{Connection, Exchange, RustCrypto, block_on};
    let alice = derive(&identity_file().vectors[0]);
    let bob = derive(&identity_file().vectors[1]);
    let connection = |role, local: u8, remote: u8| Connection {
        role,
        announce_id: ROOM,
        instance: [role as u8; 16],
        dtls_local: [local; 32],
        dtls_remote: [remote; 32],
    };
    let o = block_on(Exchange::start(
        &RustCrypto,
        alice.public(),
        connection(Role::Offerer, 1, 2),
    ))
    .unwrap();
    let a = block_on(Exchange::start(
        &RustCrypto,
        bob.public(),
        connection(Role::Answerer, 2, 1),
    ))
    .unwrap();
    let (hello_o, hello_a) = (o.hello().to_vec(), a.hello().to_vec());
    let bob_fp = bob.public().fingerprint();
    let alice_fp = alice.public().fingerprint();
    let (o, finish_o) =
        block_on(o.receive_hello(&RustCrypto, alice.holder().private, &hello_a, &[bob_fp]))
            .unwrap();
    assert_eq!(o.peer().identity.fingerprint(), bob_fp);
    let (a, finish_a) =
        block_on(a.receive_hello(&RustCrypto, bob.holder().private, &hello_o, &[alice_fp]))
            .unwrap();
    let (_, keys_o) = block_on(o.receive_finish(&RustCrypto, &finish_a)).unwrap();
    let (_, keys_a) = block_on(a.receive_finish(&RustCrypto, &finish_o)).unwrap();
    assert_eq!(keys_o.send, keys_a.receive);
    assert_eq!(keys_o.session_id, keys_a.session_id);
    // Frames flow with the channel made from those keys.
    let mut sender = Channel::new(keys_o, Role::Offerer);
    let mut receiver = Channel::new(keys_a, Role::Answerer);
    let frame = sender.seal(b"over the provider").unwrap();
    assert_eq!(
        receiver.open(&frame).unwrap().as_slice(),
        b"over the provider"
    );
    // An identity that is not allowed is refused by name.
    let o2 = block_on(Exchange::start(
        &RustCrypto,
        alice.public(),
        connection(Role::Offerer, 1, 2),
    ))
    .unwrap();
    let refused =
        block_on(o2.receive_hello(&RustCrypto, alice.holder().private, &hello_a, &[alice_fp]));
    assert_eq!(refused.unwrap_err(), Error::UnexpectedPeer(bob_fp.to_hex()));
}
