// @ts-check
// Named, typed events (issue 23): a domain says what happened by name, with
// a payload of a declared shape, and whoever needs it subscribes to that
// name — instead of one untyped onChange(event) whose fields each listener
// sniffs. The event map is a JSDoc typedef next to the domain that emits it
// (chat/chat-events.js, …), so `tsc --checkJs` checks both ends.
//
// A listener that throws does not stop the others nor the emitter: the
// error is reported (window "error" event, the console) and emission goes on.

/**
 * @template {Record<string, unknown>} EventMap  event name -> payload
 * @typedef {{
 *   on: <K extends keyof EventMap>(name: K, listener: (payload: EventMap[K]) => void) => () => void,
 *   emit: <K extends keyof EventMap>(name: K, payload: EventMap[K]) => void,
 *   clear: () => void,
 * }} Events
 */

/**
 * A hub of named events. `on(name, listener)` returns the function that
 * unsubscribes it; `emit` calls the listeners of `name` in the order they
 * subscribed; `clear` drops every listener (the session's end).
 * @template {Record<string, unknown>} EventMap
 * @returns {Events<EventMap>}
 */
export function createEvents() {
  /** @type {Map<keyof EventMap, Set<(payload: any) => void>>} */
  const listeners = new Map();
  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    emit(name, payload) {
      // A copy: a listener may unsubscribe (itself or another) while called.
      for (const listener of [...(listeners.get(name) ?? [])]) {
        try {
          listener(payload);
        } catch (error) {
          report(error);
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}

function report(/** @type {unknown} */ error) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else console.error(error);
}
