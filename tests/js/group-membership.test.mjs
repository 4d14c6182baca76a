// The decisions behind a group's membership (chat/group-membership.js)
// without a browser: which descriptors are adopted and what adopting one
// changes, which changes may be made, when a provisional group's epoch is
// confirmed, and who is owed the current member list.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  applyDescriptor,
  checkCapacity,
  checkConfirmed,
  checkNewGroup,
  confirms,
  descriptorOf,
  hasMember,
  isNewer,
  newGroup,
  noteRefusal,
  otherMembers,
  owesUpdate,
  profileValueOf,
  refusal,
  syncStateOf,
} from '../../templates/js/chat/group-membership.js';
import { MAX_GROUP_MEMBERS } from '../../templates/js/chat/groups.js';
import { decode as fromBase64url, encode as toBase64url } from '../../templates/js/core/encoding.js';

const ME = 'a'.repeat(64);
const BOB = 'b'.repeat(64);
const CAROL = 'c'.repeat(64);
const DAVE = 'd'.repeat(64);
const MAILBOX = (c) => c.repeat(64);

/** A stand-in key whose fingerprint is its bytes in hex: one per member. */
const spkiOf = (fingerprint) => toBase64url(new TextEncoder().encode(`key:${fingerprint}`));
const member = (fingerprint, fields = {}) => ({ fingerprint, spki: spkiOf(fingerprint), ...fields });
/** The worker's checks, as stand-ins: a group id hashes creator and nonce; a key's fingerprint is what it names. */
const cryptoClient = {
  groupId: async (creator, nonce) => createHash('sha256').update(creator).update(nonce).digest('hex').slice(0, 32),
  inspectKey: async (spki) => {
    const text = new TextDecoder().decode(spki);
    if (!text.startsWith('key:')) throw new Error('not a key');
    return { fingerprint: text.slice(4) };
  },
};
const NONCE = '0'.repeat(32);
const ID = createHash('sha256').update(BOB).update(new Uint8Array(16)).digest('hex').slice(0, 32);
const descriptor = (fields = {}) => ({
  id: ID,
  nonce: NONCE,
  secret: 's1',
  name: 'Ramblers',
  creator: BOB,
  epoch: 2,
  members: [member(BOB), member(ME), member(CAROL)],
  ...fields,
});

// ---- validation ----

test('a descriptor is adopted only from its creator, with an id of that creator and members whose keys match', async () => {
  assert.equal(await refusal(cryptoClient, descriptor(), BOB), null);
  assert.equal(await refusal(cryptoClient, descriptor(), CAROL), 'sent by someone other than its creator');
  // Someone claims a group id that is not theirs.
  assert.equal(
    await refusal(cryptoClient, descriptor({ creator: CAROL, members: [member(CAROL), member(ME)] }), CAROL),
    'its id does not belong to its creator',
  );
  assert.equal(await refusal(cryptoClient, descriptor({ nonce: '1'.repeat(32) }), BOB), 'its id does not belong to its creator');
  // A member listed with someone else's key, or with a key that is not one.
  assert.equal(
    await refusal(cryptoClient, descriptor({ members: [member(BOB), { fingerprint: ME, spki: spkiOf(DAVE) }] }), BOB),
    'a member key does not match its fingerprint',
  );
  assert.equal(
    await refusal(cryptoClient, descriptor({ members: [member(BOB), { fingerprint: ME, spki: toBase64url(new Uint8Array([1, 2])) }] }), BOB),
    'a member key is not valid',
  );
});

test('a refused descriptor is kept for the UI, newest first, the last twenty only', () => {
  const refused = [];
  for (let i = 0; i < 25; i++) noteRefusal(refused, { group: ID, name: `g${i}`, from: CAROL, why: 'w', at: i });
  assert.equal(refused.length, 20);
  assert.equal(refused[0].name, 'g24');
  assert.equal(refused.at(-1).name, 'g5');
});

