// @ts-check
// The test façade: the running session's services, for the browser tests
// and benchmarks only (they import this module inside the page). main.js,
// the composition root, fills it at login and empties it at logout; no other
// module imports it — views and services receive what they use explicitly.
//
//   cryptoClient, identity, store, sessions, network, mailbox, chat, contacts, groups,
//   transfers, calls, cycler, preferences, settings
//
// and one action: saveSettings(settings), what the settings form does on
// Save, for tests whose subject is not that form (tests/e2e/driver.mjs).

export const app = {};
