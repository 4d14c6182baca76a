// @ts-check
// The bookkeeping of one catch-up on one relay (net/mailbox-relays.js says
// why it pages back and how it resists junk): what each page brought, and
// from that whether to ask for an older page. No sockets and no timers here:
// the relay's code sends the requests and keeps the page's timeout.

/** Pages one catch-up asks for at most (a hostile relay could feed new ids for ever). */
export const MAX_PAGES = 100;
/** Wrap ids one catch-up remembers to tell a page with something new from a repeat. */
const MAX_PAGE_IDS = 50_000;

/**
 * until: what the page asked up to (null: the first request, which has no
 * `until`); inRange: the wraps it brought within the catch-up's bounds;
 * fresh: those not seen earlier in this catch-up; oldest: the oldest
 * `created_at` among them; atUntil: whether they all sat at the second it
 * asked up to; beyond: wraps dated after the catch-up's upper bound;
 * opened, junk: how the ones handed over turned out (junk: did not open, or
 * could not be checked yet).
 * @typedef {{ until: number | null, inRange: number, fresh: number, oldest: number, atUntil: boolean, beyond: number, opened: number, junk: number }} Page
 * @typedef {{ since: number, upper: number, ids: Set<string>, pages: number, pageTimer: any, handed: number, over: boolean, page: Page }} CatchUp
 *   since, upper: its bounds (seconds); ids: wraps it has seen; pages: older
 *   pages asked for; pageTimer: the timeout of the page asked for (null:
 *   none outstanding); handed: wraps handed over to be opened; over: its
 *   budget ran out.
 */

/** A page asked up to `until`, before any answer. @param {number | null} until @returns {Page} */
export const emptyPage = (until) => ({ until, inRange: 0, fresh: 0, oldest: Infinity, atUntil: true, beyond: 0, opened: 0, junk: 0 });

/** A catch-up of what was created from `since` to `upper` (seconds), before its first answer. @returns {CatchUp} */
export function createCatchUp(/** @type {{ since: number, upper: number }} */ { since, upper }) {
  return { since, upper, ids: new Set(), pages: 0, pageTimer: null, handed: 0, over: false, page: emptyPage(null) };
}

/**
 * A stored event of the running catch-up: counts it for its page; whether
 * it is within the bounds (to be handled).
 * @param {CatchUp} catchUp @param {unknown} event @returns {boolean}
 */
export function countForPage(catchUp, event) {
  const { id, created_at: createdAt } = /** @type {{id?: unknown, created_at?: unknown}} */ (event ?? {});
  if (typeof id !== 'string' || !Number.isSafeInteger(createdAt)) return false;
  const at = /** @type {number} */ (createdAt);
  const page = catchUp.page;
  if (at > catchUp.upper) {
    page.beyond += 1; // from the future: not handled, and no page is sized by it
    return false;
  }
  if (at < catchUp.since) return false;
  page.inRange += 1;
  if (!catchUp.ids.has(id) && catchUp.ids.size < MAX_PAGE_IDS) {
    catchUp.ids.add(id);
    page.fresh += 1;
  }
  page.oldest = Math.min(page.oldest, at);
  if (page.until === null || at !== page.until) page.atUntil = false;
  return true;
}

/**
 * What one page of a catch-up tells about the next (a pure step, tested
 * alone): `page` counts the in-range wraps it brought (`inRange`), the new
 * ones (`fresh`), the oldest `created_at` among them, whether they all sat
 * at the second it asked up to (`atUntil`), and whether it brought wraps
 * dated beyond the catch-up's upper bound (`beyond`). `until` is what the
 * page asked up to (null: the first request, which has no `until`).
 * Returns the next `until` to ask for, or null: the catch-up is complete.
 * @param {{ since: number, upper: number }} catchUp
 * @param {{ until: number | null, inRange: number, fresh: number, oldest: number, atUntil: boolean, beyond: number }} page
 * @returns {number | null}
 */
export function nextPageUntil({ since, upper }, page) {
  let next = null;
  if (page.fresh > 0) {
    // `until` is inclusive: events of that very second come again, and are not new.
    next = Math.min(page.oldest, upper);
  } else if (page.inRange >= 2 && page.atUntil && page.until !== null) {
    // Saturated at one second (junk sharing a created_at): go on from the second before.
    next = page.until - 1;
  } else if (page.until === null && page.beyond > 0) {
    // The first answer was taken up by wraps from the future: ask again, bounded.
    next = upper;
  }
  return next !== null && next > since ? next : null;
}

/**
 * The `until` of the older page to ask for after the current one, or null:
 * the catch-up is over (complete, out of budget, or at MAX_PAGES).
 * @param {CatchUp} catchUp @returns {number | null}
 */
export const olderPageUntil = (catchUp) => (catchUp.over || catchUp.pages >= MAX_PAGES ? null : nextPageUntil(catchUp, catchUp.page));

/**
 * Whether a catch-up that ended may move the relay's cursor: not when its
 * last page brought nothing but wraps that did not open (junk ended it:
 * what lies behind may be real), nor when it ran out of budget.
 * @param {CatchUp} catchUp @returns {boolean}
 */
export const movesCursor = (catchUp) => !(catchUp.page.junk > 0 && catchUp.page.opened === 0) && !catchUp.over;
