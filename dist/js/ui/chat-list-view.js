// @ts-check
// The conversation list: contacts and groups, newest activity first, with
// online dots, previews and unread counts; the new-group form above it
// (ui/new-group-view.js).

import { el, keyedRows, replaceChildren } from './dom.js';
import { createNewGroupForm } from './new-group-view.js';

/**
 * services: { chat, contacts, groups }; onOpen(conversationId): the user picked a conversation.
 * @param {Pick<import('./home-view.js').Services, 'chat' | 'contacts' | 'groups'>} services
 * @param {{ onOpen: (conversationId: string) => void }} handlers
 */
export function createChatList({ chat, contacts, groups }, { onOpen }) {
  const list = el('ul', { className: 'chat-list', id: 'chat-list' });
  const groupForm = createNewGroupForm({ contacts, groups }, { onCreated: onOpen });

  /**
   * What a conversation's row shows, or null when it is not listed (its contact or group is gone).
   * @param {ReturnType<typeof chat.conversations>[number]} conv
   */
  function shown(conv) {
    const contact = conv.kind === 'pair' ? contacts.get(conv.ref) : null;
    const group = conv.kind === 'group' ? groups.get(conv.ref) : null;
    if (conv.kind === 'pair' && !contact) return null;
    if (conv.kind === 'group' && !group) return null;
    // Not a contact's conversation: a group's, whose group is here.
    const online = contact ? contact.status === 'online' : groups.onlineMembers(/** @type {NonNullable<typeof group>} */ (group).id).length > 0;
    return {
      id: conv.id,
      online,
      title: conv.title,
      verified: Boolean(contact?.verified),
      keyChanged: Boolean(contact?.keyChangedFrom),
      members: group ? group.members.length : null,
      preview: conv.lastPreview || (contact ? (online ? 'online' : 'offline') : 'group'),
      unread: conv.unread,
    };
  }

  /** A conversation's row: made once, then brought up to date in place. @param {Row} first */
  function row(first) {
    const title = el('strong');
    const preview = el('span', { className: 'preview' });
    const unread = el('span', { className: 'unread' });
    const node = el(
      'li',
      {
        'data-conversation': first.id,
        tabIndex: 0,
        onclick: () => onOpen(first.id),
        onkeydown: (/** @type {KeyboardEvent} */ event) => event.key === 'Enter' && onOpen(first.id),
      },
      el('span', { className: 'dot', 'aria-hidden': 'true' }),
      el('div', { className: 'chat-text' }, title, preview),
    );
    let titleShown = '';
    return {
      node,
      update(/** @type {Row} */ item) {
        node.className = `chat-item ${item.online ? 'online' : ''}`;
        const titleNow = JSON.stringify([item.title, item.verified, item.keyChanged, item.members]);
        if (titleNow !== titleShown) {
          titleShown = titleNow;
          replaceChildren(
            title,
            item.title,
            item.verified ? el('span', { className: 'verified', title: 'Verified', text: ' ✓' }) : null,
            item.keyChanged ? el('span', { className: 'warn', title: 'Key changed', text: ' ⚠' }) : null,
            item.members !== null ? el('span', { className: 'hint', text: ` (${item.members})` }) : null,
          );
        }
        if (preview.textContent !== item.preview) preview.textContent = item.preview;
        // The count is there only while there is one (as the list drew it before).
        if (!item.unread) unread.remove();
        else {
          unread.textContent = String(item.unread);
          if (unread.parentNode !== node) node.append(unread);
        }
      },
    };
  }

  /** @typedef {NonNullable<ReturnType<typeof shown>>} Row */
  const renderRows = keyedRows(list, {
    key: (item) => item.id,
    make: row,
    empty: () => el('li', { className: 'hint', text: 'No conversations yet: add a contact first.' }),
  });

  function render() {
    const convs = chat.conversations().sort((a, b) => (b.lastActivity || 0) - (a.lastActivity || 0));
    renderRows(convs.map(shown).filter((item) => item !== null));
  }

  render();
  return { element: el('aside', { className: 'sidebar' }, groupForm, list), render };
}
