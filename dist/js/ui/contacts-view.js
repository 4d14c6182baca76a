// @ts-check
// Contacts: add one by public key or "add me" link, see who is online,
// ping them over the encrypted session, and see refused connection attempts.

import { el, keyedRows, replaceChildren } from './dom.js';
import { ago } from './time.js';

/**
 * @typedef {import('./home-view.js').Services['contacts']} Contacts
 * @typedef {ReturnType<Contacts['list']>[number]} Contact
 */

/** @type {Record<string, string>} */
const REASONS = {
  'unexpected-peer': 'Refused: the peer proved an identity that is not this contact',
  'channel-binding': 'Refused: the connection fingerprints do not match — someone may be intercepting',
  'bad-signature': 'Refused: the peer’s handshake signature did not verify',
  malformed: 'Refused: the peer broke the handshake protocol',
};

/** The start of a fingerprint in groups of four. @param {string} fp */
function shortFingerprint(fp) {
  return /** @type {RegExpMatchArray} */ (fp.slice(0, 16).match(/.{4}/g)).join(' ');
}

/**
 * The contacts tab: adding one (`pendingKey`: an "add me" link opened before
 * login fills the form), the list, refused attempts and invitations.
 * onChat(fingerprint): the user wants that contact's conversation.
 * @param {{ contacts: Contacts, groups?: import('./home-view.js').Services['groups'] | null, pendingKey?: string | null, onChat?: (fingerprint: string) => void }} services
 */
