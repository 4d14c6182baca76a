// Call messages, renegotiation messages and their checks, without a browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCallMessage } from '../../templates/js/calls/calls.js';
import { createNegotiator, MAX_RTC_MESSAGE, parseRtcMessage } from '../../templates/js/calls/negotiation.js';
import { callSummary } from '../../templates/js/chat/content.js';

const utf8 = (value) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const ID = '0123456789abcdef0123456789abcdef';
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');
const sdp = (fingerprint) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\na=fingerprint:sha-256 ${fingerprint}\r\n`;

test('call messages with a known op and a 128-bit hex id are accepted', () => {
  assert.deepEqual(parseCallMessage(utf8({ op: 'invite', id: ID, conv: 'c', video: true, members: [] })), { op: 'invite', id: ID, conv: 'c', video: true, members: [] });
  assert.equal(parseCallMessage(utf8({ op: 'hangup', id: ID })).op, 'hangup');
});

test('malformed, unknown or oversized call messages are dropped', () => {
  for (const bad of [
    utf8('not json'),
    utf8({ op: 'explode', id: ID }),
    utf8({ op: 'accept', id: 'short' }),
    utf8({ op: 'accept', id: ID.toUpperCase() }),
    utf8({ op: 'accept' }),
    utf8(null),
    utf8({ op: 'invite', id: ID, pad: 'x'.repeat(20_000) }),
  ]) assert.equal(parseCallMessage(bad), null);
});

test('renegotiation messages: descriptions and candidates pass, anything else is refused', () => {
  assert.deepEqual(parseRtcMessage(utf8({ description: { type: 'offer', sdp: 'v=0' } })), { description: { type: 'offer', sdp: 'v=0' } });
  assert.deepEqual(parseRtcMessage(utf8({ candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0' } })),
    { candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: null } });
  for (const bad of [
    utf8({ description: { type: 'rollback', sdp: '' } }),
    utf8({ description: { type: 'offer', sdp: 42 } }),
    utf8({ candidate: { candidate: 7 } }),
    utf8({ hello: 1 }),
    utf8('{'),
    new Uint8Array(MAX_RTC_MESSAGE + 1),
  ]) assert.throws(() => parseRtcMessage(bad), { code: 'malformed' });
});

/** A link and connection just real enough for the negotiator. */
function fakeLink({ remoteDtls, role = 'answerer' }) {
  const pc = new EventTarget();
  pc.signalingState = 'stable';
  pc.applied = [];
  pc.setRemoteDescription = async (description) => {
    pc.applied.push(description.type);
    pc.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
  };
  pc.setLocalDescription = async () => {
    pc.localDescription = { type: pc.signalingState === 'have-remote-offer' ? 'answer' : 'offer', sdp: sdp(FINGERPRINT) };
    pc.signalingState = 'stable';
  };
  const link = {
    pc, role, remoteDtls, sent: [], closed: null,
    send: async (type, bytes) => link.sent.push([type, JSON.parse(new TextDecoder().decode(bytes))]),
    close: (reason) => { link.closed = reason; },
  };
  return link;
}

const hexOf = (fingerprint) => fingerprint.replaceAll(':', '').toLowerCase();

test('an offer keeping the authenticated DTLS certificate is answered over the session', async () => {
  const link = fakeLink({ remoteDtls: hexOf(FINGERPRINT) });
  const negotiator = createNegotiator(link);
  await negotiator.receive(utf8({ description: { type: 'offer', sdp: sdp(FINGERPRINT) } }));
  assert.deepEqual(link.pc.applied, ['offer']);
  assert.equal(link.sent.length, 1);
  assert.equal(link.sent[0][0], 'rtc');
  assert.equal(link.sent[0][1].description.type, 'answer');
  assert.equal(link.closed, null);
});

test('a description naming another DTLS certificate drops the connection and applies nothing', async () => {
  const other = FINGERPRINT.replace(/^00/, 'FF');
  const link = fakeLink({ remoteDtls: hexOf(FINGERPRINT) });
  let tampered = 0;
  const negotiator = createNegotiator(link, { onTampered: () => { tampered += 1; } });
  await negotiator.receive(utf8({ description: { type: 'offer', sdp: sdp(other) } }));
  await negotiator.receive(utf8({ description: { type: 'answer', sdp: 'v=0\r\n' } }));
  assert.deepEqual(link.pc.applied, []);
  assert.equal(link.closed, 'channel-binding');
  assert.equal(tampered, 2);
  assert.equal(link.sent.length, 0);
});

test('when both sides offer at once, the impolite side ignores the other offer', async () => {
  const link = fakeLink({ remoteDtls: hexOf(FINGERPRINT), role: 'offerer' });
  const negotiator = createNegotiator(link);
  link.pc.signalingState = 'have-local-offer'; // our own offer is out
  await negotiator.receive(utf8({ description: { type: 'offer', sdp: sdp(FINGERPRINT) } }));
  assert.deepEqual(link.pc.applied, []);
  assert.equal(link.sent.length, 0);
});

test('call history lines read right from each side', () => {
  const ended = { t: 'call', video: true, outcome: 'ended', durationMs: 83_400 };
  assert.equal(callSummary(ended, true), 'Outgoing video call · 1:23');
  assert.equal(callSummary(ended, false), 'Incoming video call · 1:23');
  assert.equal(callSummary(ended), 'Video call · 1:23');
  const missed = { t: 'call', video: false, outcome: 'missed', durationMs: 0 };
  assert.equal(callSummary(missed, true), 'Voice call, no answer');
  assert.equal(callSummary(missed, false), 'Missed voice call');
  const declined = { t: 'call', video: false, outcome: 'declined' };
  assert.equal(callSummary(declined, true), 'Voice call declined');
  assert.equal(callSummary(declined, false), 'You declined a voice call');
});

