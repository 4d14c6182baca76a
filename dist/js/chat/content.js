// @ts-check
// What a message may contain, and how it reads in one line. Everything in an
// envelope comes from a peer: each content type is checked field by field
// before it is stored, so a malformed message is refused on arrival instead
// of breaking the views (or the conversation) later. The checks return a
// clean copy with only the known fields, or null.

/** Longest text message, in UTF-16 code units (the composer allows as much). */
export const MAX_TEXT = 64_000;
/** Longest display name a member may give itself. */
export const MAX_DISPLAY_NAME = 64;
/** Protocol size of a file chunk (transfers.js); announcements must use it. */
export const FILE_CHUNK_SIZE = 256 * 1024;
/** Largest file that can be announced: 2 GiB (8,192 chunks). */
export const MAX_FILE_SIZE = 2 * 1024 * 1024 * 1024;
/** Most members a group descriptor may list (and the UI offers): the most
 *  recipients one envelope may have (worker MAX_RECIPIENTS), which a sender
 *  key's hand-over needs. */
export const MAX_GROUP_MEMBERS = 128;
const MAX_THUMB = 96 * 1024;
const CALL_OUTCOMES = new Set(['ended', 'declined', 'cancelled', 'missed']);

const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const B64URL_KEY = /^[A-Za-z0-9_-]{43}$/; // 32 bytes
const B64URL_SPKI = /^[A-Za-z0-9_-]{200,800}$/; // an RSA 2048..4096 SPKI
const B64_KEY = /^[A-Za-z0-9+/]{43}=$/; // 32 bytes, standard base64
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/i;

/**
 * A message's content as stored and shown (checkContent): `t` is its type,
 * which decides its other fields, and `n` the display name its sender
 * stated, if any. A type this version does not know keeps only those two.
 * @typedef {{ n?: string }} Named
 * @typedef {Named & { t: 'text', body: string }} TextContent
 * @typedef {Named & import('./transfer-plan.js').FileInfo & { t: 'file', thumb: string | null, width?: number, height?: number }} FileContent
 * @typedef {Named & { t: 'group-invite' | 'group-update', group: import('./group-membership.js').Descriptor }} GroupContent
 * @typedef {Named & { t: 'group-leave' }} GroupLeaveContent
 * @typedef {Named & { t: 'group-key', keyId: string, key: string }} GroupKeyContent  a member's sender key (chat/sender-keys.js)
 * @typedef {Named & { t: 'group-key-request', keyId: string }} GroupKeyRequestContent
 * @typedef {Named & { t: 'call', video: boolean, outcome: string, durationMs: number }} CallContent
 * @typedef {Named & { t: string }} OtherContent  a type this version cannot show
 * @typedef {TextContent | FileContent | GroupContent | GroupLeaveContent | GroupKeyContent | GroupKeyRequestContent | CallContent | OtherContent} Content
 */

/** @param {unknown} value @param {number} max @returns {value is string} */
const isString = (value, max) => typeof value === 'string' && value.length <= max;
/** @param {any} value  parsed JSON, unchecked @param {number} min @param {number} max @returns {value is number} */
const isCount = (value, min, max) => Number.isSafeInteger(value) && value >= min && value <= max;

/** A display name as a member states it: a trimmed string, or '' for none. @param {unknown} value */
export function cleanDisplayName(value) {
  if (typeof value !== 'string') return '';
  // Control and bidi-override characters could disguise a name.
  return value
    .replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, '')
    .trim()
    .slice(0, MAX_DISPLAY_NAME);
}

/**
 * A group descriptor as the creator sends it, or null.
 * @param {any} group  parsed JSON, unchecked
 * @returns {import('./group-membership.js').Descriptor | null}
 */
export function checkGroupDescriptor(group) {
  if (!group || typeof group !== 'object') return null;
  const { id, nonce, secret, name, creator, epoch, members } = group;
  if (!HEX32.test(id ?? '') || !HEX32.test(nonce ?? '') || !B64URL_KEY.test(secret ?? '')) return null;
  if (!HEX64.test(creator ?? '') || !isCount(epoch, 1, Number.MAX_SAFE_INTEGER) || !isString(name, 100)) return null;
  if (!Array.isArray(members) || members.length < 1 || members.length > MAX_GROUP_MEMBERS) return null;
  /** @type {import('./group-membership.js').Member[]} */
  const clean = [];
  for (const member of members) {
    if (!member || !HEX64.test(member.fingerprint ?? '') || !B64URL_SPKI.test(member.spki ?? '')) return null;
    if (member.mailbox !== undefined && !HEX64.test(member.mailbox ?? '')) return null;
    if (clean.some((m) => m.fingerprint === member.fingerprint)) return null;
    // A member's mailbox key (where their mail waits) is optional: descriptors from before the mailbox have none.
    clean.push(
      member.mailbox ? { fingerprint: member.fingerprint, spki: member.spki, mailbox: member.mailbox } : { fingerprint: member.fingerprint, spki: member.spki },
    );
  }
  if (!clean.some((m) => m.fingerprint === creator)) return null;
  return { id, nonce, secret, name: name.trim() || 'Group', creator, epoch, members: clean };
}

