// @ts-check
// Room cycling (DESIGN.md §8): with hundreds or thousands of contacts, stay in
// at most `maxRooms` rooms at once. Always in: the open conversations, rooms
// with something waiting to be delivered, recently active ones; the rest take
// turns in batches every few minutes.

export const DEFAULT_MAX_ROOMS = 50;
export const ROTATE_MS = 3 * 60_000;
/** Rooms active this recently always stay joined. */
export const RECENT_MS = 15 * 60_000;
const TICK_MS = 5_000;

/**
 * @typedef {{ key: string, joined: boolean, lastActive?: number | null, join: () => void, leave: () => void }} RoomCandidate
 */

/**
 * candidates(): [{key, joined, lastActive, conversationId, fingerprints, join(), leave()}]
 * isImportant(candidate): open conversation, pending outbox, transfer in flight.
 * @template {RoomCandidate} C
 * @param {{ candidates: () => C[], isImportant: (candidate: C) => boolean, maxRooms: () => number }} options
 */
export function createCycler({ candidates, isImportant, maxRooms }) {
  let offset = 0;
  let lastRotation = Date.now();

  function choose(now = Date.now()) {
    const all = candidates();
    const limit = Math.max(1, maxRooms());
    const important = all.filter((c) => isImportant(c) || now - (c.lastActive ?? 0) < RECENT_MS);
    const rest = all.filter((c) => !important.includes(c)).sort((a, b) => (a.key < b.key ? -1 : 1));
    const chosen = important.slice(0, limit);
    const room = limit - chosen.length;
    if (room > 0 && rest.length) {
      if (now - lastRotation >= ROTATE_MS) {
        offset = (offset + room) % rest.length;
        lastRotation = now;
      }
      for (let i = 0; i < Math.min(room, rest.length); i++) chosen.push(rest[(offset + i) % rest.length]);
    }
    return { all, chosen: new Set(chosen) };
  }

  function apply(now = Date.now()) {
    const { all, chosen } = choose(now);
    for (const candidate of all) {
      if (chosen.has(candidate) && !candidate.joined) candidate.join();
      else if (!chosen.has(candidate) && candidate.joined) candidate.leave();
    }
  }

  const timer = setInterval(apply, TICK_MS);
  return {
    /** Re-evaluates now (a conversation opened, a message queued); `now` for tests. */
    apply,
    /** Which rooms are joined now. */
    joined: () =>
      candidates()
        .filter((c) => c.joined)
        .map((c) => c.key),
    choose,
    stop: () => clearInterval(timer),
  };
}
