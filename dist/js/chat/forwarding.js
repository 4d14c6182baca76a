// @ts-check
// Passing group messages on (DESIGN.md §8). In a large group each member is
// directly connected to a few others (net/room.js, a partial mesh), so a
// message reaches most members through others: whoever stores a new group
// message hands it to its other neighbours in that group — never back to
// whoever gave it, nor to its sender — and each copy is deduplicated by
// (sender, id) where it arrives. Forwarders learn nothing: the envelope is
// sealed under the sender's group key, or RSA-wrapped to named members (a
// sender key's hand-over), and goes only to those.
//
// Acknowledgements go back the way the message came, hop by hop, each naming
// who stored it ('ack' frame `by`), so the sender sees every member's
// delivery without a connection to each, and does not leave the message in
// the mailbox of members who already have it.

import { utf8 } from '../core/encoding.js';
import { isMessageKey, keySender } from './keys.js';

/** Message keys whose way back we remember (and acknowledgements passed back), at most; oldest forgotten first. */
export const MAX_ROUTES = 4096;

/** deps: identity, sessions (net/sessions.js). */
export function createForwarding({ identity, sessions }) {
  /** @type {Map<string, string>} message key -> the member it came from (its sender, or a forwarder) */
  const cameFrom = new Map();
  /** @type {Set<string>} "key holder" passed back already (each member acknowledges every copy it gets) */
  const passedBack = new Set();

  function bounded(/** @type {Map<string, string> | Set<string>} */ collection) {
    while (collection.size > MAX_ROUTES) collection.delete(collection.keys().next().value ?? '');
  }
  function remember(/** @type {string} */ key, /** @type {string} */ from) {
    cameFrom.delete(key);
    cameFrom.set(key, from);
    bounded(cameFrom);
  }

  return {
    /**
     * A group message we just stored, from `from`: to our other neighbours
     * in its group who may read it.
     */
    pass(
      /** @type {{key: string, sender: string, envelope: Uint8Array, forEveryMember: boolean, recipients: string[], conv: {members: Array<{fingerprint: string}>}}} */ message,
      /** @type {string} */ from,
    ) {
      remember(message.key, from);
      // A group message is for every member; a key's hand-over only for those it names.
      const mayRead = (/** @type {string} */ fp) => message.forEveryMember || message.recipients.includes(fp);
      for (const { fingerprint } of message.conv.members) {
        if (fingerprint === from || fingerprint === message.sender || fingerprint === identity.fingerprint || !mayRead(fingerprint)) continue;
        sessions
          .linkTo(fingerprint)
          ?.send('env', message.envelope)
          .catch(() => {}); // that session dropped: the backlog sync catches up
      }
    },

    /**
     * `holder` stored these keys of others' messages (it told `neighbour`,
     * who told us, or it is `neighbour`): passed on toward each message's
     * sender, by the member we got it from.
     */
    relayAcks(/** @type {string[]} */ keys, /** @type {string} */ holder, /** @type {string} */ neighbour) {
      /** @type {Map<string, string[]>} */
      const towards = new Map();
      for (const key of keys) {
        if (!isMessageKey(key) || keySender(key) === identity.fingerprint) continue;
        const back = cameFrom.get(key);
        if (!back || back === neighbour || back === holder || passedBack.has(`${key} ${holder}`)) continue;
        passedBack.add(`${key} ${holder}`);
        bounded(passedBack);
        towards.set(back, [...(towards.get(back) ?? []), key]);
      }
      for (const [fingerprint, list] of towards) {
        sessions
          .linkTo(fingerprint)
          ?.send('ack', utf8(JSON.stringify({ keys: list, by: holder })))
          .catch(() => {});
      }
    },
  };
}