test('a new group needs a name, someone else and room for everyone', () => {
  const contacts = [BOB, CAROL].map((fingerprint) => ({ fingerprint, spki: fromBase64url(spkiOf(fingerprint)) }));
  assert.doesNotThrow(() => checkNewGroup('Ramblers', contacts));
  assert.throws(() => checkNewGroup('  ', contacts), { code: 'no-name' });
  assert.throws(() => checkNewGroup('Ramblers', []), { code: 'no-members' });
  const crowd = Array.from({ length: MAX_GROUP_MEMBERS }, (_, i) => ({ fingerprint: i.toString(16).padStart(64, '0'), spki: new Uint8Array(1) }));
  assert.doesNotThrow(() => checkNewGroup('Ramblers', crowd.slice(1)));
  assert.throws(() => checkNewGroup('Ramblers', crowd), { code: 'too-many' }, 'we count too');
  const g = newGroup({
    id: ID,
    nonce: NONCE,
    secret: 's',
    name: `  ${'x'.repeat(120)} `,
    self: { fingerprint: ME, spki: fromBase64url(spkiOf(ME)) },
    picked: contacts,
  });
  assert.equal(g.name, 'x'.repeat(100));
  assert.equal(g.creator, ME);
  assert.equal(g.epoch, 1);
  assert.deepEqual(g.members, [member(ME), member(BOB), member(CAROL)]);
});

test('a provisional group is not changed, and a full one takes nobody more', () => {
  assert.throws(() => checkConfirmed({ ...descriptor(), provisional: true }), { code: 'unconfirmed' });
  assert.doesNotThrow(() => checkConfirmed(descriptor()));
  const full = descriptor({ members: Array.from({ length: MAX_GROUP_MEMBERS }, (_, i) => member(i.toString(16).padStart(64, '0'))) });
  assert.throws(() => checkCapacity(full), { code: 'too-many' });
  assert.doesNotThrow(() => checkCapacity(descriptor()));
});

// ---- adopting a descriptor ----

test('only a later epoch is news for a known group', () => {
  assert.equal(isNewer(undefined, descriptor({ epoch: 1 })), true);
  assert.equal(isNewer(descriptor({ epoch: 2 }), descriptor({ epoch: 3 })), true);
  assert.equal(isNewer(descriptor({ epoch: 2 }), descriptor({ epoch: 2 })), false, 'a replay');
  assert.equal(isNewer(descriptor({ epoch: 3 }), descriptor({ epoch: 2 })), false, 'an older list');
});

test('adopting: a group new here from the profile starts provisional; a known one keeps its standing; not listed means out', () => {
  const roamed = applyDescriptor(undefined, descriptor(), ME, true);
  assert.equal(roamed.g.provisional, true);
  assert.equal(roamed.g.removed, false);
  assert.equal(roamed.secretChanged, false);
  assert.equal(applyDescriptor(undefined, descriptor(), ME, false).g.provisional, false, 'an invitation from its creator');

  const known = { ...descriptor(), provisional: false, conversationId: 'conv', heard: new Map() };
  const { g, secretChanged } = applyDescriptor(
    known,
    descriptor({ epoch: 3, secret: 's2', name: 'y'.repeat(150), members: [member(BOB), member(CAROL)] }),
    ME,
    true,
  );
  assert.equal(g, known, 'the same group, changed in place');
  assert.equal(g.provisional, false, 'a newer list than one we confirmed lists no one removed before it');
  assert.equal(g.removed, true, 'we are no longer listed');
  assert.equal(secretChanged, true);
  assert.equal(g.epoch, 3);
  assert.equal(g.name.length, 100);
  assert.equal(g.conversationId, 'conv');
  assert.equal(applyDescriptor({ ...descriptor() }, descriptor({ epoch: 3 }), ME, false).secretChanged, false);
});

// ---- confirming a provisional group ----

