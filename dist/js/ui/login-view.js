// @ts-check
// The login screen: username + password become an identity, derived in the
// crypto worker (Argon2id, then RSA key generation), with nothing stored.

import { el, replaceChildren } from './dom.js';
import { estimate, MIN_BITS } from '../core/strength.js';

const KEY_SIZES = [
  { bits: 2048, label: '2048-bit (default, fastest login)' },
  { bits: 3072, label: '3072-bit' },
  { bits: 4096, label: '4096-bit (slowest login)' },
];

/** @type {Record<string, string>} */
const STAGES = {
  argon2: 'Stretching your password (Argon2id, 64 MiB)…',
  keygen: 'Generating your RSA key…',
  import: 'Loading the key into the browser’s crypto engine…',
};

/** @type {Record<string, string | null>} */
const ERROR_TEXT = {
  'invalid-username': 'Enter a username (at most 256 bytes).',
  'invalid-password': 'Enter a password (at most 1024 bytes).',
  'unassigned-character': null, // the worker's message names the character
  altered: null, // the message names the file that failed its pinned hash
  'unsupported-key-size': 'Choose a key size of 2048, 3072 or 4096 bits.',
  'wasm-load': 'The crypto engine could not be loaded. Reload the page; if this persists, this copy of Trustero may be damaged.',
  'worker-load': 'The crypto worker could not be loaded or failed its integrity check. Reload the page.',
  webcrypto: 'Your browser refused a cryptographic operation. Use a current browser over https:// or http://localhost.',
};

/**
 * The identity a login derived, as the page knows it: its public half (the
 * rest stays in the crypto worker) and how long deriving it took.
 * @typedef {import('../core/crypto-client.js').PublicSession & { derivedMs: number }} Identity
 */

/**
 * The login form in `root`. onLogin(identity) once an identity is derived;
 * `notice`: what the form says first (why the last session ended).
 * @param {HTMLElement} root
 * @param {{ cryptoClient: import('../core/crypto-client.js').CryptoClient, onLogin: (identity: Identity) => unknown, notice?: string }} options
 */
export function mountLogin(root, { cryptoClient, onLogin, notice }) {
  const username = el('input', {
    id: 'username',
    name: 'username',
    autocomplete: 'username',
    required: true,
    spellcheck: false,
    autocapitalize: 'off',
  });
  const password = el('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const reveal = el('button', {
    type: 'button',
    className: 'ghost',
    'aria-controls': 'password',
    text: 'Show',
    onclick: () => {
      const hidden = password.type === 'password';
      password.type = hidden ? 'text' : 'password';
      reveal.textContent = hidden ? 'Hide' : 'Show';
    },
  });
  const meter = el('meter', { id: 'strength-meter', min: 0, max: 4, low: 1.5, high: 2.5, optimum: 4, value: 0 });
  const meterLabel = el('span', { id: 'strength-label', className: 'strength-label' });
  const advice = el('ul', { id: 'strength-advice', className: 'advice' });
  const bits = el(
    'select',
    { id: 'key-size', name: 'bits' },
    KEY_SIZES.map((size) => el('option', { value: String(size.bits), text: size.label })),
  );
  const submit = el('button', { type: 'submit', className: 'primary', id: 'login-button', text: 'Log in' });
  const status = el('div', { id: 'login-status', className: 'status', role: 'status' });
  const error = el('p', { id: 'login-error', className: 'error', role: 'alert', hidden: true });

  const updateStrength = () => {
    const result = estimate(password.value, { username: username.value });
    meter.value = result.level;
    meterLabel.textContent = password.value ? `${result.label} (about ${result.bits} bits)${result.acceptable ? '' : ' — not accepted'}` : '';
    replaceChildren(advice, password.value ? result.feedback.map((text) => el('li', { text })) : []);
    return result;
  };
  password.addEventListener('input', updateStrength);
  username.addEventListener('input', updateStrength);

  const showError = (/** @type {string | null} */ text) => {
    error.textContent = text;
    error.hidden = !text;
  };

  const form = el(
    'form',
    {
      id: 'login-form',
      className: 'card',
      noValidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        showError('');
        if (!username.value.trim()) {
          showError(ERROR_TEXT['invalid-username']);
          username.focus();
          return;
        }
        const strength = updateStrength();
        if (!strength.acceptable) {
          showError(
            `This password is too easy to guess (about ${strength.bits} bits; at least ${MIN_BITS} are required). ` +
              'Anyone who guesses your username and password becomes you, so Trustero refuses weak ones.',
          );
          password.focus();
          return;
        }
        await derive();
      },
    },
    el('h2', { text: 'Log in or create your identity' }),
    notice ? el('p', { className: 'warning', id: 'login-notice', text: notice }) : null,
    el('p', {
      className: 'hint',
      text: 'The same username and password give the same identity on any device. Nothing is stored or sent anywhere: there is no account to recover, so remember both.',
    }),
    el('label', { for: 'username', text: 'Username' }),
    username,
    el('label', { for: 'password', text: 'Password' }),
    el('div', { className: 'row' }, password, reveal),
    el('div', { className: 'strength' }, meter, meterLabel),
    advice,
    el('p', {
      className: 'warning',
      id: 'strength-warning',
      text: 'Your identity is only as strong as your password: use four or more random words, or a password manager.',
    }),
    el('label', { for: 'key-size', text: 'Key size' }),
    bits,
    submit,
    status,
    error,
  );

  async function derive() {
    const controls = [username, password, reveal, bits, submit];
    controls.forEach((c) => {
      c.disabled = true;
    });
    const started = performance.now();
    const stageText = el('span', { id: 'login-stage', text: STAGES.argon2 });
    const elapsed = el('span', { className: 'elapsed' });
    replaceChildren(status, el('span', { className: 'spinner', 'aria-hidden': 'true' }), stageText, elapsed);
    const timer = setInterval(() => {
      elapsed.textContent = ` ${((performance.now() - started) / 1000).toFixed(1)} s`;
    }, 100);
    try {
      const identity = await cryptoClient.derive(username.value, password.value, Number(bits.value), (stage) => {
        stageText.textContent = STAGES[stage] ?? stage;
      });
      password.value = '';
      // The username stays in the worker: the page keeps only the public identity.
      username.value = '';
      onLogin({ ...identity, derivedMs: performance.now() - started });
    } catch (failure) {
      replaceChildren(status);
      showError(ERROR_TEXT[failure.code] ?? `Login failed: ${failure.message.replace(/^crypto: /, '')}`);
      controls.forEach((c) => {
        c.disabled = false;
      });
    } finally {
      clearInterval(timer);
    }
  }

  replaceChildren(root, form);
  // A worker that cannot start (an altered copy, a damaged download) is
  // reported at once, not after the user has typed a password.
  cryptoClient.ready.catch((/** @type {any} */ failure) => {
    showError(ERROR_TEXT[failure.code] ?? failure.message);
    submit.disabled = true;
  });
  username.focus();
}
