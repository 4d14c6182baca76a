// @ts-check
// QR Code encoder (ISO/IEC 18004): byte mode, versions 1-40, error
// correction L/M/Q/H, automatic mask choice. Used for "add me" links.

const ECC = {
  // format bits of each level; tables below are indexed [level][version]
  L: { format: 1, index: 0 },
  M: { format: 0, index: 1 },
  Q: { format: 3, index: 2 },
  H: { format: 2, index: 3 },
};

// Error-correction codewords per block (ISO/IEC 18004 Table 9), version 1..40.
const ECC_PER_BLOCK = [
  [
    7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    30,
  ],
  [
    10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    28,
  ],
  [
    13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    30,
  ],
  [
    17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    30,
  ],
];
// Number of error-correction blocks, version 1..40.
const BLOCKS = [
  [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
  [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
  [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
  [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
];

const MASKS = [
  (x, y) => (x + y) % 2 === 0,
  (x, y) => y % 2 === 0,
  (x, _y) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

// ---- GF(256) arithmetic and Reed-Solomon (primitive polynomial 0x11D) ----

function gfMultiply(a, b) {
  let product = 0;
  for (let bit = 7; bit >= 0; bit--) {
    product = (product << 1) ^ ((product >>> 7) * 0x11d);
    if ((b >>> bit) & 1) product ^= a;
  }
  return product & 0xff;
}

/** Coefficients (highest degree first, leading 1 omitted) of ∏ (x - α^i), i < degree. */
function generatorPolynomial(degree) {
  const coefficients = new Array(degree).fill(0);
  coefficients[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      coefficients[j] = gfMultiply(coefficients[j], root);
      if (j + 1 < degree) coefficients[j] ^= coefficients[j + 1];
    }
    root = gfMultiply(root, 2);
  }
  return coefficients;
}

function reedSolomonRemainder(data, generator) {
  const remainder = new Array(generator.length).fill(0);
  for (const byte of data) {
    const factor = byte ^ remainder.shift();
    remainder.push(0);
    for (let i = 0; i < generator.length; i++) remainder[i] ^= gfMultiply(generator[i], factor);
  }
  return remainder;
}

// ---- sizes and layout ----

function alignmentPositions(version) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const size = version * 4 + 17;
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const positions = [6];
  for (let pos = size - 7; positions.length < count; pos -= step) positions.splice(1, 0, pos);
  return positions;
}

/** Modules available for data and error correction (everything but function patterns). */
function rawDataModules(version) {
  let modules = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const align = Math.floor(version / 7) + 2;
    modules -= (25 * align - 10) * align - 55;
    if (version >= 7) modules -= 36;
  }
  return modules;
}

function dataCodewords(version, level) {
  const l = ECC[level].index;
  return Math.floor(rawDataModules(version) / 8) - ECC_PER_BLOCK[l][version - 1] * BLOCKS[l][version - 1];
}

function bitsOf(value, length, out) {
  for (let i = length - 1; i >= 0; i--) out.push((value >>> i) & 1);
}

// ---- matrix ----

class Matrix {
  constructor(version) {
    this.size = version * 4 + 17;
    this.dark = Array.from({ length: this.size }, () => new Array(this.size).fill(false));
    this.reserved = Array.from({ length: this.size }, () => new Array(this.size).fill(false));
  }

  fn(x, y, dark) {
    this.dark[y][x] = dark;
    this.reserved[y][x] = true;
  }
}

function drawFunctionPatterns(m, version) {
  const { size } = m;
  for (let i = 0; i < size; i++) {
    m.fn(6, i, i % 2 === 0);
    m.fn(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [
    [3, 3],
    [size - 4, 3],
    [3, size - 4],
  ]) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || y < 0 || x >= size || y >= size) continue;
        const ring = Math.max(Math.abs(dx), Math.abs(dy));
        m.fn(x, y, ring !== 2 && ring !== 4);
      }
    }
  }
  const positions = alignmentPositions(version);
  const last = positions.length - 1;
  positions.forEach((cy, i) => {
    positions.forEach((cx, j) => {
      const nearFinder = (i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0);
      if (nearFinder) return;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) m.fn(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    });
  });
  drawFormat(m, 'M', 0); // reserve the areas; real bits are drawn after masking
  if (version >= 7) {
    let remainder = version;
    for (let i = 0; i < 12; i++) remainder = (remainder << 1) ^ ((remainder >>> 11) * 0x1f25);
    const bits = (version << 12) | remainder;
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      m.fn(a, b, dark);
      m.fn(b, a, dark);
    }
  }
}

function drawFormat(m, level, mask) {
  const data = (ECC[level].format << 3) | mask;
  let remainder = data;
  for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >>> 9) * 0x537);
  const bits = ((data << 10) | remainder) ^ 0x5412;
  const bit = (i) => ((bits >>> i) & 1) === 1;
  const { size } = m;
  for (let i = 0; i <= 5; i++) m.fn(8, i, bit(i));
  m.fn(8, 7, bit(6));
  m.fn(8, 8, bit(7));
  m.fn(7, 8, bit(8));
  for (let i = 9; i < 15; i++) m.fn(14 - i, 8, bit(i));
  for (let i = 0; i < 8; i++) m.fn(size - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) m.fn(8, size - 15 + i, bit(i));
  m.fn(8, size - 8, true); // the dark module
}

function placeCodewords(m, codewords) {
  const { size } = m;
  let index = 0;
  const total = codewords.length * 8;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // skip the vertical timing pattern
    const upward = ((right + 1) & 2) === 0;
    for (let step = 0; step < size; step++) {
      const y = upward ? size - 1 - step : step;
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        if (m.reserved[y][x]) continue;
        if (index < total) m.dark[y][x] = ((codewords[index >>> 3] >>> (7 - (index & 7))) & 1) === 1;
        index++;
      }
    }
  }
}

