// @ts-check
// What happens to the messages of this identity, by name (issue 23). The
// modules that store and deliver messages emit these (chat/outbox.js,
// chat/inbox.js, chat/receipts.js); chat/mirror.js subscribes to what it
// copies to our other devices, and chat/chat.js hands them to the views.
// A view's redraw and our devices' copies hang off the same named events,
// so no view field can decide what is replicated.

import { createEvents } from '../core/events.js';

/**
 * @typedef {object} MessageStored  A message stored here first-hand: sent from this device, or received from its sender (not a copy from our other devices).
 * @property {string} conversation  its conversation's id
 * @property {string} message  its id
 * @property {{ sender: string } & Record<string, any>} added  the message as the views show it
 *
 * @typedef {object} StateChanged  The delivery state of a message of ours moved on (chat/delivery.js).
 * @property {string} conversation
 * @property {string} message
 * @property {string} sender  our fingerprint
 * @property {import('./delivery.js').DeliveryState} state
 *
 * @typedef {object} Typing  A member of a conversation is typing (or stopped: the views read who from chat.typingIn).
 * @property {string} conversation
 *
 * @typedef {object} SessionCaughtUp  A member's new session: what waited for it went out, acknowledgements owed to it left.
 * @property {string} fingerprint
 *
 * @typedef {{ 'message-stored': MessageStored, 'state-changed': StateChanged, typing: Typing, 'session-caught-up': SessionCaughtUp }} ChatEventMap
 * @typedef {import('../core/events.js').Events<ChatEventMap>} ChatEvents
 */

/** A hub of chat events. @returns {ChatEvents} */
export const createChatEvents = () => createEvents();
