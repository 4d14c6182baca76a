// What peers send, checked without a browser: message contents, group
// descriptors, file announcements and chunk frames, signalling blobs
// (replays, floods, stale offers) and DTLS fingerprints in descriptions.
// Each case is an attack a hostile contact, member or tracker could try.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkContent, checkFileInfo, checkGroupDescriptor, cleanDisplayName, FILE_CHUNK_SIZE, MAX_FILE_SIZE, MAX_GROUP_MEMBERS,
} from '../../templates/js/chat/content.js';
import { decodeChunkFrame, encodeChunkFrame } from '../../templates/js/chat/transfers.js';
import { dtlsFingerprint } from '../../templates/js/net/peer.js';
import { frameLimit } from '../../templates/js/net/protocol.js';

const hex = (n, c = 'a') => c.repeat(n);
const FP_A = hex(64, 'a');
const FP_B = hex(64, 'b');
const SPKI = 'M'.repeat(392);

const goodFile = () => ({
  t: 'file', fileId: hex(32, '1'), name: 'a.txt', size: 300_000, mime: 'text/plain', chunkSize: FILE_CHUNK_SIZE, chunks: 2,
  key: `${'A'.repeat(43)}=`, root: hex(64, '2'), thumb: null,
});
const goodGroup = () => ({
  id: hex(32, '3'), nonce: hex(32, '4'), secret: 'S'.repeat(43), name: 'Book club', creator: FP_A, epoch: 1,
  members: [{ fingerprint: FP_A, spki: SPKI }, { fingerprint: FP_B, spki: SPKI }],
});

test('well-formed contents pass with only their known fields', () => {
  assert.deepEqual(checkContent({ t: 'text', body: 'hi', extra: 'dropped' }), { t: 'text', body: 'hi' });
  assert.equal(checkContent({ t: 'text', body: 'hi', n: 'Ann' }).n, 'Ann');
  assert.equal(checkContent(goodFile()).fileId, hex(32, '1'));
  assert.equal(checkContent({ t: 'group-invite', group: goodGroup() }).group.members.length, 2);
  assert.deepEqual(checkContent({ t: 'call', video: true, outcome: 'ended', durationMs: 1000 }), { t: 'call', video: true, outcome: 'ended', durationMs: 1000 });
  assert.deepEqual(checkContent({ t: 'reaction-from-the-future', whatever: 1 }), { t: 'reaction-from-the-future' });
});

test('contents whose fields have the wrong type or size are refused', () => {
  for (const bad of [
    null, 'text', [], {}, { t: 5 }, { t: '' }, { t: 'x'.repeat(33) },
    { t: 'text' }, { t: 'text', body: 42 }, { t: 'text', body: 'x'.repeat(64_001) },
    { ...goodFile(), mime: 7 }, { ...goodFile(), mime: { startsWith: 1 } }, { ...goodFile(), mime: 'not a mime' },
    { ...goodFile(), name: ['a'] }, { ...goodFile(), thumb: 'javascript:alert(1)' },
    { t: 'group-invite', group: { ...goodGroup(), members: 'everyone' } },
    { t: 'group-update', group: { ...goodGroup(), members: {} } },
    { t: 'group-update' },
    { t: 'call', video: 'yes', outcome: 'ended' }, { t: 'call', video: true, outcome: 'exploded' },
    { t: 'call', video: true, outcome: 'ended', durationMs: -1 },
  ]) assert.equal(checkContent(bad), null, JSON.stringify(bad)?.slice(0, 80));
});

test('display names lose control and direction-override characters and are capped', () => {
  assert.equal(cleanDisplayName('  Ann\u202e\u0007 '), 'Ann');
  assert.equal(cleanDisplayName('x'.repeat(500)).length, 64);
  assert.equal(cleanDisplayName(42), '');
});

