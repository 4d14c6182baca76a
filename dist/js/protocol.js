// The frame types of an authenticated session, each with the largest
// payload a peer may send: the one table the receiver checks (framing.js
// refuses a type that is not here before buffering anything).

const KiB = 1024;

export const FRAMES = Object.freeze({
  // Messaging (messenger.js): an envelope holds at most 1 MiB of padded
  // content plus 128 wrapped keys and a signature.
  env: 1200 * KiB,
  ack: 96 * KiB, // up to 1,000 message keys
  read: 64 * KiB,
  typing: 1 * KiB,
  sync: 96 * KiB, // up to 500 message keys
  // Files (transfers.js): a request, and one sealed 256 KiB chunk with its header.
  'file-get': 1 * KiB,
  'file-chunk': 257 * KiB,
  // Calls (calls.js, negotiation.js).
  call: 16 * KiB,
  rtc: 64 * KiB,
});

/** Largest accepted payload of a frame type; 0 (refused) for unknown types. */
export function frameLimit(type) {
  return Object.hasOwn(FRAMES, type) ? FRAMES[type] : 0;
}
