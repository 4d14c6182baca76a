// The page's only door to cryptography: a promise-based RPC client for the
// crypto worker (templates/worker.js). Requests carry an id and a namespaced
// type; replies settle the matching promise; failures reject with an Error
// whose `code` is stable (see worker/src/error.rs) — branch on it, not on text.

const WORKER_PATH = 'worker.js';

function rpcError(code, message) {
  const error = new Error(`crypto: ${message}`);
  error.code = code;
  return error;
}

/** Fetches worker.js, checks it against the integrity pinned in the page and
 *  starts it from those exact bytes. */
async function startWorker(integrity) {
  const response = await fetch(WORKER_PATH, { integrity, credentials: 'omit' });
  if (!response.ok) throw rpcError('worker-load', `loading ${WORKER_PATH} failed: HTTP ${response.status}`);
  // Kept alive: the worker starts a short-lived helper from the same bytes
  // for each login (see templates/worker.js).
  const url = URL.createObjectURL(new Blob([await response.arrayBuffer()], { type: 'text/javascript' }));
  return new Worker(url, { name: 'trustero-crypto' });
}

export function createCryptoClient(integrity) {
  const pending = new Map(); // id -> {resolve, reject, onProgress}
  let nextId = 1;
  let failure = null;

  const workerPromise = startWorker(integrity).then((worker) => {
    worker.onmessage = ({ data }) => {
      const entry = pending.get(data.id);
      if (!entry) return;
      if ('progress' in data) {
        entry.onProgress?.(data.progress);
        return;
      }
      pending.delete(data.id);
      if (data.ok) entry.resolve(data.result);
      else entry.reject(rpcError(data.error.code, data.error.message));
    };
    worker.onerror = (event) => {
      failure = rpcError('worker-crashed', event.message || 'the crypto worker stopped');
      for (const entry of pending.values()) entry.reject(failure);
      pending.clear();
    };
    return worker;
  });

  function call(type, args = {}, { onProgress, transfer = [] } = {}) {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress });
      workerPromise.then(
        (worker) => worker.postMessage({ id, type, args }, transfer),
        (error) => {
          pending.delete(id);
          reject(error);
        },
      );
    });
  }

  const ready = call('worker.init', { baseUrl: location.href });

  return {
    /** Resolves once the WASM is verified and instantiated. */
    ready,
    call,
    derive: (username, password, bits, onProgress) =>
      call('identity.derive', { username, password, bits }, { onProgress }),
    logout: () => call('identity.logout'),
    safetyNumber: (spki) => call('identity.safetyNumber', { spki }),
    inspectKey: (spki) => call('key.inspect', { spki }),
    sealEnvelope: (args) => call('envelope.seal', args),
    openEnvelope: (envelope, senderSpki) => call('envelope.open', { envelope, senderSpki }),
    openStored: (envelope, receipt) => call('envelope.openStored', { envelope, receipt }),
    peekEnvelope: (envelope) => call('envelope.peek', { envelope }),
    verifyEnvelope: (envelope, senderSpki) => call('envelope.verify', { envelope, senderSpki }),
    // With {transfer: true} the buffer moves to the worker instead of being
    // copied (the caller's array is emptied): use it for bulk data.
    vaultSeal: (context, plaintext, { transfer = false } = {}) =>
      call('vault.seal', { context, plaintext }, { transfer: transfer ? [plaintext.buffer] : [] }),
    vaultOpen: (context, record, { transfer = false } = {}) =>
      call('vault.open', { context, record }, { transfer: transfer ? [record.buffer] : [] }),
    sha256: (bytes) => call('hash.sha256', { bytes }),
  };
}