/** A file announcement, or null. @param {any} content  parsed JSON, unchecked @returns {import('./transfer-plan.js').FileInfo | null} */
export function checkFileInfo(content) {
  const { fileId, name, size, mime, chunkSize, chunks, key, root } = content;
  if (!HEX32.test(fileId ?? '') || !HEX64.test(root ?? '') || !B64_KEY.test(key ?? '')) return null;
  if (!isCount(size, 1, MAX_FILE_SIZE) || chunkSize !== FILE_CHUNK_SIZE || chunks !== Math.ceil(size / chunkSize)) return null;
  if (!isString(name, 200) || !isString(mime, 127) || !MIME.test(mime)) return null;
  return { fileId, name: name || 'file', size, mime: mime.toLowerCase(), chunkSize, chunks, key, root };
}

/** A file announcement's thumbnail (a small JPEG), or null. @param {any} content  parsed JSON, unchecked */
function checkThumb(content) {
  const { thumb, width, height } = content;
  if (thumb === null || thumb === undefined) return { thumb: null };
  if (!isString(thumb, MAX_THUMB) || !thumb.startsWith('data:image/jpeg;base64,')) return null;
  if (!isCount(width, 1, 4096) || !isCount(height, 1, 4096)) return null;
  return { thumb, width, height };
}

/**
 * The content of a message as stored and shown, or null when it is not
 * well formed. Unknown types keep only their type (a newer peer's message
 * shows as "sent something this version cannot show").
 * @param {any} content  parsed JSON, unchecked
 * @returns {Content | null}
 */
export function checkContent(content) {
  if (!content || typeof content !== 'object' || Array.isArray(content)) return null;
  const { t } = content;
  if (!isString(t, 32) || !t) return null;
  const common = content.n === undefined ? {} : { n: cleanDisplayName(content.n) };
  switch (t) {
    case 'text':
      return isString(content.body, MAX_TEXT) ? { t, body: content.body, ...common } : null;
    case 'file': {
      const info = checkFileInfo(content);
      const thumb = info && checkThumb(content);
      return info && thumb ? { t, ...info, ...thumb, ...common } : null;
    }
    case 'group-invite':
    case 'group-update': {
      const group = checkGroupDescriptor(content.group);
      return group ? { t, group, ...common } : null;
    }
    case 'group-leave':
      return { t, ...common };
    case 'group-key':
      // A member's sender key (chat/sender-keys.js): never shown.
      return HEX32.test(content.keyId ?? '') && B64URL_KEY.test(content.key ?? '') ? { t, keyId: content.keyId, key: content.key, ...common } : null;
    case 'group-key-request':
      return HEX32.test(content.keyId ?? '') ? { t, keyId: content.keyId, ...common } : null;
    case 'call': {
      const { video, outcome, durationMs } = content;
      if (typeof video !== 'boolean' || !CALL_OUTCOMES.has(outcome) || !isCount(durationMs ?? 0, 0, 7 * 24 * 3600 * 1000)) return null;
      return { t, video, outcome, durationMs: durationMs ?? 0, ...common };
    }
    default:
      return { t, ...common };
  }
}

/** Content that keeps the group working and is never shown: sender keys and
 *  requests for them (RSA-wrapped, never under a group key: chat/sender-keys.js). */
export const isHiddenContent = (/** @type {Record<string, any> | null | undefined} */ content) =>
  content?.t === 'group-key' || content?.t === 'group-key-request';

/** A one-line summary of message content for lists and notifications. @param {Record<string, any> | null | undefined} content */
export function preview(content) {
  switch (content?.t) {
    case 'text':
      return String(content.body ?? '').slice(0, 120);
    case 'file':
      return content.mime?.startsWith('image/') ? '📷 Photo' : `📎 ${String(content.name ?? 'File').slice(0, 80)}`;
    case 'group-invite':
      return 'Group invitation';
    case 'group-update':
      return 'Group updated';
    case 'group-leave':
      return 'Left the group';
    case 'call':
      return `📞 ${callSummary(content)}`;
    default:
      return '';
  }
}

/**
 * "Outgoing video call · 1:23", "Missed voice call", ... from the caller's
 * (`mine` true) or callee's (false) side; neutral when `mine` is undefined.
 * @param {Record<string, any>} content @param {boolean} [mine]
 */
export function callSummary(content, mine) {
  const kind = content.video ? 'video call' : 'voice call';
  const capital = kind[0].toUpperCase() + kind.slice(1);
  const seconds = Math.round((Number(content.durationMs) || 0) / 1000);
  const duration = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  if (mine === undefined)
    return content.outcome === 'ended' ? `${capital} · ${duration}` : `${capital} (${content.outcome === 'declined' ? 'declined' : 'not answered'})`;
  switch (content.outcome) {
    case 'ended':
      return `${mine ? 'Outgoing' : 'Incoming'} ${kind} · ${duration}`;
    case 'declined':
      return mine ? `${capital} declined` : `You declined a ${kind}`;
    case 'cancelled':
      return mine ? `${capital} cancelled` : `Missed ${kind}`;
    default:
      return mine ? `${capital}, no answer` : `Missed ${kind}`;
  }
}
