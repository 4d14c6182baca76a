// @ts-check
// A group's members: who is online, who created it, and — for its creator —
// adding and removing members; leaving the group. A refusal is said in the
// panel, not lost.

import { el, replaceChildren } from './dom.js';

/** @typedef {import('./home-view.js').Services['groups']} Groups */

/**
 * Draws into `membersPanel` the members of `group`; `self` is our
 * fingerprint, names(fingerprint) how a person is named here.
 * @param {HTMLElement} membersPanel
 * @param {{ group: NonNullable<ReturnType<Groups['get']>>, groups: Groups, contacts: import('./home-view.js').Services['contacts'], self: string,
 *   names: (fingerprint: string) => string }} shown
 */
export function renderMembersPanel(membersPanel, { group, groups, contacts, self, names }) {
  const creator = groups.isCreator(group.id);
  const online = new Set(groups.onlineMembers(group.id));
  const candidates = contacts.list().filter((c) => !group.members.some((m) => m.fingerprint === c.fingerprint));
  const picker = el(
    'select',
    { className: 'add-member-select', 'aria-label': 'Contact to add to the group' },
    el('option', { value: '', text: 'Add a contact…' }),
    candidates.map((c) => el('option', { value: c.fingerprint, text: contacts.title(c) })),
  );
  // A refusal (a member list still being checked with its members, a full group) is said, not lost.
  const membersError = el('p', { className: 'error', role: 'alert' });
  const tryMembers = (/** @type {() => Promise<unknown>} */ change) =>
    change().catch((/** @type {Error} */ error) => {
      membersError.textContent = error.message;
    });
  replaceChildren(
    membersPanel,
    el(
      'ul',
      { className: 'members' },
      group.members.map((m) =>
        el(
          'li',
          { 'data-member': m.fingerprint },
          el('span', { className: `dot ${online.has(m.fingerprint) || m.fingerprint === self ? 'on' : ''}` }),
          el('span', { text: names(m.fingerprint) }),
          m.fingerprint === group.creator ? el('span', { className: 'hint', text: ' (creator)' }) : null,
          creator && m.fingerprint !== self
            ? el('button', {
                type: 'button',
                className: 'ghost danger',
                text: 'Remove',
                onclick: () => tryMembers(() => groups.removeMember(group.id, m.fingerprint)),
              })
            : null,
        ),
      ),
    ),
    creator && candidates.length
      ? el(
          'div',
          { className: 'row' },
          picker,
          el('button', {
            type: 'button',
            className: 'ghost',
            text: 'Add',
            onclick: () => picker.value && tryMembers(() => groups.addMember(group.id, picker.value)),
          }),
        )
      : null,
    membersError,
    el('p', { className: 'hint', text: 'Each member connects to a few others, who pass messages on: groups hold up to 128 members.' }),
    group.removed ? null : el('button', { type: 'button', className: 'ghost danger leave-group', text: 'Leave group', onclick: () => groups.leave(group.id) }),
  );
}
