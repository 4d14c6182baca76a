// Telling the user about new messages: the unread count in the tab title,
// a desktop notification while the tab is hidden (with permission), and an
// optional short sound. Nothing for the conversation being looked at.

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

export function createNotifier({ preferences, totalUnread, isVisible, titleOf }) {
  const baseTitle = document.title;
  return {
    /** Updates the tab title badge. */
    badge() {
      const unread = totalUnread();
      document.title = unread ? `(${unread}) ${baseTitle}` : baseTitle;
    },
    /** A message arrived in `conversation`. */
    incoming(conversation, message, text) {
      this.badge();
      if (isVisible(conversation.id)) return;
      const prefs = preferences();
      if (prefs.sound) beep();
      if (document.hidden && prefs.notifications && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
        const notification = new Notification(titleOf(conversation), {
          body: prefs.notificationPreview ? text : 'New message',
          tag: conversation.id,
          silent: !prefs.sound,
        });
        notification.onclick = () => {
          window.focus();
          notification.close();
        };
      }
    },
    /** A call rings: a notification when the tab is hidden (the call screen rings itself). */
    incomingCall(conversation, video) {
      const prefs = preferences();
      if (!document.hidden || !prefs.notifications || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
      const notification = new Notification(titleOf(conversation), {
        body: video ? 'Incoming video call' : 'Incoming voice call',
        tag: `call ${conversation.id}`,
        requireInteraction: true,
      });
      notification.onclick = () => {
        window.focus();
        notification.close();
      };
    },
    async requestPermission() {
      if (typeof Notification === 'undefined') return 'unsupported';
      return Notification.requestPermission();
    },
    permission: () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission),
  };
}
