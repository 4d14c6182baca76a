// @ts-check
// The composer under an open conversation: the message box (Enter sends,
// Shift+Enter breaks the line, pasting files attaches them), the attach
// button, and the line that says why something was not sent.

import { el } from './dom.js';

/**
 * chat and transfers: where a text and files go; onSent() after a message
 * left (the room cycler keeps that conversation's room joined).
 * @param {string} conversationId
 * @param {{ chat: import('./home-view.js').Services['chat'], transfers: import('./home-view.js').Services['transfers'], onSent: () => void }} services
 */
export function createComposer(conversationId, { chat, transfers, onSent }) {
  const textarea = el('textarea', { className: 'compose-text', rows: 2, placeholder: 'Message', maxLength: 64000, 'aria-label': 'Message' });
  const fileInput = el('input', { type: 'file', multiple: true, hidden: true, className: 'attach-input' });
  const error = el('p', { className: 'error compose-error', role: 'alert', hidden: true });

  /** @param {string} text */
  function showError(text) {
    error.textContent = text;
    error.hidden = false;
  }

  async function sendText() {
    const text = textarea.value.trim();
    if (!text) return;
    textarea.value = '';
    error.hidden = true;
    try {
      await chat.send(conversationId, { t: 'text', body: text });
      onSent();
    } catch (failure) {
      textarea.value = text;
      showError(`Not sent: ${failure.message}`);
    }
  }

  /** @param {File[]} fileList */
  async function attachFiles(fileList) {
    for (const file of fileList) {
      error.hidden = true;
      try {
        await transfers.attach(conversationId, file);
      } catch (failure) {
        showError(`Could not attach ${file.name}: ${failure.message}`);
      }
    }
  }

  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText();
    }
  });
  textarea.addEventListener('input', () => chat.typing(conversationId));
  textarea.addEventListener('paste', (event) => {
    const pasted = [...(event.clipboardData?.files ?? [])];
    if (pasted.length) {
      event.preventDefault();
      attachFiles(pasted);
    }
  });
  fileInput.addEventListener('change', () => {
    attachFiles([...(fileInput.files ?? [])]);
    fileInput.value = '';
  });

  const form = el(
    'form',
    {
      className: 'composer',
      onsubmit: (event) => {
        event.preventDefault();
        sendText();
      },
    },
    el('button', {
      type: 'button',
      className: 'ghost attach',
      title: 'Attach files or images',
      'aria-label': 'Attach files or images',
      text: 'Attach',
      onclick: () => fileInput.click(),
    }),
    fileInput,
    textarea,
    el('button', { type: 'submit', className: 'primary send', text: 'Send' }),
  );

  return {
    /** The form, then the error line (both go under the messages). */
    elements: [form, error],
    attachFiles,
    showError,
    clearError: () => {
      error.hidden = true;
    },
    focus: () => textarea.focus(),
  };
}