test('file announcements must use the protocol chunk size and a bounded size', () => {
  assert.ok(checkFileInfo(goodFile()));
  // chunkSize 1 would make a 64 MiB "file" 67 million chunks.
  assert.equal(checkFileInfo({ ...goodFile(), size: 64 << 20, chunkSize: 1, chunks: 64 << 20 }), null);
  assert.equal(checkFileInfo({ ...goodFile(), chunkSize: 4 << 20, chunks: 1 }), null);
  assert.equal(checkFileInfo({ ...goodFile(), size: MAX_FILE_SIZE + 1, chunks: Math.ceil((MAX_FILE_SIZE + 1) / FILE_CHUNK_SIZE) }), null);
  assert.equal(checkFileInfo({ ...goodFile(), chunks: 3 }), null);
  assert.equal(checkFileInfo({ ...goodFile(), size: 0, chunks: 0 }), null);
  assert.equal(checkFileInfo({ ...goodFile(), size: 1.5 }), null);
});

test('group descriptors must list their creator, distinct members and no more than the cap', () => {
  assert.ok(checkGroupDescriptor(goodGroup()));
  assert.equal(checkGroupDescriptor({ ...goodGroup(), nonce: undefined }), null, 'an id must be bound to a creator');
  assert.equal(checkGroupDescriptor({ ...goodGroup(), creator: hex(64, 'c') }), null);
  assert.equal(checkGroupDescriptor({ ...goodGroup(), members: [goodGroup().members[0], goodGroup().members[0]] }), null);
  const many = Array.from({ length: MAX_GROUP_MEMBERS + 1 }, (_, i) => ({ fingerprint: i.toString(16).padStart(64, '0'), spki: SPKI }));
  assert.equal(checkGroupDescriptor({ ...goodGroup(), members: [{ fingerprint: FP_A, spki: SPKI }, ...many] }), null);
  assert.equal(checkGroupDescriptor({ ...goodGroup(), epoch: 2 ** 53 }), null);
  // A member's mailbox key is optional, and must be 64 lowercase hex digits when given.
  const withMailbox = goodGroup();
  withMailbox.members[1].mailbox = 'ab'.repeat(32);
  assert.equal(checkGroupDescriptor(withMailbox).members[1].mailbox, 'ab'.repeat(32));
  withMailbox.members[1].mailbox = 'not a key';
  assert.equal(checkGroupDescriptor(withMailbox), null);
  withMailbox.members[1].mailbox = { key: 'ab'.repeat(32) };
  assert.equal(checkGroupDescriptor(withMailbox), null);
  // Names of members are the creator's words: they are not kept.
  const withNames = goodGroup();
  withNames.members[1].name = 'Your bank';
  assert.equal(checkGroupDescriptor(withNames).members[1].name, undefined);
});

test('chunk frames carry their owner, so another member cannot stand in for a file', () => {
  const sealed = Uint8Array.of(1, 2, 3);
  const frame = encodeChunkFrame(FP_A, hex(32, 'f'), 7, sealed);
  assert.deepEqual(decodeChunkFrame(frame), { owner: FP_A, fileId: hex(32, 'f'), index: 7, sealed });
  assert.equal(decodeChunkFrame(frame.subarray(0, 52)), null);
  assert.equal(decodeChunkFrame(new Uint8Array(10)), null);
});

test('only the frame types of the protocol table are accepted', () => {
  assert.ok(frameLimit('env') > 0);
  for (const unknown of ['test-blob', 'constructor', '__proto__', 'toString', '']) assert.equal(frameLimit(unknown), 0, unknown);
  assert.ok(frameLimit('file-chunk') < 300 * 1024, 'a chunk frame is one 256 KiB chunk, not megabytes');
});

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');
const OTHER = Array.from({ length: 32 }, () => 'AB').join(':');

