// @ts-check
// What a message is deduplicated and looked up by: its sender and its id.
// Message ids are chosen by senders, so an id alone proves nothing: someone
// who learns another member's id must not be able to shadow that message.

/** @param {string} sender fingerprint (hex) @param {string} id message id (hex) */
export const messageKey = (sender, id) => `${sender}:${id}`;

/** Whether `value` is a well-formed message key (as peers send them). @param {unknown} value */
export const isMessageKey = (value) => typeof value === 'string' && /^[0-9a-f]{64}:[0-9a-f]{32}$/.test(value);

/** @param {string} key */
export const keySender = (key) => key.slice(0, key.indexOf(':'));
/** @param {string} key */
export const keyId = (key) => key.slice(key.indexOf(':') + 1);