export function createContactsView({ contacts, groups, pendingKey, onChat }) {
  const keyInput = el('textarea', { id: 'contact-key', rows: 3, spellcheck: false, placeholder: 'Public key or “add me” link', value: pendingKey ?? '' });
  const nickname = el('input', { id: 'contact-nickname', placeholder: 'Name (only you see it)', maxLength: 100 });
  const password = el('input', { id: 'contact-room-password', type: 'password', placeholder: 'Optional shared room password', autocomplete: 'off' });
  const formError = el('p', { id: 'contact-error', className: 'error', role: 'alert', hidden: true });
  const addButton = el('button', { type: 'submit', className: 'primary', id: 'add-contact-button', text: 'Add contact' });
  const list = el('ul', { id: 'contact-list', className: 'contacts' });
  const attempts = el('ul', { id: 'failed-attempts', className: 'attempts' });
  const attemptsSection = el(
    'section',
    { className: 'card', id: 'failed-attempts-card', hidden: true },
    el('h3', { text: 'Refused connection attempts' }),
    attempts,
  );
  const invitations = el('ul', { id: 'refused-groups', className: 'attempts' });
  const invitationsSection = el(
    'section',
    { className: 'card', id: 'refused-groups-card', hidden: true },
    el('h3', { text: 'Refused group invitations' }),
    el('p', { className: 'hint', text: 'Someone sent a group description that does not hold together. Nothing of it was kept.' }),
    invitations,
  );

  const form = el(
    'form',
    {
      id: 'add-contact-form',
      onsubmit: async (event) => {
        event.preventDefault();
        formError.hidden = true;
        addButton.disabled = true;
        try {
          await contacts.add({ keyText: keyInput.value, nickname: nickname.value, roomPassword: password.value });
          keyInput.value = '';
          nickname.value = '';
          password.value = '';
        } catch (error) {
          formError.textContent =
            error.code === 'invalid-public-key' ? 'That is not a valid Trustero public key (RSA 2048–4096, as shown on the identity panel).' : error.message;
          formError.hidden = false;
        } finally {
          addButton.disabled = false;
        }
      },
    },
    el('label', { for: 'contact-key', text: 'Add a contact' }),
    keyInput,
    el('div', { className: 'row' }, nickname, password),
    el('p', {
      className: 'hint',
      text: 'A room password, if you both set the same one, hides when you are online from anyone who merely knows both public keys.',
    }),
    addButton,
    formError,
  );

  /** A contact's row: made once, then brought up to date in place (a ping answer lands on the row on screen). @param {Contact} first */
  function contactRow(first) {
    let contact = first;
    const name = el('strong');
    const status = el('span', { className: 'status' });
    const verified = el('span', { className: 'verified', title: 'Safety number verified', text: '✓ verified' });
    const pingResult = el('span', { className: 'ping-result', 'data-ping-result': contact.fingerprint });
    const showPing = (/** @type {string} */ text) => {
      pingResult.textContent = text;
    };
    const pingButton = el('button', {
      type: 'button',
      className: 'ghost',
      text: 'Ping',
      'data-ping': contact.fingerprint,
      onclick: async () => {
        showPing('…');
        try {
          showPing(`${(await contacts.ping(contact.fingerprint)).toFixed(1)} ms`);
        } catch (error) {
          showPing(error.message);
        }
      },
    });
    const chatButton = el('button', {
      type: 'button',
      className: 'ghost',
      text: 'Chat',
      'data-chat': contact.fingerprint,
      onclick: () => onChat?.(contact.fingerprint),
    });
    const node = el(
      'li',
      { 'data-fingerprint': contact.fingerprint },
      el('span', { className: 'dot', 'aria-hidden': 'true' }),
      el('div', { className: 'who' }, name, el('code', { className: 'fp', title: contact.fingerprint, text: shortFingerprint(contact.fingerprint) })),
      status,
      verified,
      chatButton,
      pingButton,
      pingResult,
      el('button', {
        type: 'button',
        className: 'ghost danger',
        text: 'Remove',
        'data-remove': contact.fingerprint,
        onclick: () => {
          if (confirm(`Remove ${contact.nickname || 'this contact'}? You can add them again with their public key.`)) {
            contacts.remove(contact.fingerprint);
          }
        },
      }),
    );
    return {
      node,
      update(/** @type {Contact} */ now) {
        contact = now;
        const online = contact.status === 'online';
        node.className = `contact ${contact.status}`;
        name.textContent = contact.nickname || 'Unnamed contact';
        status.dataset.status = contact.status;
        status.textContent = online ? `online since ${ago(contact.since)}` : 'offline';
        // Shown only when verified (as the list drew it before).
        if (!contact.verified) verified.remove();
        else if (verified.parentNode !== node) status.after(verified);
        pingButton.disabled = !online;
      },
    };
  }

  const renderContacts = keyedRows(list, {
    key: (contact) => contact.fingerprint,
    make: contactRow,
    empty: () => el('li', { className: 'hint', text: 'No contacts yet. Share your “add me” link and paste theirs above.' }),
  });

  function render() {
    renderContacts(contacts.list());
    const failed = contacts.failedAttempts();
    attemptsSection.hidden = failed.length === 0;
    replaceChildren(
      attempts,
      failed.map((attempt) =>
        el(
          'li',
          { 'data-reason': attempt.reason },
          el('span', { text: `${REASONS[attempt.reason] ?? `Refused (${attempt.reason})`}` }),
          attempt.fingerprint ? el('code', { className: 'fp', text: ` ${shortFingerprint(attempt.fingerprint)}` }) : null,
          el('span', { className: 'hint', text: ` — ${ago(attempt.at)} via ${attempt.via}` }),
        ),
      ),
    );
    const refusedGroups = groups?.refusedDescriptors() ?? [];
    invitationsSection.hidden = refusedGroups.length === 0;
    replaceChildren(
      invitations,
      refusedGroups.map((refusal) => {
        const sender = contacts.get(refusal.from);
        return el(
          'li',
          {},
          el('span', { text: `“${refusal.name}”: ${refusal.why}` }),
          el('span', {
            className: 'hint',
            text: ` — from ${sender ? contacts.title(sender) : shortFingerprint(refusal.from)}, ${ago(refusal.at)}`,
          }),
        );
      }),
    );
  }

  const section = el('section', { id: 'contacts', className: 'card' }, el('h2', { text: 'Contacts' }), form, list);
  render();
  return { element: el('div', {}, section, attemptsSection, invitationsSection), render };
}
