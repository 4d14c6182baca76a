// @ts-check
// How a person is named on screen, by one rule everywhere (a conversation,
// a call): "You"; a contact by the nickname you gave them; anyone else by
// the display name they gave themselves, marked with "~" (they chose it),
// and always with the start of their fingerprint, so a chosen name cannot
// pass for one of your contacts; else "Contact 1a2b…" for a contact you
// did not name, or "a contact (1a2b…)" for a member you do not know.

/**
 * `contacts` (chat/contacts.js: get, title), `chat` (memberName), `self` (our
 * fingerprint). Returns name(fingerprint, conversationIds): the display name
 * looked for in those conversations, in order.
 * @param {{ contacts: { get: (fp: string) => any, title: (contact: any) => string }, chat: { memberName: (id: string, fp: string) => string }, self: string }} services
 */
export function createNamer({ contacts, chat, self }) {
  return (/** @type {string} */ fingerprint, /** @type {string[]} */ conversationIds) => {
    if (fingerprint === self) return 'You';
    const contact = contacts.get(fingerprint);
    if (contact?.nickname) return contact.nickname;
    const short = `${fingerprint.slice(0, 8)}…`;
    const stated = conversationIds.map((id) => chat.memberName(id, fingerprint)).find(Boolean);
    if (stated) return `~${stated} (${short})`;
    return contact ? contacts.title(contact) : `a contact (${short})`;
  };
}
