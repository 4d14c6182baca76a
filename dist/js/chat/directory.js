// @ts-check
// Who is who: the public key of each person we know — a contact, or a
// member of one of our groups — by fingerprint. Contacts and groups each
// add themselves as a source when they are built; the mailbox reads the
// directory (whose mail it opens, whom it tells our address). Built before
// all three, it lets the session build them in order, with no service
// declared before it exists (issue 23).

/** @typedef {(fingerprint: string) => Uint8Array | null | undefined} KeySource */

export function createDirectory() {
  /** @type {KeySource[]} */
  const sources = [];
  return {
    /** A collection of people joins the directory; earlier sources are asked first. */
    addSource(/** @type {KeySource} */ source) {
      sources.push(source);
    },
    /** The public key (SPKI) of someone we know, or null. */
    spkiOf(/** @type {string} */ fingerprint) {
      for (const source of sources) {
        const spki = source(fingerprint);
        if (spki) return spki;
      }
      return null;
    },
  };
}
