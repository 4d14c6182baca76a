// One message on screen. Everything from a peer goes in through textContent;
// links are rebuilt as anchors only for http(s) URLs, opened without referrer.

import { el } from './dom.js';
import { callSummary, isHiddenContent } from '../chat/content.js';

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const STATE_TEXT = { queued: '🕓', relayed: '☁✓', sent: '✓', delivered: '✓✓', read: '✓✓' };
const STATE_TITLE = {
  queued: 'Queued: will be sent when they are online',
  relayed: 'On relays: waiting in their mailbox until they come online',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

/** Text with its http(s) links as safe anchors. */
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

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

function time(ms) {
  const date = new Date(ms);
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

function fileBody(message, { transfers, openFile, fullImage }) {
  const content = message.content;
  const status = transfers.status(message.sender, content.fileId);
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
        onclick: () => transfers.request(message.sender, content.fileId),
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

/** What stands in for a message whose content cannot be drawn. */
export function unshowableView(message) {
  return el('li', { className: 'message broken', 'data-seq': message.seq }, el('p', { className: 'body hint', text: 'This message could not be shown.' }));
}

/** A time an element can show, or null (the worker bounds timestamps; this
 *  keeps the view safe whatever it is given). */
function safeDate(ms) {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A message element; `context` gives names, transfers and actions. */
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
  const meta = el(
    'div',
    { className: 'meta' },
    group && !message.mine ? el('span', { className: 'sender', text: names(message.sender) }) : null,
    safeDate(message.timestampMs) ? el('time', { dateTime: safeDate(message.timestampMs).toISOString(), text: time(message.timestampMs) }) : null,
    message.mine
      ? el('span', {
          className: `state ${message.state}`,
          'data-state': message.state,
          title: STATE_TITLE[message.state],
          text: STATE_TEXT[message.state] ?? '',
        })
      : null,
  );
  return el('li', { className: `message ${message.mine ? 'mine' : 'theirs'}`, 'data-id': message.id, 'data-seq': message.seq }, body, meta);
}