test('a description naming two DTLS certificates is refused', () => {
  const sdp = (...lines) => ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', ...lines, ''].join('\r\n');
  assert.equal(dtlsFingerprint(sdp(`a=fingerprint:sha-256 ${FINGERPRINT}`)).length, 32);
  assert.throws(() => dtlsFingerprint(sdp(`a=fingerprint:sha-256 ${FINGERPRINT}`, 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', `a=fingerprint:sha-256 ${OTHER}`)), /more than one/);
  assert.throws(() => dtlsFingerprint(sdp(`a=fingerprint:sha-1 ${FINGERPRINT.slice(0, 59)}`, `a=fingerprint:sha-256 ${FINGERPRINT}`)), /more than one/);
  assert.throws(() => dtlsFingerprint(sdp('a=setup:actpass')), /no SHA-256/);
  // One line per media section, all the same certificate: accepted.
  assert.equal(dtlsFingerprint(sdp(`a=fingerprint:sha-256 ${FINGERPRINT}`, 'm=audio 9 UDP/TLS/RTP/SAVPF 111', `a=fingerprint:sha-256 ${FINGERPRINT}`)).length, 32);
  assert.throws(() => dtlsFingerprint(sdp(`a=fingerprint:sha-256 ${FINGERPRINT}:00`)), /no SHA-256/);
});

// ---- the mailbox's addresses: profiles, links, group descriptors ----

import { parseProfile } from '../../templates/js/chat/mailbox-addresses.js';
import { parseMailboxKey } from '../../templates/js/core/add-me.js';

test('mailbox profiles from peers keep only a well-formed key and a few plain relay addresses', () => {
  const key = 'ab'.repeat(32);
  assert.deepEqual(parseProfile({ mailbox: key, relays: ['wss://relay.example', 'ws://10.0.0.2:7000'], at: 1_800_000_000_000 }), {
    key,
    relays: ['wss://relay.example', 'ws://10.0.0.2:7000'],
    at: 1_800_000_000_000,
  });
  // A profile's time orders a contact's profiles (a replay cannot roll one back); a bad one counts as the oldest.
  for (const at of [undefined, -5, 1.5, '9', 2 ** 60, null]) assert.equal(parseProfile({ mailbox: key, at }).at, 0, String(at));
  for (const bad of [null, 42, 'text', {}, { mailbox: key.toUpperCase() }, { mailbox: key.slice(2) }, { mailbox: [key] }]) {
    assert.equal(parseProfile(bad), null, JSON.stringify(bad));
  }
  const messy = parseProfile({
    mailbox: key,
    relays: ['https://not-a-socket', 'wss://a b', 'wss://"quoted"', 42, `wss://${'x'.repeat(300)}`, 'wss://1', 'wss://2', 'wss://3', 'wss://4', 'wss://5'],
  });
  assert.deepEqual(messy.relays, ['wss://1', 'wss://2', 'wss://3', 'wss://4'], 'only plain ws(s) addresses, at most four');
  assert.deepEqual(parseProfile({ mailbox: key, relays: 'wss://x' }).relays, []);
});

test('an add-me link gives a mailbox key only when it is exactly 64 hex digits', () => {
  const key = 'cd'.repeat(32);
  assert.equal(parseMailboxKey(`https://x/index.htm#add=AAAA&mb=${key}`), key);
  assert.equal(parseMailboxKey(`https://x/index.htm#add=AAAA&mb=${key}&later=1`), key);
  assert.equal(parseMailboxKey('https://x/index.htm#add=AAAA'), null, 'links from before the mailbox still add the contact');
  assert.equal(parseMailboxKey(`#add=AAAA&mb=${key}00`), null);
  assert.equal(parseMailboxKey(`#add=AAAA&mb=${key.toUpperCase()}`), null);
  assert.equal(parseMailboxKey(undefined), null);
});

// ---- relays' words about themselves: NIP-11 documents and refusal reasons ----

import { parseRelayInfo, refusalKind, infoUrl } from '../../templates/js/net/mailbox-relays.js';
import { isLoopback } from '../../templates/js/chat/mailbox-addresses.js';

test('a relay’s NIP-11 limits are honoured only when plausible; garbage means no limit', () => {
  assert.deepEqual(parseRelayInfo({ limitation: { max_message_length: 98_304, auth_required: true } }), { maxMessage: 98_304, authRequired: true });
  for (const bad of [null, 'text', 42, [], {}, { limitation: null }, { limitation: { max_message_length: '65536' } }, { limitation: { max_message_length: -1 } }, { limitation: { max_message_length: 10 } }, { limitation: { max_message_length: 1e300 } }, { limitation: { max_message_length: 1.5e4 + 0.5 } }]) {
    assert.equal(parseRelayInfo(bad).maxMessage, null, JSON.stringify(bad));
  }
  assert.equal(parseRelayInfo({ limitation: { auth_required: 'yes' } }).authRequired, false);
  assert.equal(infoUrl('wss://relay.example/path'), 'https://relay.example/path');
  assert.equal(infoUrl('ws://10.0.0.2:7000'), 'http://10.0.0.2:7000');
});

test('refusal reasons are read by their NIP-01 prefix only', () => {
  assert.equal(refusalKind('rate-limited: slow down'), 'rate-limited');
  assert.equal(refusalKind('auth-required: we only accept events from registered users'), 'auth-required');
  assert.equal(refusalKind('duplicate: already have this event'), 'duplicate');
  assert.equal(refusalKind('blocked: not on the list'), 'blocked');
  for (const other of ['rate-limited', 'please slow down: rate-limited', '', null, 42, { a: 1 }, 'x'.repeat(10_000)]) {
    assert.equal(refusalKind(other), 'other', String(other).slice(0, 30));
  }
});

test('loopback relays are recognised, so they are never offered to contacts', () => {
  for (const url of ['ws://localhost:9000/relay', 'ws://127.0.0.1:9000/relay', 'ws://[::1]:9000/relay', 'wss://app.localhost/relay']) assert.ok(isLoopback(url), url);
  for (const url of ['wss://relay.example', 'ws://192.168.1.5:9000/relay', 'not a url']) assert.ok(!isLoopback(url), url);
});

// ---- settings from another device of ours: known fields of the right type only ----

import { adoptKnown, DEFAULT_SETTINGS, DEFAULT_PREFERENCES, GROUP_CONNECTIONS_RANGE, groupConnectionsOf } from '../../templates/js/core/settings.js';

test('settings from another device are taken field by field, known fields of the right type only', () => {
  const current = { ...DEFAULT_SETTINGS, mailboxDays: 14 };
  const next = adoptKnown(DEFAULT_SETTINGS, current, { mailboxDays: 7, relays: ['wss://r.example'], useNostr: 'yes', evil: '<script>', trackers: 'not a list', created: true });
  assert.equal(next.mailboxDays, 7);
  assert.deepEqual(next.relays, ['wss://r.example']);
  assert.equal(next.useNostr, DEFAULT_SETTINGS.useNostr, 'a string is not a boolean');
  assert.deepEqual(next.trackers, current.trackers, 'a string is not a list');
  assert.ok(!('evil' in next) && !('created' in next), 'unknown fields are dropped');
  assert.equal(adoptKnown(DEFAULT_PREFERENCES, DEFAULT_PREFERENCES, { displayName: null }).displayName, '');
  assert.deepEqual(adoptKnown(DEFAULT_PREFERENCES, DEFAULT_PREFERENCES, null), DEFAULT_PREFERENCES);
});

test('a stored number of connections per group outside the range is brought into it (another version may have written it)', () => {
  assert.equal(groupConnectionsOf(DEFAULT_SETTINGS), DEFAULT_SETTINGS.groupConnections);
  assert.equal(groupConnectionsOf({ groupConnections: 0 }), GROUP_CONNECTIONS_RANGE.min, 'never zero: a room that seeks nobody and takes nobody');
  assert.equal(groupConnectionsOf({ groupConnections: -5 }), GROUP_CONNECTIONS_RANGE.min);
  assert.equal(groupConnectionsOf({ groupConnections: 1e9 }), GROUP_CONNECTIONS_RANGE.max);
  assert.equal(groupConnectionsOf({ groupConnections: Number.NaN }), DEFAULT_SETTINGS.groupConnections);
  assert.equal(groupConnectionsOf({}), DEFAULT_SETTINGS.groupConnections);
  assert.equal(groupConnectionsOf({ groupConnections: 4.6 }), 5);
});