test('a provisional epoch is confirmed by its creator, or by more than half the others with none later', () => {
  const g = (heard, fields = {}) => ({
    ...descriptor({ members: [member(BOB), member(ME), member(CAROL), member(DAVE)] }),
    provisional: true,
    heard: new Map(heard),
    ...fields,
  });
  assert.equal(confirms(g([]), ME), false, 'nobody spoke yet');
  assert.equal(confirms(g([[BOB, 2]]), ME), true, 'the creator');
  assert.equal(confirms(g([[CAROL, 2]]), ME), false, 'one of three others');
  assert.equal(
    confirms(
      g([
        [CAROL, 2],
        [DAVE, 2],
      ]),
      ME,
    ),
    true,
    'two of three',
  );
  assert.equal(
    confirms(
      g([
        [CAROL, 2],
        [DAVE, 2],
        [BOB, 3],
      ]),
      ME,
    ),
    false,
    'the creator has a later list',
  );
  assert.equal(
    confirms(
      g([
        [CAROL, 2],
        [DAVE, 3],
        [BOB, 1],
      ]),
      ME,
    ),
    false,
    'a later epoch from anyone means ours is old',
  );
  assert.equal(
    confirms(
      g([
        [CAROL, 1],
        [DAVE, 1],
      ]),
      ME,
    ),
    false,
    'older epochs confirm nothing',
  );
  // Our own group: our word does not count, the others' does.
  const mine = (heard) => g(heard, { creator: ME });
  assert.equal(confirms(mine([[ME, 2]]), ME), false);
  assert.equal(
    confirms(
      mine([
        [BOB, 2],
        [CAROL, 2],
      ]),
      ME,
    ),
    true,
  );
  // A removed member replaying the old list, alone, is never enough.
  assert.equal(confirms(g([[DAVE, 2]], { members: [member(BOB), member(ME), member(CAROL)] }), ME), false);
  assert.equal(confirms({ ...descriptor({ creator: ME, members: [member(ME)] }), provisional: true }, ME), true, 'nobody to hand a key to');
  assert.equal(
    confirms(
      g([
        [CAROL, 'x'],
        [DAVE, null],
      ]),
      ME,
    ),
    false,
    'junk confirms nothing',
  );
});

test('the creator owes a member with an older list the current one, once per epoch, and nothing from a provisional list', () => {
  const g = { ...descriptor({ creator: ME, epoch: 5 }) };
  assert.equal(owesUpdate(g, ME, BOB, 4), true);
  assert.equal(owesUpdate(g, ME, BOB, 4), false, 'once');
  assert.equal(owesUpdate(g, ME, BOB, 3), false, 'once per epoch, whatever they state');
  assert.equal(owesUpdate(g, ME, CAROL, 4), true, 'per member');
  assert.equal(owesUpdate(g, ME, DAVE, 5), false, 'up to date');
  assert.equal(owesUpdate(g, ME, DAVE, 6), false, 'later than ours');
  assert.equal(owesUpdate(g, ME, DAVE, 'x'), false);
  g.epoch = 6;
  assert.equal(owesUpdate(g, ME, BOB, 4), true, 'a new epoch is owed again');
  assert.equal(owesUpdate({ ...descriptor({ creator: ME, epoch: 5 }), provisional: true }, ME, BOB, 4), false);
  assert.equal(owesUpdate(descriptor({ epoch: 5 }), ME, CAROL, 4), false, 'only the creator sends lists');
});

// ---- what is handed on ----

test('members, descriptors, the profile’s record and the sync state', () => {
  const g = { ...descriptor({ members: [member(BOB, { mailbox: MAILBOX('1') }), member(ME), member(CAROL, { mailbox: MAILBOX('2') })] }), removed: false };
  assert.equal(hasMember(g, CAROL), true);
  assert.equal(hasMember(g, DAVE), false);
  assert.deepEqual(otherMembers(g, ME), [BOB, CAROL]);
  // Mailbox keys: ours, then what we learnt (their own word), then what the creator listed.
  const learnt = { [BOB]: MAILBOX('3') };
  const handed = descriptorOf(g, { fingerprint: ME, mailboxKey: MAILBOX('4') }, (fp) => learnt[fp]);
  assert.deepEqual(
    handed.members.map((m) => m.mailbox),
    [MAILBOX('3'), MAILBOX('4'), MAILBOX('2')],
  );
  assert.equal(Object.hasOwn(descriptorOf(g, { fingerprint: ME }, () => null).members[1], 'mailbox'), false, 'no key, no field');
  assert.deepEqual(Object.keys(handed).sort(), ['creator', 'epoch', 'id', 'members', 'name', 'nonce', 'secret']);
  assert.deepEqual(profileValueOf(g), { descriptor: descriptor({ members: g.members }), left: false });
  assert.equal(profileValueOf({ ...g, removed: true }).left, true);
  assert.deepEqual(syncStateOf(g), { epoch: 2 });
  assert.deepEqual(syncStateOf({ ...g, provisional: true }), { epoch: 2, unconfirmed: true });
  assert.equal(syncStateOf({ ...g, removed: true }), null);
  assert.equal(syncStateOf(undefined), null);
});