function applyMask(m, mask) {
  const test = MASKS[mask];
  for (let y = 0; y < m.size; y++) {
    for (let x = 0; x < m.size; x++) if (!m.reserved[y][x] && test(x, y)) m.dark[y][x] = !m.dark[y][x];
  }
}

/** The standard's penalty score (lower is easier to scan). */
function penalty(m) {
  const { size, dark } = m;
  let score = 0;
  const line = (get) => {
    let run = 1;
    for (let i = 1; i <= size; i++) {
      if (i < size && get(i) === get(i - 1)) run++;
      else {
        if (run >= 5) score += run - 2;
        run = 1;
      }
    }
    // Finder-like 1:1:3:1:1 with four light modules on one side.
    const padded = (i) => (i < 0 || i >= size ? false : get(i));
    for (let i = -4; i < size; i++) {
      const core = [true, false, true, true, true, false, true].every((v, k) => padded(i + k) === v);
      if (!core) continue;
      const lightBefore = [1, 2, 3, 4].every((k) => !padded(i - k));
      const lightAfter = [7, 8, 9, 10].every((k) => !padded(i + k));
      if (lightBefore || lightAfter) score += 40;
    }
  };
  for (let y = 0; y < size; y++) line((x) => dark[y][x]);
  for (let x = 0; x < size; x++) line((y) => dark[y][x]);
  let darkCount = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (dark[y][x]) darkCount++;
      if (x + 1 < size && y + 1 < size) {
        const c = dark[y][x];
        if (c === dark[y][x + 1] && c === dark[y + 1][x] && c === dark[y + 1][x + 1]) score += 3;
      }
    }
  }
  const total = size * size;
  score += (Math.ceil(Math.abs(darkCount * 20 - total * 10) / total) - 1) * 10;
  return score;
}

/** A symbol: its version, its size in modules, and each module (true = dark), without quiet zone. @typedef {{ version: number, size: number, modules: boolean[][] }} QrCode */

/**
 * Encodes `text` (UTF-8, byte mode) at error-correction `level`.
 * Returns {version, size, modules: boolean[][]} (true = dark), without quiet zone.
 * @param {string} text @param {keyof typeof ECC} [level]
 * @returns {QrCode}
 */
export function encode(text, level = 'M') {
  if (!ECC[level]) throw new Error(`qr: unknown error-correction level ${level}`);
  const bytes = new TextEncoder().encode(text);
  let version = 1;
  for (; version <= 40; version++) {
    const countBits = version < 10 ? 8 : 16;
    if (4 + countBits + bytes.length * 8 <= dataCodewords(version, level) * 8) break;
  }
  if (version > 40) throw new Error(`qr: ${bytes.length} bytes do not fit in a QR code at level ${level}`);

  const capacity = dataCodewords(version, level) * 8;
  const bits = [];
  bitsOf(0b0100, 4, bits); // byte mode
  bitsOf(bytes.length, version < 10 ? 8 : 16, bits);
  for (const byte of bytes) bitsOf(byte, 8, bits);
  bitsOf(0, Math.min(4, capacity - bits.length), bits); // terminator
  bitsOf(0, (8 - (bits.length % 8)) % 8, bits);
  for (let pad = 0xec; bits.length < capacity; pad ^= 0xec ^ 0x11) bitsOf(pad, 8, bits);
  const data = [];
  for (let i = 0; i < bits.length; i += 8) data.push(bits.slice(i, i + 8).reduce((acc, b) => (acc << 1) | b, 0));

  // Split into blocks, add error correction, interleave.
  const l = ECC[level].index;
  const blockCount = BLOCKS[l][version - 1];
  const eccLength = ECC_PER_BLOCK[l][version - 1];
  const totalCodewords = Math.floor(rawDataModules(version) / 8);
  const shortBlocks = blockCount - (totalCodewords % blockCount);
  const shortLength = Math.floor(totalCodewords / blockCount) - eccLength;
  const generator = generatorPolynomial(eccLength);
  const blocks = [];
  for (let i = 0, offset = 0; i < blockCount; i++) {
    const length = shortLength + (i < shortBlocks ? 0 : 1);
    const block = data.slice(offset, offset + length);
    offset += length;
    blocks.push({ data: block, ecc: reedSolomonRemainder(block, generator) });
  }
  const codewords = [];
  for (let i = 0; i <= shortLength; i++) {
    for (const block of blocks) if (i < block.data.length) codewords.push(block.data[i]);
  }
  for (let i = 0; i < eccLength; i++) for (const block of blocks) codewords.push(block.ecc[i]);

  const matrix = new Matrix(version);
  drawFunctionPatterns(matrix, version);
  placeCodewords(matrix, codewords);
  let best = { mask: 0, score: Infinity };
  for (let mask = 0; mask < 8; mask++) {
    applyMask(matrix, mask);
    drawFormat(matrix, level, mask);
    const score = penalty(matrix);
    if (score < best.score) best = { mask, score };
    applyMask(matrix, mask); // undo (XOR)
  }
  applyMask(matrix, best.mask);
  drawFormat(matrix, level, best.mask);
  return { version, size: matrix.size, modules: matrix.dark };
}

/**
 * Draws `code` on a new canvas: `scale` pixels per module, 4-module quiet zone.
 * @param {QrCode} code @param {number} [scale]
 */
export function toCanvas(code, scale = 4) {
  const quiet = 4;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = (code.size + quiet * 2) * scale;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('qr: this browser draws no 2D canvas');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#000';
  code.modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) context.fillRect((x + quiet) * scale, (y + quiet) * scale, scale, scale);
    }),
  );
  return canvas;
}
