// @ts-check
// A set of WebSocket endpoints (trackers or relays) that stay connected on
// their own: each reconnects with jittered exponential backoff, none blocks
// another, and failures become status (state, last error), not console noise.

import { backoffDelay } from '../backoff.js';

/** Largest message accepted from a tracker or relay. */
export const MAX_INCOMING = 256 * 1024;

/**
 * @typedef {'connecting' | 'open' | 'retrying' | 'stopped'} EndpointState
 * @typedef {{ url: string, state: EndpointState, attempts: number, lastError: string | null, lastErrorAt: number | null,
 *   retryAt?: number, openedAt?: number, ws?: WebSocket | null, timer?: number, send: (value: unknown) => boolean }} Endpoint
 * @typedef {{ onOpen?: (endpoint: Endpoint) => void, onMessage?: (endpoint: Endpoint, message: any) => void, onStatus?: () => void }} PoolHandlers
 *   onMessage's message: parsed JSON from the server, anything at all (each strategy checks what it reads)
 */

/**
 * handlers: onOpen(endpoint), onMessage(endpoint, data), onStatus().
 * An endpoint: {url, state: 'connecting'|'open'|'retrying'|'stopped', lastError, lastErrorAt, send(value)}.
 * @param {PoolHandlers} handlers
 */
export function createSocketPool(handlers) {
  /** @type {Map<string, Endpoint>} */
  const endpoints = new Map();

  /** @param {Endpoint} endpoint @param {string} reason */
  function failed(endpoint, reason) {
    if (endpoint.state === 'stopped') return;
    endpoint.ws = null;
    endpoint.state = 'retrying';
    endpoint.lastError = reason;
    endpoint.lastErrorAt = Date.now();
    const delay = backoffDelay(endpoint.attempts++);
    endpoint.retryAt = Date.now() + delay;
    clearTimeout(endpoint.timer);
    endpoint.timer = setTimeout(() => connect(endpoint), delay);
    handlers.onStatus?.();
  }

  /** @param {Endpoint} endpoint */
  function connect(endpoint) {
    clearTimeout(endpoint.timer);
    if (endpoint.state === 'stopped') return;
    endpoint.state = 'connecting';
    let ws;
    try {
      ws = new WebSocket(endpoint.url);
    } catch (error) {
      failed(endpoint, `invalid address: ${/** @type {Error} */ (error).message}`);
      return;
    }
    endpoint.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      endpoint.state = 'open';
      endpoint.attempts = 0;
      endpoint.openedAt = Date.now();
      handlers.onStatus?.();
      handlers.onOpen?.(endpoint);
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string' || event.data.length > MAX_INCOMING) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      handlers.onMessage?.(endpoint, message);
    };
    ws.onclose = (event) => {
      if (endpoint.ws !== ws) return;
      failed(endpoint, opened ? `connection closed (code ${event.code})` : 'could not connect');
    };
  }

  const pool = {
    /** Opens the given URLs, closes the others. */
    /** @param {Iterable<string>} urls */
    setUrls(urls) {
      const wanted = new Set(urls);
      for (const [url, endpoint] of endpoints) {
        if (!wanted.has(url)) {
          endpoint.state = 'stopped';
          clearTimeout(endpoint.timer);
          endpoint.ws?.close();
          endpoints.delete(url);
        }
      }
      for (const url of wanted) {
        if (endpoints.has(url)) continue;
        /** @type {Endpoint} */
        const endpoint = {
          url,
          state: 'connecting',
          attempts: 0,
          lastError: null,
          lastErrorAt: null,
          send(value) {
            if (this.state !== 'open' || !this.ws) return false;
            this.ws.send(JSON.stringify(value));
            return true;
          },
        };
        endpoints.set(url, endpoint);
        connect(endpoint);
      }
      handlers.onStatus?.();
    },
    /** Endpoints that are connected now. */
    open: () => [...endpoints.values()].filter((e) => e.state === 'open'),
    /** Retry everything that is down, now (network back, machine awake). */
    wake() {
      for (const endpoint of endpoints.values()) {
        if (endpoint.state === 'retrying') {
          endpoint.attempts = 0;
          connect(endpoint);
        } else if (endpoint.state === 'open' && endpoint.ws?.readyState !== WebSocket.OPEN) {
          failed(endpoint, 'connection lost');
        }
      }
    },
    status: () =>
      [...endpoints.values()].map(({ url, state, lastError, lastErrorAt, retryAt, openedAt }) => ({ url, state, lastError, lastErrorAt, retryAt, openedAt })),
    close() {
      pool.setUrls([]);
    },
  };
  return pool;
}
