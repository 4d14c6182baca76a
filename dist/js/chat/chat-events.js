// @ts-check
// What happens to the messages of this identity, by name (issue 23). The
// modules that store and deliver messages emit these (chat/outbox.js,
// chat/inbox.js, chat/receipts.js; chat/mirror.js for what our other devices
// had); chat/mirror.js subscribes to what it copies to our other devices,
// and the views to what they draw.
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
 * @typedef {object} MessageCopied  A message another device of ours stored, copied here (chat/mirror.js), or older history it sent.
 * @property {string} conversation
 * @property {string} message
 * @property {{ sender: string } & Record<string, any>} added  the message as the views show it
 *
 * @typedef {object} CopyMerged  What another device of ours knows of a message held here was merged: our message's ticks, or their message read there.
 * @property {string} conversation
 * @property {string} message
 * @property {string} sender
 * @property {import('./delivery.js').ShownState | 'received'} [state]  a message of ours: where it stands now
 * @property {boolean} [readElsewhere]  a message of theirs: read on another device of ours
 *
 * @typedef {object} Typing  A member of a conversation is typing (or stopped: the views read who from chat.typingIn).
 * @property {string} conversation
 *
 * @typedef {object} SessionCaughtUp  A member's new session: what waited for it went out, acknowledgements owed to it left.
 * @property {string} fingerprint
 *
 * @typedef {object} Incoming  A message from someone else arrived first-hand and is shown (not a quiet one): notifications.
 * @property {string} conversation
 * @property {{ sender: string } & Record<string, any>} message  the message as the views show it
 *
 * @typedef {object} UnreadChanged  A conversation's unread count changed (read here, or on another device of ours).
 * @property {string} conversation
 *
 * @typedef {object} ConversationChanged  What the lists show of a conversation changed (its title).
 * @property {string} conversation
 *
 * @typedef {object} KeyMissing  A group message came under a sender key we lack (chat/inbox.js); it waits for the key.
 * @property {string} conversation
 * @property {string} sender
 * @property {string} keyId
 *
 * @typedef {object} GroupMessageAccepted  A group member's message was stored: chat/forwarding.js may pass it on.
 * @property {any} record  the inbox's record of it (its envelope bytes, sender, conversation)
 * @property {string} from  who handed it to us
 *
 * @typedef {{ 'message-stored': MessageStored, 'state-changed': StateChanged, 'message-copied': MessageCopied, 'copy-merged': CopyMerged,
 *   typing: Typing, 'session-caught-up': SessionCaughtUp, incoming: Incoming, 'unread-changed': UnreadChanged,
 *   'conversation-changed': ConversationChanged, 'key-missing': KeyMissing, 'group-message-accepted': GroupMessageAccepted }} ChatEventMap
 * @typedef {import('../core/events.js').Events<ChatEventMap>} ChatEvents
 */

/** A hub of chat events. @returns {ChatEvents} */
export const createChatEvents = () => createEvents();
