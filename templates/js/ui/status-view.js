// The connection status of each signalling strategy: which trackers and
// relays are connected, and the last error of those that are not.

import { el, replaceChildren } from './dom.js';

const STATE_TEXT = { open: 'connected', connecting: 'connecting…', retrying: 'unreachable, retrying', stopped: 'off' };

function endpointRow(endpoint) {
  const retry = endpoint.state === 'retrying' && endpoint.retryAt ? ` (next try in ${Math.max(0, Math.round((endpoint.retryAt - Date.now()) / 1000))} s)` : '';
  return el(
    'li',
    { className: `endpoint ${endpoint.state}`, 'data-url': endpoint.url, 'data-state': endpoint.state },
    el('span', { className: 'dot', 'aria-hidden': 'true' }),
    el('code', { text: endpoint.url }),
    el('span', { className: 'state', text: `${STATE_TEXT[endpoint.state] ?? endpoint.state}${retry}` }),
    endpoint.lastError ? el('span', { className: 'hint', text: ` — last error: ${endpoint.lastError}` }) : null,
  );
}

export function createStatusView({ network }) {
  const trackers = el('ul', { id: 'tracker-status', className: 'endpoints' });
  const relays = el('ul', { id: 'relay-status', className: 'endpoints' });
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
  );

  function render() {
    const status = network.status();
    const connected = (list) => list.filter((e) => e.state === 'open').length;
    summary.textContent =
      `${status.peers} authenticated peer${status.peers === 1 ? '' : 's'} in ${status.rooms} room${status.rooms === 1 ? '' : 's'}; ` +
      `${connected(status.trackers)} of ${status.trackers.length} trackers and ${connected(status.relays)} of ${status.relays.length} relays connected.`;
    replaceChildren(trackers, status.trackers.length ? status.trackers.map(endpointRow) : [el('li', { className: 'hint', text: 'Trackers are off.' })]);
    replaceChildren(relays, status.relays.length ? status.relays.map(endpointRow) : [el('li', { className: 'hint', text: 'Relays are off.' })]);
  }
  render();
  return { element: section, render };
}
