// @ts-check
// The connection status of each signalling strategy: which trackers and
// relays are connected, and the last error of those that are not; and the
// mailbox's relays: whether our mail is read there, caught up, authenticated,
// paused for rate limits, and the largest message each takes.

import { el, replaceChildren } from './dom.js';
import { secondsUntil } from './time.js';

/**
 * @typedef {import('./home-view.js').Services} Services
 * @typedef {ReturnType<Services['mailbox']['status']>[number]} MailboxRelay
 * @typedef {{ url: string, state: string, retryAt?: number | null, lastError?: string | null }} Endpoint
 */

/** @type {Record<string, string>} */
const STATE_TEXT = { open: 'connected', connecting: 'connecting…', retrying: 'unreachable, retrying', stopped: 'off', idle: 'connects only to leave mail' };

/**
 * A tracker's or relay's row: its address, state and last error.
 * @param {Endpoint} endpoint
 */
function endpointRow(endpoint) {
  const retry = endpoint.state === 'retrying' && endpoint.retryAt ? ` (next try in ${secondsUntil(endpoint.retryAt)} s)` : '';
  return el(
    'li',
    { className: `endpoint ${endpoint.state}`, 'data-url': endpoint.url, 'data-state': endpoint.state },
    el('span', { className: 'dot', 'aria-hidden': 'true' }),
    el('code', { text: endpoint.url }),
    el('span', { className: 'state', text: `${STATE_TEXT[endpoint.state] ?? endpoint.state}${retry}` }),
    endpoint.lastError ? el('span', { className: 'hint', text: ` — last error: ${endpoint.lastError}` }) : null,
  );
}

/** @type {Record<string, string>} */
const SUBSCRIPTION_TEXT = {
  none: 'not reading yet',
  asked: 'catching up…',
  live: 'caught up, receiving',
  'waiting-auth': 'waiting to authenticate',
  paused: 'paused (rate-limited)',
  closed: 'refused our subscription',
};

/** One relay of the mailbox: what we do with it and how that goes. @param {MailboxRelay} relay */
function mailboxRow(relay) {
  const parts = [relay.reads ? (SUBSCRIPTION_TEXT[relay.subscription] ?? relay.subscription) : 'we only leave contacts’ mail here'];
  if (relay.auth === 'ok') parts.push('authenticated (NIP-42)');
  else if (relay.auth === 'refused') parts.push('authentication refused');
  if (relay.pausedUntil) parts.push(`sending paused for ${Math.max(1, Math.round((relay.pausedUntil - Date.now()) / 1000))} s (rate-limited)`);
  if (relay.waiting) parts.push(`${relay.waiting} waiting to go`);
  if (relay.maxMessage) parts.push(`takes messages up to ${Math.round(relay.maxMessage / 1024)} KiB`);
  // Each has a state: a relay we read from, its socket's (net/signal/sockets.js); one we only write to, the courier's.
  const row = endpointRow(/** @type {Endpoint} */ (relay));
  row.dataset.subscription = relay.subscription;
  row.dataset.auth = relay.auth;
  row.dataset.reads = String(relay.reads);
  row.append(el('span', { className: 'hint mailbox-state', text: ` — ${parts.join('; ')}` }));
  return row;
}

/**
 * The network tab: `network` (net/network.js) and `mailbox` (chat/mailbox.js, or null) say how they stand.
 * @param {{ network: Services['network'], mailbox?: Services['mailbox'] | null }} services
 */
export function createStatusView({ network, mailbox }) {
  const trackers = el('ul', { id: 'tracker-status', className: 'endpoints' });
  const relays = el('ul', { id: 'relay-status', className: 'endpoints' });
  const mailboxRelays = el('ul', { id: 'mailbox-status', className: 'endpoints' });
  const summary = el('p', { id: 'network-summary', className: 'hint' });
  const section = el(
    'section',
    { id: 'network', className: 'card' },
    el('h2', { text: 'Network' }),
    summary,
    el('h3', { text: 'WebTorrent trackers' }),
    trackers,
    el('h3', { text: 'Nostr relays' }),
    relays,
    el('h3', { text: 'Mailbox relays' }),
    el('p', {
      className: 'hint',
      text: 'Where mail waits for contacts who are away, and where ours waits for us. Relays see only sealed wraps, each from a one-time key.',
    }),
    mailboxRelays,
  );

  function render() {
    const status = network.status();
    const connected = (/** @type {{ state: string }[]} */ list) => list.filter((e) => e.state === 'open').length;
    summary.textContent =
      `${status.peers} authenticated peer${status.peers === 1 ? '' : 's'} in ${status.rooms} room${status.rooms === 1 ? '' : 's'}; ` +
      `${connected(status.trackers)} of ${status.trackers.length} trackers and ${connected(status.relays)} of ${status.relays.length} relays connected.`;
    replaceChildren(trackers, status.trackers.length ? status.trackers.map(endpointRow) : [el('li', { className: 'hint', text: 'Trackers are off.' })]);
    replaceChildren(relays, status.relays.length ? status.relays.map(endpointRow) : [el('li', { className: 'hint', text: 'Relays are off.' })]);
    const mail = mailbox?.status() ?? [];
    replaceChildren(
      mailboxRelays,
      mail.length
        ? mail.map(mailboxRow)
        : [el('li', { className: 'hint', text: 'No mailbox relay: messages reach contacts only while both of you are online.' })],
    );
  }
  render();
  return { element: section, render };
}
