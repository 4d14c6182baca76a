// @ts-check
// The new-group form: a name, the members picked from the contacts (with a
// filter and a count against the cap, for large groups), and what went wrong.

import { el, replaceChildren } from './dom.js';
import { MAX_GROUP_MEMBERS } from '../chat/groups.js';

/**
 * services: { contacts, groups }; onCreated(conversationId) once a group is made. Returns the form's <details>.
 * @param {Pick<import('./home-view.js').Services, 'contacts' | 'groups'>} services
 * @param {{ onCreated: (conversationId: string) => void }} handlers
 */
export function createNewGroupForm({ contacts, groups }, { onCreated }) {
  const groupName = el('input', { id: 'group-name', placeholder: 'Group name', 'aria-label': 'Group name', maxLength: 100 });
  const picker = el('div', { className: 'group-picker', id: 'group-members' });
  // A large group is picked from a long list: a filter, and how many are picked.
  const pickerFilter = el('input', {
    type: 'search',
    id: 'group-filter',
    placeholder: 'Filter contacts',
    'aria-label': 'Filter contacts',
    oninput: () => filterPicker(),
  });
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
          const members = [.../** @type {NodeListOf<HTMLInputElement>} */ (picker.querySelectorAll('input:checked'))].map((input) => input.value);
          try {
            const group = await groups.create(groupName.value, members);
            groupName.value = '';
            groupForm.open = false;
            onCreated(group.conversationId);
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
      contacts
        .list()
        .map((c) =>
          el(
            'label',
            { className: 'check', 'data-title': contacts.title(c).toLowerCase() },
            el('input', { type: 'checkbox', value: c.fingerprint, onchange: countPicked }),
            ` ${contacts.title(c)}`,
          ),
        ),
    );
    filterPicker();
    countPicked();
  }

  function filterPicker() {
    const wanted = pickerFilter.value.trim().toLowerCase();
    // Every label has its contact's title (renderPicker).
    for (const label of picker.querySelectorAll('label')) label.hidden = wanted !== '' && !(/** @type {string} */ (label.dataset.title).includes(wanted));
  }

  function countPicked() {
    const picked = picker.querySelectorAll('input:checked').length;
    pickedCount.textContent = `${picked} picked — a group holds you and up to ${MAX_GROUP_MEMBERS - 1} others`;
    pickedCount.className = picked > MAX_GROUP_MEMBERS - 1 ? 'error' : 'hint';
  }

  return groupForm;
}
