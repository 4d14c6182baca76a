// @ts-check
// One open conversation: header (who, online, verification), history with
// paging, typing indicator, and the composer (ui/composer.js). Changes arrive as
// events (a message added, a delivery state, a transfer's progress) and are
// applied to what is on screen; history is read only when paging back.

import { el } from './dom.js';
import { messageView, unshowableView } from './message-view.js';
import { PAGE_SIZE } from '../chat/chat.js';
import { createNamer } from './names.js';
import { renderVerifyPanel } from './verify-panel.js';
import { renderMembersPanel } from './members-panel.js';
import { createComposer } from './composer.js';

/** @typedef {import('./message-view.js').Message} Message */

/**
 * services: { identity, chat, contacts, groups, transfers, calls, mailbox,
 * roomsChanged() } — what this view reads and acts on. onClose(id): the
 * user closed it; onFocus(id): something in it took the focus.
 * @param {string} conversationId
 * @param {Pick<import('./home-view.js').Services, 'identity' | 'chat' | 'contacts' | 'groups' | 'transfers' | 'calls' | 'mailbox' | 'roomsChanged'>} services
 * @param {{ onClose: (conversationId: string) => void, onFocus?: (conversationId: string) => void }} handlers
 */
export function createConversationView(conversationId, services, { onClose, onFocus }) {
  const { identity, chat, contacts, groups, transfers, calls, mailbox, roomsChanged } = services;
  const conv = chat.conversation(conversationId);
  if (!conv) throw new Error(`no conversation ${conversationId}`);
  const contact = conv.kind === 'pair' ? contacts.get(conv.ref) : null;
  const group = conv.kind === 'group' ? groups.get(conv.ref) : null;
  // Keyed by sequence number: unique in a conversation, whatever ids peers chose.
  /** @type {Map<number, { message: Message, node: HTMLElement }>} */
  const loaded = new Map();
  /** `${owner}:${fileId}` -> object URL of the decrypted image @type {Map<string, string>} */
  const opened = new Map();
  let oldestSeq = Infinity;
  let exhausted = false;
  let loading = false;

  /** How a person is named here (ui/names.js): the display names stated in this conversation count. */
  const namer = createNamer({ contacts, chat, self: identity.fingerprint });
  const names = (/** @type {string} */ fingerprint) => namer(fingerprint, [conversationId]);

  const list = el('ol', { className: 'messages', 'aria-live': 'polite' });
  const scroller = el('div', { className: 'scroller' }, list);
  const typingLine = el('p', { className: 'typing hint' });
  const status = el('span', { className: 'conv-status' });
  const warning = el('p', { className: 'key-warning', role: 'alert', hidden: true });
  const verifyPanel = el('div', { className: 'panel verify-panel', hidden: true });
  const membersPanel = el('div', { className: 'panel members-panel', hidden: true });
  const composer = createComposer(conversationId, { chat, transfers, onSent: roomsChanged });

  const imageKey = (/** @type {Message} */ message) => `${message.sender}:${message.content.fileId}`;

  /** @returns {import('./message-view.js').MessageContext} */
  function context() {
    return {
      names,
      group: !!group,
      transfers,
      fullImage: (message) => opened.get(imageKey(message)) ?? null,
      openFile: async (message) => {
        const { content } = message;
        // Only an opened message offers its file, and it names its sender.
        const blob = await transfers.blob(/** @type {string} */ (message.sender), content);
        const url = URL.createObjectURL(blob);
        if (content.mime.startsWith('image/')) {
          opened.set(imageKey(message), url);
          const entry = loaded.get(message.seq);
          if (entry) render(entry.message);
        } else {
          el('a', { href: url, download: content.name }).click();
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
        }
      },
    };
  }

  /** Each message is drawn on its own: one that cannot be shown says so and
   *  never stops the others from rendering. @param {Message} message */
  function render(message) {
    let node;
    try {
      node = messageView(message, context());
    } catch {
      node = unshowableView(message);
    }
    const existing = loaded.get(message.seq);
    if (existing) existing.node.replaceWith(node);
    loaded.set(message.seq, { message, node });
    return node;
  }

  /** @param {HTMLElement} node @param {number} seq */
  function insertInOrder(node, seq) {
    const after = [.../** @type {HTMLCollectionOf<HTMLElement>} */ (list.children)].find((child) => Number(child.dataset.seq) > seq);
    list.insertBefore(node, after ?? null);
  }

  async function loadOlder() {
    if (loading || exhausted) return;
    loading = true;
    const before = scroller.scrollHeight - scroller.scrollTop;
    const page = await chat.history(conversationId, { beforeSeq: oldestSeq, limit: PAGE_SIZE });
    // The start of what is stored here: older history may be on another
    // device of ours (it arrives as added messages); asked again at the next scroll to the top.
    if (page.length < PAGE_SIZE) exhausted = !(await chat.requestOlder(conversationId));
    for (const message of page) {
      if (loaded.has(message.seq)) continue;
      insertInOrder(render(message), message.seq);
      oldestSeq = Math.min(oldestSeq, message.seq);
    }
    scroller.scrollTop = scroller.scrollHeight - before;
    loading = false;
    markRead();
  }

  /** A message was added (sent here or received): show it in its place. @param {Message} message */
  function add(message) {
    if (loaded.has(message.seq)) return;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60;
    insertInOrder(render(message), message.seq);
    oldestSeq = Math.min(oldestSeq, message.seq);
    if (atBottom || message.mine) scroller.scrollTop = scroller.scrollHeight;
    markRead();
  }

  /** One of our messages moved on (sent, delivered, read): redraw its tick. @param {{ message: string, sender: string, state?: string }} change */
  function restate({ message: id, sender, state }) {
    for (const entry of loaded.values()) {
      if (entry.message.id !== id || entry.message.sender !== sender || entry.message.state === state) continue;
      entry.message = { ...entry.message, state };
      render(entry.message);
    }
  }

  function visible() {
    return !document.hidden && !element.hidden && element.isConnected;
  }

  function markRead() {
    chat.setVisible(conversationId, visible());
    if (!visible()) return;
    chat.markRead(
      conversationId,
      [...loaded.values()].map((x) => x.message),
    );
  }

  function renderHeader() {
    if (contact) {
      const online = contact.status === 'online';
      // No direct connection, yet their mail comes through the relays: say so rather than "offline".
      const viaRelays = !online && (mailbox?.reachedOnlyByRelays(contact.fingerprint) ?? false);
      status.textContent = online ? 'online' : viaRelays ? 'via relays' : 'offline';
      status.dataset.status = viaRelays ? 'relays' : contact.status;
      warning.hidden = !contact.keyChangedFrom;
      warning.textContent = contact.keyChangedFrom
        ? `⚠ ${contacts.title(contact)}’s key changed. Anyone could have made the new key. Compare the new safety number with them before you trust this conversation.`
        : '';
      verifyButton.textContent = contact.verified ? 'Verified ✓' : 'Verify';
    } else if (group) {
      const online = groups.onlineMembers(group.id).length;
      status.textContent = group.removed ? 'you are no longer a member' : `${group.members.length} members, ${online} online`;
    }
    const typingNow = chat.typingIn(conversationId);
    typingLine.textContent = typingNow.length ? `${typingNow.map((fp) => names(fp)).join(', ')} ${typingNow.length > 1 ? 'are' : 'is'} typing…` : '';
  }

  // (Their buttons show only in a contact's, or a group's, conversation.)
  const renderVerify = () => contact && renderVerifyPanel(verifyPanel, { contacts, contact, onChanged: renderHeader });
  const renderMembers = () => group && renderMembersPanel(membersPanel, { group, groups, contacts, self: identity.fingerprint, names });

  /** @param {boolean} video */
  function callButton(video) {
    return el('button', {
      type: 'button',
      className: `ghost ${video ? 'video-call' : 'voice-call'}`,
      text: video ? 'Video call' : 'Call',
      title: video ? 'Start a video call' : 'Start a voice call',
      onclick: async () => {
        composer.clearError();
        try {
          await calls.start(conversationId, { video });
        } catch (error) {
          composer.showError(error.message);
        }
      },
    });
  }

  const verifyButton = el('button', {
    type: 'button',
    className: 'ghost verify-button',
    text: 'Verify',
    hidden: !contact,
    onclick: async () => {
      verifyPanel.hidden = !verifyPanel.hidden;
      if (!verifyPanel.hidden) await renderVerify();
    },
  });
  const membersButton = el('button', {
    type: 'button',
    className: 'ghost members-button',
    text: 'Members',
    hidden: !group,
    onclick: () => {
      membersPanel.hidden = !membersPanel.hidden;
      if (!membersPanel.hidden) renderMembers();
    },
  });

  scroller.addEventListener('scroll', () => {
    if (scroller.scrollTop < 80) loadOlder();
  });

  const element = el(
    'section',
    {
      className: 'conversation',
      'data-conversation': conversationId,
      'data-kind': conv.kind,
      ondragover: (event) => event.preventDefault(),
      ondrop: (event) => {
        event.preventDefault();
        composer.attachFiles([...(event.dataTransfer?.files ?? [])]);
      },
      onfocusin: () => onFocus?.(conversationId),
    },
    el(
      'header',
      { className: 'conv-header' },
      el('div', { className: 'who' }, el('h2', { text: conv.title }), status),
      callButton(false),
      callButton(true),
      verifyButton,
      membersButton,
      el('button', {
        type: 'button',
        className: 'ghost close-conversation',
        'aria-label': 'Close conversation',
        text: '✕',
        onclick: () => onClose(conversationId),
      }),
    ),
    warning,
    verifyPanel,
    membersPanel,
    scroller,
    typingLine,
    ...composer.elements,
  );

  // Messages of this conversation and their ticks, as they are stored or
  // change — here, or copied from another device of ours.
  const here = (/** @type {{conversation: string}} */ event) => event.conversation === conversationId;
  const listening = [
    chat.events.on('message-stored', (event) => here(event) && add(event.added)),
    chat.events.on('message-copied', (event) => here(event) && add(event.added)),
    chat.events.on('state-changed', (event) => here(event) && restate(event)),
    chat.events.on('copy-merged', (event) => here(event) && event.state && restate(event)),
  ];
  renderHeader();
  loadOlder().then(() => {
    scroller.scrollTop = scroller.scrollHeight;
  });

  return {
    id: conversationId,
    element,
    /**
     * Something changed: a transfer, presence, a member (messages and their ticks come as chat events).
     * @param {{ file: string, owner: string }} [event]  a file's transfer moved on (chat/transfers.js 'progress')
     */
    update(event) {
      renderHeader();
      if (event?.file) {
        // Transfer progress: redraw that file's message only.
        for (const entry of loaded.values()) {
          if (entry.message.content.fileId === event.file && entry.message.sender === event.owner) render(entry.message);
        }
      }
      if (!membersPanel.hidden && group) renderMembers();
    },
    focus: composer.focus,
    markRead,
    close() {
      for (const stop of listening) stop();
      chat.setVisible(conversationId, false);
      for (const url of opened.values()) URL.revokeObjectURL(url);
      opened.clear();
    },
  };
}
