// The layers of templates/js, as folders, with imports only downward:
//   ui/ → chat/, calls/ → net/ (with net/signal/) → core/
// main.js (the login) and session.js (the logged-in half, loaded while the
// user types) are the composition root and may import anything; facade.js
// (the documented test façade) is imported by the root alone. A sibling layer
// (chat/ and calls/) never imports the other.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'js');

const LAYERS = {
  core: ['core'],
  net: ['net', 'core'],
  chat: ['chat', 'net', 'core'],
  calls: ['calls', 'net', 'core'],
  ui: ['ui', 'chat', 'calls', 'net', 'core'],
};

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.js') ? [path] : [];
  });
}

const layerOf = (path) => relative(ROOT, path).split('/')[0].replace(/\.js$/, '');

function imports(path) {
  const source = readFileSync(path, 'utf8');
  const found = [];
  for (const match of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
    found.push(normalize(join(dirname(path), match[1])));
  }
  return found;
}

const ROOT_MODULES = ['main', 'session'];

test('every module lives in a layer folder, except the composition root and the test façade', () => {
  const loose = files(ROOT).filter((path) => !LAYERS[layerOf(path)]).map((path) => relative(ROOT, path));
  assert.deepEqual(loose.sort(), ['facade.js', 'main.js', 'session.js']);
});

test('imports go only downward through the layers', () => {
  const violations = [];
  for (const path of files(ROOT)) {
    const from = layerOf(path);
    for (const target of imports(path)) {
      const to = layerOf(target);
      if (ROOT_MODULES.includes(from)) continue;
      if (to === 'facade' || ROOT_MODULES.includes(to)) violations.push(`${relative(ROOT, path)} imports ${relative(ROOT, target)}`);
      else if (!LAYERS[from]?.includes(to)) violations.push(`${relative(ROOT, path)} (${from}) imports ${relative(ROOT, target)} (${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('every relative import names a file that exists', () => {
  const missing = [];
  for (const path of files(ROOT)) {
    for (const target of imports(path)) {
      try {
        statSync(target);
      } catch {
        missing.push(`${relative(ROOT, path)} → ${relative(ROOT, target)}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});
