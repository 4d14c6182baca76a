// @ts-check
// One message on screen. Everything from a peer goes in through textContent;
// links are rebuilt as anchors only for http(s) URLs, opened without referrer.

import { el } from './dom.js';
import { callSummary, isHiddenContent } from '../chat/content.js';

/**
 * A message as the views show it: read from the history (chat/history.js),
 * or as chat's events add it (chat/chat-events.js).
 * @typedef {import('../chat/history.js').Message | import('../chat/chat-events.js').MessageStored['added']} Message
 *
 * What a message's view is given: names(fingerprint), how a person is named
 * in this conversation; group: a group's conversation (others' messages say
 * who sent them); transfers (chat/transfers.js): where a file's transfer
 * stands, and asking for it; fullImage(message): the opened image's object
 * URL (null: not opened); openFile(message): opens an image in place, saves
 * any other file.
 * @typedef {{ names: (fingerprint: string) => string, group: boolean, transfers: import('./home-view.js').Services['transfers'],
 *   fullImage: (message: Message) => string | null, openFile: (message: Message) => Promise<void> }} MessageContext
 */

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
/** @type {Record<string, string>} */
const STATE_TEXT = { queued: '🕓', relayed: '☁✓', sent: '✓', delivered: '✓✓', read: '✓✓' };
/** @type {Record<string, string>} */
const STATE_TITLE = {
  queued: 'Queued: will be sent when they are online',
  relayed: 'On relays: waiting in their mailbox until they come online',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

/** Text with its http(s) links as safe anchors. @param {string} text @returns {(Node | string)[]} */
export function linkify(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const candidate = match[0].replace(/[.,;:!?)\]]+$/, '');
    let url;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
    if (match.index > last) parts.push(document.createTextNode(text.slice(last, match.index)));
    parts.push(el('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer nofollow', text: candidate }));
    last = match.index + candidate.length;
  }
  if (last < text.length) parts.push(document.createTextNode(text.slice(last)));
  return parts;
}

