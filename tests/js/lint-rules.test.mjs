// The lint rules that hold templates/js to what builder/src/modules.rs can
// join into standalone.htm (tests/eslint.config.js) bite: each construct the
// joiner refuses, or would join into a script that breaks, is an error, and
// a module written in the style it understands lints clean. The snippets are
// linted as files of a scratch copy of the layout (templates/js/…), with
// the modules they import written there, so that import cycles and
// unresolved names are found as in the real tree.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const CONFIG = fileURLToPath(new URL('../eslint.config.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'trustero-lint-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Writes `files` ({path under templates/js: text}) into the scratch tree. */
function write(files) {
  for (const [path, text] of Object.entries(files)) {
    const file = join(root, 'templates/js', path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

// What the snippets import: a module exporting the names they use.
write({ 'core/x.js': 'export const a = 1;\nexport function b() {}\nexport class C {}\n' });

const eslint = new ESLint({ cwd: root, overrideConfigFile: CONFIG });

/** The problems ESLint reports for `text` as the module templates/js/`path`. */
async function lint(text, path = 'core/snippet.js') {
  const [result] = await eslint.lintText(text, { filePath: join(root, 'templates/js', path) });
  return result.messages;
}

/** Asserts that `text` is an error of `rule` (the joiner's own name in its message, for the syntax rules). */
async function refused(text, rule, path) {
  const messages = await lint(text, path);
  const ours = messages.filter((m) => m.ruleId === rule && m.severity === 2);
  assert.ok(ours.length > 0, `${JSON.stringify(text)} is an error of ${rule}; got ${JSON.stringify(messages.map((m) => [m.ruleId, m.message]))}`);
  if (rule === 'no-restricted-syntax' || rule === 'trustero/joinable-layout') {
    assert.ok(
      ours.some((m) => m.message.includes('builder/src/modules.rs')),
      `${JSON.stringify(text)}: the message names the joiner`,
    );
  }
}

test('exports the joiner refuses, or would join wrongly, fail lint', async () => {
  for (const text of [
    'export default 3;\n',
    "export * from './x.js';\n",
    "export * as x from './x.js';\n",
    "export { a } from './x.js';\n",
    'export let a = 1;\n',
    'export var a = 1;\n',
    'export const a = 1,\n  b = 2;\n',
    'export const { a } = { a: 1 };\n',
    'export const [a] = [1];\n',
    'export function* a() {}\n',
    'export async function* a() {}\n',
    "const a = 1;\nexport { a as 'b' };\n",
  ]) {
    await refused(text, 'no-restricted-syntax');
  }
});

test('imports the joiner refuses fail lint', async () => {
  for (const text of [
    "import x from './x.js';\nx();\n",
    "import x, { a } from './x.js';\nx(a);\n",
    "import './x.js';\n",
    "import { a } from 'x';\na();\n",
    "import { a } from '/js/core/x.js';\na();\n",
    'import { a } from "./x.js";\na();\n',
    "import { 'a' as b } from './x.js';\nb();\n",
  ]) {
    await refused(text, 'no-restricted-syntax');
  }
});

test('a dynamic import the joiner would leave as it is, import.meta and a top-level await fail lint', async () => {
  for (const text of [
    "const name = './x.js';\nexport const m = import(name);\n",
    'export const m = import(`./x.js`);\n',
    "export const m = import('x');\n",
    'export const m = import("./x.js");\n',
    'export const url = import.meta.url;\n',
    "const { a } = await import('./x.js');\nexport const b = a;\n",
    'export const items = [];\nfor await (const item of items) items.push(item);\n',
  ]) {
    await refused(text, 'no-restricted-syntax');
  }
});

test('what the joiner reads line by line fails lint when it could not read it', async () => {
  for (const text of [
    // An export list: one line, each name as itself, never a let.
    'const a = 1;\nexport { a as b };\n',
    'let a = 1;\nexport { a };\na = 2;\n',
    'var a = 1;\nexport { a };\n',
    'const a = 1;\nconst b = 2;\nexport {\n  a,\n  b,\n};\n',
    'const a = 1;\nexport { a }; // and nothing after it\n',
    // A statement it would not see at the start of its line, or would read past.
    'const a = 1; export const b = a;\n',
    "export const a = 1; import { b } from './x.js';\nb();\n",
    "import { a } from './x.js'; // and nothing after it\na();\n",
    // A line it would take for a statement.
    "export const s = `\nimport { a } from './x.js';\n`;\n",
    // A dynamic import it would not find, or would take for a JSDoc type, and one it would find in a comment.
    "export const m = import ('./x.js');\n",
    "export const m = () => import('./x.js');\n",
    "export async function f() {\n  return import('./x.js').then((m) => m.a);\n}\n",
    "// Later: import('./x.js')\nexport const a = 1;\n",
    // Text that would break the joined script.
    "export const tag = '</script>';\n",
    '// An inline script ends at </SCRIPT, even in a comment.\nexport const a = 1;\n',
    'export const trusteroModules$ = 1;\n',
  ]) {
    await refused(text, 'trustero/joinable-layout');
  }
});

test('an import cycle fails lint, through a dynamic import too; so do a missing module and a missing name', async () => {
  write({
    'chat/one.js': "import { two } from './two.js';\nexport const one = () => two;\n",
    'chat/two.js': "import { one } from './one.js';\nexport const two = () => one;\n",
    'chat/later.js': "export function later() {\n  return import('./sooner.js');\n}\n",
    'chat/sooner.js': "import { later } from './later.js';\nexport const sooner = later;\n",
  });
  await refused("import { two } from './two.js';\nexport const one = () => two;\n", 'import-x/no-cycle', 'chat/one.js');
  await refused("export function later() {\n  return import('./sooner.js');\n}\n", 'import-x/no-cycle', 'chat/later.js');
  await refused("import { a } from './missing.js';\nexport const b = a;\n", 'import-x/no-unresolved');
  await refused("import { missing } from './x.js';\nexport const b = missing;\n", 'import-x/named');
});

test('a factory of more than 250 lines of code fails lint; comments and blank lines do not count', async () => {
  const statements = (n) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};\n`).join('');
  const commented = (n) => Array.from({ length: n }, (_, i) => `  // why ${i}\n\n`).join('');
  await refused(`export function make() {\n${statements(251)}  return v0;\n}\n`, 'max-lines-per-function');
  const fine = await lint(`export function make() {\n${statements(240)}${commented(300)}  return v0;\n}\n`);
  assert.deepEqual(
    fine.filter((m) => m.ruleId === 'max-lines-per-function'),
    [],
  );
});

test('a module in the style the joiner understands lints clean', async () => {
  const text = `import {
  a,
  b as c,
} from './x.js';
import * as x from './x.js';

/** @type {import('./x.js').C | null} */
let made = null;

export function f() {
  return a + c();
}
export async function g() {
  for await (const item of [Promise.resolve(1)]) made = item ? new x.C() : null;
  const { b } = await import('./x.js');
  return b;
}
export const h = 1;
export class K {}
const i = () => made;
export { i };
`;
  assert.deepEqual(await lint(text), []);
});
