// The conversation list: contacts and groups, newest activity first, with
// online dots, previews and unread counts; and the new-group form.

import { el, replaceChildren } from './dom.js';
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

  function item(conv) {
    const friend = conv.kind === 'pair' ? friends.get(conv.ref) : null;
    const group = conv.kind === 'group' ? groups.get(conv.ref) : null;
    if (conv.kind === 'pair' && !friend) return null;
    if (conv.kind === 'group' && !group) return null;
    const online = friend ? friend.status === 'online' : groups.onlineMembers(group.id).length > 0;
    return el(
      'li',
      {
        className: `chat-item ${online ? 'online' : ''}`,
        'data-conversation': conv.id,
        tabIndex: 0,
        onclick: () => onOpen(conv.id),
        onkeydown: (event) => event.key === 'Enter' && onOpen(conv.id),
      },
      el('span', { className: 'dot', 'aria-hidden': 'true' }),
      el(
        'div',
        { className: 'chat-text' },
        el(
          'strong',
          {},
          conv.title,
          friend?.verified ? el('span', { className: 'verified', title: 'Verified', text: ' ✓' }) : null,
          friend?.keyChangedFrom ? el('span', { className: 'warn', title: 'Key changed', text: ' ⚠' }) : null,
          group ? el('span', { className: 'hint', text: ` (${group.members.length})` }) : null,
        ),
        el('span', { className: 'preview', text: conv.lastPreview || (friend ? (online ? 'online' : 'offline') : 'group') }),
      ),
      conv.unread ? el('span', { className: 'unread', text: String(conv.unread) }) : null,
    );
  }

  function render() {
    const convs = chat.conversations().sort((a, b) => (b.lastActivity || 0) - (a.lastActivity || 0));
    const items = convs.map(item).filter(Boolean);
    replaceChildren(list, items.length ? items : [el('li', { className: 'hint', text: 'No conversations yet: add a contact first.' })]);
  }

  render();
  return { element: el('aside', { className: 'sidebar' }, groupForm, list), render };
}
