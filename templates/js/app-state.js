// The logged-in session's parts, in one place: views read them, and the
// browser tests and benchmarks reach them through this module.

export const app = {
  cryptoClient: null,
  identity: null,
  store: null,
  network: null,
  friends: null,
  localTracker: null,
  settings: null,
};
