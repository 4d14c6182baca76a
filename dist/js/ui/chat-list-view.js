// The conversation list: contacts and groups, newest activity first, with
// online dots, previews and unread counts; and the new-group form.

import { el, keyedRows, replaceChildren } from './dom.js';
import { MAX_GROUP_MEMBERS } from '../chat/groups.js';

/** services: { chat, contacts, groups }. */
export function createChatList({ chat, contacts: friends, groups }, { onOpen }) {
  const list = el('ul', { className: 'chat-list', id: 'chat-list' });
  const groupName = el('input', { id: 'group-name', placeholder: 'Group name', maxLength: 100 });
  const picker = el('div', { className: 'group-picker', id: 'group-members' });
  // A large group is picked from a long list: a filter, and how many are picked.
  const pickerFilter = el('input', { type: 'search', id: 'group-filter', placeholder: 'Filter contacts', oninput: () => filterPicker() });
  const pickedCount = el('p', { className: 'hint', id: 'group-count', role: 'status' });
  const groupError = el('p', { className: 'error', id: 'group-error', role: 'alert', hidden: true });
  const groupForm = el(
    'details',
    { className: 'new-group', id: 'new-group' },
    el('summary', { text: 'New group' }),
    el(
      'form',
      {
        onsubmit: async (event) => {
          event.preventDefault();
          groupError.hidden = true;
          const members = [...picker.querySelectorAll('input:checked')].map((input) => input.value);
          try {
            const group = await groups.create(groupName.value, members);
            groupName.value = '';
            groupForm.open = false;
            onOpen(group.conversationId);
          } catch (error) {
            groupError.textContent = error.message;
            groupError.hidden = false;
          }
        },
      },
      groupName,
      pickerFilter,
      picker,
      pickedCount,
      el('button', { type: 'submit', className: 'primary', id: 'create-group', text: 'Create group' }),
      groupError,
    ),
  );
  groupForm.addEventListener('toggle', renderPicker);

  function renderPicker() {
    replaceChildren(
      picker,
      friends
        .list()
        .map((f) =>
          el(
            'label',
            { className: 'check', 'data-title': friends.title(f).toLowerCase() },
            el('input', { type: 'checkbox', value: f.fingerprint, onchange: countPicked }),
            ` ${friends.title(f)}`,
          ),
        ),
    );
    filterPicker();
    countPicked();
  }

  function filterPicker() {
    const wanted = pickerFilter.value.trim().toLowerCase();
    for (const label of picker.querySelectorAll('label')) label.hidden = wanted !== '' && !label.dataset.title.includes(wanted);
  }

  function countPicked() {
    const picked = picker.querySelectorAll('input:checked').length;
    pickedCount.textContent = `${picked} picked — a group holds you and up to ${MAX_GROUP_MEMBERS - 1} others`;
    pickedCount.className = picked > MAX_GROUP_MEMBERS - 1 ? 'error' : 'hint';
  }

  /** What a conversation's row shows, or null when it is not listed (its contact or group is gone). */
  function shown(conv) {
    const friend = conv.kind === 'pair' ? friends.get(conv.ref) : null;
    const group = conv.kind === 'group' ? groups.get(conv.ref) : null;
    if (conv.kind === 'pair' && !friend) return null;
    if (conv.kind === 'group' && !group) return null;
    const online = friend ? friend.status === 'online' : groups.onlineMembers(group.id).length > 0;
    return {
      id: conv.id,
      online,
      title: conv.title,
      verified: Boolean(friend?.verified),
      keyChanged: Boolean(friend?.keyChangedFrom),
      members: group ? group.members.length : null,
      preview: conv.lastPreview || (friend ? (online ? 'online' : 'offline') : 'group'),
      unread: conv.unread,
    };
  }

  /** A conversation's row: made once, then brought up to date in place. */
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
        onkeydown: (event) => event.key === 'Enter' && onOpen(first.id),
      },
      el('span', { className: 'dot', 'aria-hidden': 'true' }),
      el('div', { className: 'chat-text' }, title, preview),
    );
    let titleShown = '';
    return {
      node,
      update(item) {
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

  const renderRows = keyedRows(list, {
    key: (item) => item.id,
    make: row,
    empty: () => el('li', { className: 'hint', text: 'No conversations yet: add a contact first.' }),
  });

  function render() {
    const convs = chat.conversations().sort((a, b) => (b.lastActivity || 0) - (a.lastActivity || 0));
    renderRows(convs.map(shown).filter(Boolean));
  }

  render();
  return { element: el('aside', { className: 'sidebar' }, groupForm, list), render };
}
