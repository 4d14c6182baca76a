// @ts-check
// Telling the user about new messages: the unread count in the tab title,
// a desktop notification while the tab is hidden (with permission), and an
// optional short sound. Nothing for the conversation being looked at.

import { preview } from '../chat/content.js';

/** @type {AudioContext | null} */
let audio = null;

function beep() {
  try {
    audio ??= new AudioContext();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.25);
  } catch {
    // no audio output: fine
  }
}

/**
 * Subscribes to chat's events (chat/chat-events.js: the badge follows
 * unread counts, 'incoming' may notify) and the calls' ('ringing').
 * preferences() → the settings in force; onScreen (ui/on-screen.js): what
 * the user looks at is not notified.
 * @param {{ chat: import('./home-view.js').Services['chat'], calls: import('./home-view.js').Services['calls'],
 *   preferences: () => import('../core/settings.js').Preferences, onScreen: import('./on-screen.js').OnScreen }} services
 */
export function createNotifier({ chat, calls, preferences, onScreen }) {
  const baseTitle = document.title;
  const titleOf = (/** @type {string} */ conversationId) => chat.conversation(conversationId)?.title ?? '';

  function badge() {
    const unread = chat.totalUnread();
    document.title = unread ? `(${unread}) ${baseTitle}` : baseTitle;
  }

  /** A message arrived in a conversation. @param {import('../chat/chat-events.js').Incoming} event */
  function incoming({ conversation, message }) {
    badge();
    if (onScreen.isVisible(conversation)) return;
    const prefs = preferences();
    if (prefs.sound) beep();
    if (document.hidden && prefs.notifications && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      const notification = new Notification(titleOf(conversation), {
        body: prefs.notificationPreview ? preview(message.content) : 'New message',
        tag: conversation,
        silent: !prefs.sound,
      });
      notification.onclick = () => {
        window.focus();
        notification.close();
      };
    }
  }

  /** A call rings: a notification when the tab is hidden (the call screen rings itself). */
  /** @param {{ call: import('../calls/calls.js').Call }} event */
  function incomingCall({ call }) {
    const prefs = preferences();
    if (!document.hidden || !prefs.notifications || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const notification = new Notification(titleOf(call.conversationId), {
      body: call.video ? 'Incoming video call' : 'Incoming voice call',
      tag: `call ${call.conversationId}`,
      requireInteraction: true,
    });
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
  }

  const stopListening = [
    chat.events.on('incoming', incoming),
    .../** @type {const} */ (['unread-changed', 'message-stored', 'message-copied']).map((name) => chat.events.on(name, badge)),
    calls.events.on('ringing', incomingCall),
  ];
  badge();

  return {
    badge,
    async requestPermission() {
      if (typeof Notification === 'undefined') return 'unsupported';
      return Notification.requestPermission();
    },
    permission: () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission),
    close() {
      for (const stop of stopListening) stop();
      document.title = baseTitle;
    },
  };
}
