// @ts-check
// Password strength, estimated the way an attacker guesses: common passwords
// first, then words, digit runs, keyboard and alphabet sequences, repeats.
// The estimate is deliberately conservative; the identity is only as strong as
// the password, because anyone who guesses it becomes that user.

/** Below this many bits a password is refused. With Argon2id at 64 MiB an
 *  attacker's GPU manages roughly a thousand guesses per second, so 45 bits
 *  means centuries for one target; fewer falls within reach. */
export const MIN_BITS = 45;

const LEVELS = [
  { below: 28, label: 'very weak' },
  { below: MIN_BITS, label: 'weak' },
  { below: 60, label: 'fair' },
  { below: 80, label: 'strong' },
  { below: Infinity, label: 'very strong' },
];

// The most used passwords of public breach corpora: tried first by everyone.
const COMMON = new Set(
  `123456 123456789 12345678 password qwerty123 qwerty 12345 1234567 111111
1234567890 123123 abc123 1234 password1 iloveyou 1q2w3e4r 000000 qwertyuiop 123321 654321 666666
dragon monkey letmein football baseball welcome admin login princess sunshine master shadow
superman michael trustno1 passw0rd starwars whatever freedom hello charlie donald jordan23
asdfghjkl zxcvbnm qazwsx 1qaz2wsx password123 p@ssw0rd changeme secret access flower hunter2
correcthorse batman mustang killer jennifer ashley computer internet soccer hockey ranger
11111111 987654321 7777777 121212 iloveyou1 lovely welcome1 admin123 test1234 qwerty1`.split(/\s+/),
);

const SEQUENCES = ['abcdefghijklmnopqrstuvwxyz', '01234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'qwertzuiop', 'azertyuiop'];

/** @param {string} text */
function poolSize(text) {
  let pool = 0;
  if (/[a-z]/.test(text)) pool += 26;
  if (/[A-Z]/.test(text)) pool += 26;
  if (/[0-9]/.test(text)) pool += 10;
  if (/[^a-zA-Z0-9\s]/.test(text)) pool += 33;
  if (/\s/.test(text)) pool += 1;
  if (/[^\p{ASCII}]/u.test(text)) pool += 100;
  return Math.max(pool, 1);
}

/** Length of the longest run of consecutive characters of one sequence (either direction). */
/** @param {string} text */
function longestSequence(text) {
  const lower = text.toLowerCase();
  let best = 0;
  for (const seq of SEQUENCES) {
    for (const order of [seq, [...seq].reverse().join('')]) {
      let run = 1;
      for (let i = 1; i < lower.length; i++) {
        const prev = order.indexOf(lower[i - 1]);
        run = prev >= 0 && order[prev + 1] === lower[i] ? run + 1 : 1;
        best = Math.max(best, run);
      }
    }
  }
  return best;
}

/** Bits of a token as an attacker's word/digit/symbol model would count it. */
/** @param {string} token */
function tokenBits(token) {
  if (/^[a-z]+$/i.test(token)) {
    // A word: ~2^14 common words, plus a bit for capitalization; random
    // letters beyond word length are worth their full 4.7 bits each.
    const asWord = 14.3 + (/[A-Z]/.test(token) ? 1 : 0);
    return Math.min(token.length * Math.log2(26) + (/[A-Z]/.test(token) ? 1 : 0), Math.max(asWord, (token.length - 8) * 4.7 + asWord));
  }
  if (/^[0-9]+$/.test(token)) {
    // Years and dates are guessed early.
    if (/^(19|20)\d\d$/.test(token)) return 7;
    return token.length * Math.log2(10);
  }
  return token.length * Math.log2(poolSize(token));
}

/**
 * Estimates the strength of `password` (and of using it with `username`).
 * Returns {bits, level (0-4), label, acceptable, feedback: string[]}.
 * @param {string | null | undefined} password
 * @param {{ username?: string }} [options]
 */
export function estimate(password, { username = '' } = {}) {
  /** @type {string[]} */
  const feedback = [];
  const text = password ?? '';
  if (text.length === 0) {
    return { bits: 0, level: 0, label: LEVELS[0].label, acceptable: false, feedback: ['Choose a password.'] };
  }
  const chars = [...text];
  // Character model: every symbol drawn from the pool, discounted for repeats.
  const distinct = new Set(chars).size;
  const charBits = chars.length * Math.log2(poolSize(text)) * Math.min(1, 0.4 + distinct / chars.length);
  // Pattern model: a sequence of words, numbers and symbols.
  const tokens = /** @type {string[]} */ (text.match(/[a-zA-Z]+|[0-9]+|[^a-zA-Z0-9\s]+|\s+/g) ?? []);
  /** @type {Set<string>} */
  const seen = new Set();
  let patternBits = tokens.reduce((sum, token) => {
    // A separator used again (spaces, the same dash) adds almost nothing.
    const repeat = seen.has(token) && !/[a-z0-9]/i.test(token);
    seen.add(token);
    return sum + (/^\s+$/.test(token) || repeat ? 1 : tokenBits(token));
  }, 0);
  patternBits += Math.log2(Math.max(tokens.length, 1)); // where the pieces go
  let bits = Math.min(charBits, patternBits);

  const sequence = longestSequence(text);
  if (sequence >= 4) {
    bits -= (sequence - 1) * 3;
    feedback.push('Avoid keyboard rows and alphabet or number sequences.');
  }
  if (/(.)\1\1/.test(text)) {
    bits -= 6;
    feedback.push('Avoid repeating the same character.');
  }
  const lower = text.toLowerCase();
  const normalizedUser = username.trim().toLowerCase();
  if (normalizedUser.length >= 3 && lower.includes(normalizedUser)) {
    bits = Math.min(bits, 10);
    feedback.push('Do not put your username in your password.');
  }
  if (COMMON.has(lower) || COMMON.has(lower.replace(/[0-9!.]+$/, ''))) {
    bits = Math.min(bits, 10);
    feedback.push('This is one of the most common passwords: attackers try it first.');
  }
  bits = Math.max(0, Math.round(bits));
  const level = LEVELS.findIndex((l) => bits < l.below);
  const acceptable = bits >= MIN_BITS;
  if (!acceptable) {
    feedback.push(
      text.length < 12 ? 'Use a longer password: four or more random words make a strong, memorable one.' : 'Add more unpredictable words or characters.',
    );
  }
  return { bits, level, label: LEVELS[level].label, acceptable, feedback };
}