/** A file's size as people read it: "512 B", "1.5 KB", "3.2 MB", "1.07 GB". @param {number} bytes */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** A message's time: the hour today, the date and hour before. @param {Date} date */
function time(date) {
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

/** Names a browser opens as a page (and runs its scripts) when the file is opened from disk. */
const PAGE_NAME = /\.(?:html?|xht(?:ml)?|shtml|svgz?)$/i;
/** Types a browser may save under a page's extension when the name has none. */
const PAGE_TYPES = new Set(['text/html', 'application/xhtml+xml', 'image/svg+xml']);

/**
 * Whether a received file would run as a web page once saved and opened:
 * Chromium gives every page opened from disk (file://) the same storage, so
 * such a page could read and change what a Trustero copy on disk stores
 * (disk.test.mjs proves it). Saving one asks first.
 */
export function opensAsPage(/** @type {string} */ name, /** @type {string} */ mime) {
  return PAGE_NAME.test(name.trim()) || PAGE_TYPES.has(mime);
}

/**
 * The question before saving a file that opens as a page: what it could do,
 * and the user's choice. Focus goes to the safe answer; Escape gives it, and
 * either answer puts focus back on `opener` (the button that asked).
 */
function pageWarning(/** @type {string} */ name, /** @type {() => void} */ save, /** @type {HTMLElement} */ opener) {
  const close = () => {
    warning.remove();
    if (opener.isConnected) opener.focus();
  };
  const cancel = el('button', { type: 'button', className: 'primary file-warning-cancel', text: 'Don’t save', onclick: close });
  const warning = el(
    'div',
    {
      className: 'file-warning warning',
      role: 'alertdialog',
      'aria-label': 'This file is a web page',
      onkeydown: (/** @type {KeyboardEvent} */ event) => {
        if (event.key !== 'Escape') return;
        event.stopPropagation();
        close();
      },
    },
    el('p', {
      text:
        `“${name}” is a web page. Opened from your disk, it runs code its sender wrote, and your browser lets every page opened from disk ` +
        'read and change what Trustero stores when you run it from a copy on disk: your history is sealed, but who wrote to whom and when can be read, ' +
        'and all of it can be deleted. Save it only if you trust the sender, and open it in a text editor rather than a browser.',
    }),
    el(
      'div',
      { className: 'row' },
      el('button', {
        type: 'button',
        className: 'ghost file-warning-save',
        text: 'Save anyway',
        onclick: () => {
          close();
          save();
        },
      }),
      cancel,
    ),
  );
  return { warning, cancel };
}

/** A file's message: its name and size, a thumbnail, its transfer, opening or saving it. @param {Message} message @param {MessageContext} context */
function fileBody(message, { transfers, openFile, fullImage }) {
  const content = message.content;
  // A file's message was opened, so it names its sender, who holds the file.
  const owner = /** @type {string} */ (message.sender);
  const status = transfers.status(owner, content.fileId);
  const isImage = content.mime.startsWith('image/');
  const node = el('div', { className: 'file', 'data-file': content.fileId });
  const full = isImage ? fullImage(message) : null;
  if (full) {
    node.append(el('img', { className: 'full', src: full, alt: content.name }));
  } else if (isImage && content.thumb?.startsWith('data:image/jpeg;base64,')) {
    node.append(el('img', { className: 'thumb', src: content.thumb, alt: content.name, width: content.width, height: content.height }));
  }
  node.append(
    el(
      'div',
      { className: 'file-name' },
      el('span', { text: isImage ? '📷 ' : '📎 ' }),
      el('span', { text: content.name }),
      el('span', { className: 'hint', text: ` · ${formatSize(content.size)}` }),
    ),
  );
  if (status?.needsRequest) {
    node.append(
      el('button', {
        type: 'button',
        className: 'ghost',
        text: 'Download',
        'data-download-file': content.fileId,
        onclick: () => transfers.request(owner, content.fileId),
      }),
    );
    node.append(el('span', { className: 'hint transfer-state', text: ' large files download when you ask' }));
  } else if (status && status.state !== 'complete') {
    node.append(el('progress', { className: 'transfer', max: status.chunks, value: status.received, 'data-file': content.fileId }));
    node.append(
      el('span', {
        className: 'hint transfer-state',
        text:
          status.error ??
          (status.state === 'waiting'
            ? status.directOnly
              ? 'waiting for the sender to be online (files over 256 KB travel only directly, not through relays)'
              : 'waiting for the sender to be online or for its relays'
            : status.state),
      }),
    );
  }
  if (status?.state === 'complete') {
    if (!full)
      node.append(
        el('button', {
          type: 'button',
          className: 'ghost',
          text: isImage ? 'Open' : 'Save',
          'data-open-file': content.fileId,
          onclick: (/** @type {MouseEvent} */ event) => {
            if (isImage || !opensAsPage(content.name, content.mime)) openFile(message);
            // Asked before anything is saved (once at a time).
            else if (!node.querySelector('.file-warning')) {
              const { warning, cancel } = pageWarning(content.name, () => openFile(message), /** @type {HTMLElement} */ (event.currentTarget));
              node.append(warning);
              cancel.focus();
            }
          },
        }),
      );
  }
  return node;
}

/** What a group's system message says. @param {Record<string, any>} content @param {(fingerprint: string) => string} names */
function systemText(content, names) {
  switch (content.t) {
    case 'group-invite':
      return `invited you to the group “${content.group?.name ?? ''}”`;
    case 'group-update':
      return `updated the group: ${content.group.members.map((m) => names(m.fingerprint)).join(', ')}`;
    case 'group-leave':
      return 'left the group';
    default:
      return 'sent something this version cannot show';
  }
}

/** What stands in for a message whose content cannot be drawn. @param {Message} message */
export function unshowableView(message) {
  return el('li', { className: 'message broken', 'data-seq': message.seq }, el('p', { className: 'body hint', text: 'This message could not be shown.' }));
}

/** A time an element can show, or null (the worker bounds timestamps; this
 *  keeps the view safe whatever it is given). @param {any} ms */
function safeDate(ms) {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A message element; `context` gives names, transfers and actions. @param {Message} message @param {MessageContext} context */
export function messageView(message, context) {
  const { names, group } = context;
  // A sender key's hand-over keeps its place in the order, unseen.
  if (!message.broken && isHiddenContent(message.content))
    return el('li', { className: 'message quiet', hidden: true, 'data-id': message.id, 'data-seq': message.seq });
  const body = message.broken
    ? el('p', { className: 'body hint', text: 'This message could not be opened.' })
    : message.content.t === 'text'
      ? el('p', { className: 'body' }, linkify(String(message.content.body ?? '')))
      : message.content.t === 'file'
        ? fileBody(message, context)
        : message.content.t === 'call'
          ? el('p', {
              className: `body call-event ${message.content.outcome === 'ended' ? '' : 'missed'}`,
              text: `📞 ${callSummary(message.content, message.mine)}`,
            })
          : el('p', { className: 'body system', text: systemText(message.content, names) });
  const date = safeDate(message.timestampMs);
  // Ours always has a delivery state.
  const state = /** @type {string} */ (message.state);
  const meta = el(
    'div',
    { className: 'meta' },
    // One that could not be opened has no sender to name.
    group && !message.mine && message.sender ? el('span', { className: 'sender', text: names(message.sender) }) : null,
    date ? el('time', { dateTime: date.toISOString(), text: time(date) }) : null,
    message.mine
      ? el('span', {
          className: `state ${message.state}`,
          'data-state': message.state,
          title: STATE_TITLE[state],
          text: STATE_TEXT[state] ?? '',
        })
      : null,
  );
  return el('li', { className: `message ${message.mine ? 'mine' : 'theirs'}`, 'data-id': message.id, 'data-seq': message.seq }, body, meta);
}
