// @ts-check
// The partial mesh of a large group's room (DESIGN.md §8), as two rules the
// room applies (net/room.js) and the simulations test (tests/js/groups-scale.test.mjs):
// seek peers up to a target, take offers up to twice that. Twice, so that a
// member who joins late always finds others with room for it, while no page
// ever holds more than `2 × target` connections in one group.

/** How many more peers to seek: the allowed ones missing, up to `target` (null: all). */
/** @param {{ ready: number, missing: number, target: number | null }} counts */
export function peersToSeek({ ready, missing, target }) {
  return target === null ? missing : Math.max(0, Math.min(missing, target - ready));
}

/** Whether a room with `open` connections (in any state but closed) may take no more. */
/** @param {{ open: number, target: number | null }} counts */
export function meshFull({ open, target }) {
  return target !== null && open >= 2 * target;
}

/** Whether a room with a mesh target is a partial mesh: more allowed peers than it seeks (a small group stays a full mesh). */
/** @param {{ allowed: number, target: number | null }} counts */
export function isPartialMesh({ allowed, target }) {
  return target !== null && allowed > target;
}
