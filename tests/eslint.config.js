// Lint rules for the shipped JavaScript (templates/js), run by tests/run.sh.
// Dev-only: nothing here reaches dist/. Besides the recommended rules, it
// states the architecture as import restrictions (each layer imports only
// the layers below it: ui → chat, calls → net → core), forbids writing
// HTML from strings anywhere (peer text goes in through textContent), and
// holds the modules to what builder/src/modules.rs can join into
// standalone.htm's one classic script, so that a construct it cannot join
// fails here, with a message, rather than in the build (or, where the
// joiner would not notice, in the page opened from disk).
// tests/js/lint-rules.test.mjs shows each of these rules failing a snippet.

import js from '@eslint/js';
import globals from 'globals';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const ABOVE = {
  core: ['net', 'chat', 'calls', 'ui'],
  net: ['chat', 'calls', 'ui'],
  chat: ['calls', 'ui'],
  calls: ['chat', 'ui'],
  ui: [],
};

/** Import patterns a module in `layer` (at `depth` folders below js/) may not use. */
function forbidden(layer, depth) {
  const up = '../'.repeat(depth);
  return [
    ...ABOVE[layer].map((other) => ({
      group: [`${up}${other}/*`, `${up}${other}/**`],
      message: `${layer}/ must not import ${other}/: imports go only downward (ui → chat, calls → net → core).`,
    })),
    {
      group: [`${up}facade.js`, `${up}main.js`, `${up}session.js`],
      message: 'only main.js and session.js (the composition root) wire modules; facade.js is for tests.',
    },
  ];
}

// ---- what builder/src/modules.rs can join ----

const JOINER = 'builder/src/modules.rs joins the modules into standalone.htm';
/** Syntax the joiner refuses, or would turn into a script that breaks. */
const UNJOINABLE = [
  { selector: 'ExportDefaultDeclaration', message: `${JOINER} and refuses a default export: export a named function, const or class.` },
  { selector: 'ExportAllDeclaration', message: `${JOINER} and refuses \`export * from\`: import the names and export them.` },
  { selector: 'ExportNamedDeclaration[source]', message: `${JOINER} and refuses a re-export (\`export { a } from\`): import the names and export them.` },
  {
    selector: "ExportNamedDeclaration > VariableDeclaration[kind!='const']",
    message: `${JOINER} as copies made at import time, so it refuses \`export let\` and \`export var\`: a later assignment would never reach an importer.`,
  },
  {
    selector: 'ExportNamedDeclaration > VariableDeclaration[declarations.length>1]',
    message: `${JOINER} and exports only the first name of \`export const a = …, b = …\`: one export const per name.`,
  },
  {
    selector: "ExportNamedDeclaration > VariableDeclaration > VariableDeclarator[id.type!='Identifier']",
    message: `${JOINER} and refuses a destructuring export: export each name on its own.`,
  },
  {
    selector: 'ExportNamedDeclaration > FunctionDeclaration[generator=true]',
    message: `${JOINER} and refuses an exported generator: export a function (or const) that returns one.`,
  },
  {
    selector: "ExportSpecifier[local.type='Literal'], ExportSpecifier[exported.type='Literal'], ImportSpecifier[imported.type='Literal']",
    message: `${JOINER} and takes only plain identifiers as imported and exported names.`,
  },
  { selector: 'ImportDefaultSpecifier', message: `${JOINER} and refuses a default import: \`import { a } from './x.js'\` or \`import * as x from './x.js'\`.` },
  { selector: 'ImportDeclaration[specifiers.length=0]', message: `${JOINER} and refuses an import for its side effects alone: import a name and call it.` },
  {
    selector: 'ImportDeclaration[source.value!=/^\\.\\.?\\//], ImportDeclaration[source.raw=/^"/]',
    message: `${JOINER} and takes only relative, single-quoted paths ('./x.js', '../core/x.js').`,
  },
  {
    selector: "ImportExpression[source.type!='Literal'], ImportExpression[source.value!=/^\\.\\.?\\//], ImportExpression[source.raw=/^\"/]",
    message: `${JOINER} and joins \`import('./x.js')\` only with a relative, single-quoted path written out: any other import() is left as it is, and a page opened from disk may not load modules.`,
  },
  { selector: "MetaProperty[meta.name='import']", message: `${JOINER}, a classic script, where import.meta is a syntax error.` },
  {
    selector: 'AwaitExpression:not(:function AwaitExpression), ForOfStatement[await=true]:not(:function ForOfStatement)',
    message: `${JOINER}, each module's body inside a plain function, where a top-level await is a syntax error: await inside an async function.`,
  },
];

/**
 * What the joiner reads line by line, which no syntax selector sees. A line
 * that begins `import ` or `export ` is taken for such a statement (one
 * inside a string or comment too), and a statement that does not begin its
 * line is not seen at all; an import runs until a line ends with ';', an
 * export list must be that one line ending `};`. A dynamic import is joined
 * where `import('./x.js')` is written out, not followed by `.` (that is how
 * JSDoc's type imports look), and not on an import or export line: the
 * same text in a string or comment is rewritten too. An export list copies
 * each binding as itself, once, so it must name neither an alias nor a let.
 * No text may say "</script" (it would end standalone.htm's inline script)
 * or the joined script's registry name.
 * @type {import('eslint').Rule.RuleModule}
 */
const joinableLayout = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const source = context.sourceCode;
    const report = (where, message) => context.report({ ...where, message: `${JOINER}; ${message}` });
    const lineOf = (node) => source.lines[node.loc.start.line - 1];
    const endsWith = (node, end) => source.lines[node.loc.end.line - 1].trimEnd().endsWith(end);
    const isStatement = (node) => ['ImportDeclaration', 'ExportNamedDeclaration', 'ExportDefaultDeclaration', 'ExportAllDeclaration'].includes(node.type);
    /** Where dynamic imports start, in the text. */
    const dynamicImports = new Set();
    return {
      ImportExpression(node) {
        dynamicImports.add(node.range[0]);
        if (!source.getText(node).startsWith("import('")) report({ node }, "it joins a dynamic import only written import('./x.js').");
        if (source.text[node.range[1]] === '.') report({ node }, 'it takes import(…) followed by `.` for a JSDoc type: await the module first, then use it.');
        if (/^(import|export) /.test(lineOf(node)))
          report({ node }, 'it does not look for a dynamic import on an import or export line: put it in the body on a line of its own.');
      },
      'Program:exit'(program) {
        const text = source.getText();
        if (/<\/script/i.test(text)) report({ node: program }, 'no text (not even a comment) may contain "</script": it would end the inline script early.');
        if (text.includes('trusteroModules$')) report({ node: program }, 'the name trusteroModules$ is the joined script’s own.');
        const statementLines = new Set();
        for (const node of program.body.filter(isStatement)) {
          statementLines.add(node.loc.start.line);
          if (node.loc.start.column !== 0) report({ node }, 'it finds an import or export only where it begins its line.');
          if (node.type === 'ImportDeclaration' && !endsWith(node, ';'))
            report({ node }, "it reads an import up to a line ending with ';': nothing may follow it on its line.");
          if (node.type !== 'ExportNamedDeclaration' || node.declaration || node.source) continue;
          if (node.loc.start.line !== node.loc.end.line || !endsWith(node, '};'))
            report({ node }, "it reads an export list only as one line ending with '};': split a long one, and put nothing after it.");
          for (const specifier of node.specifiers) {
            if (specifier.local.type !== 'Identifier' || specifier.exported.type !== 'Identifier') continue;
            if (specifier.local.name !== specifier.exported.name)
              report(
                { node: specifier },
                `it exports a name only as itself: rename ${specifier.local.name} rather than export it as ${specifier.exported.name}.`,
              );
            const kind = source.scopeManager.globalScope?.childScopes[0]?.set.get(specifier.local.name)?.defs[0]?.parent?.kind;
            if (kind === 'let' || kind === 'var')
              report({ node: specifier }, `it copies exports at import time, so an exported ${kind} would never change for an importer: export a const.`);
          }
        }
        source.lines.forEach((line, index) => {
          if (/^(import|export) /.test(line) && !statementLines.has(index + 1)) {
            report(
              { loc: { line: index + 1, column: 0 } },
              'it takes every line beginning `import ` or `export ` for such a statement, in a string or comment too.',
            );
          }
        });
        for (const match of text.matchAll(/import\('\.[^']*'\)(?!\.)/g)) {
          if (!dynamicImports.has(match.index)) {
            report({ loc: source.getLocFromIndex(match.index) }, `it rewrites ${match[0]} in a string or comment too, and joins that module.`);
          }
        }
      },
    };
  },
};

const joinable = [
  {
    files: ['templates/js/**/*.js'],
    plugins: { 'import-x': importX, trustero: { rules: { 'joinable-layout': joinableLayout } } },
    settings: { 'import-x/resolver-next': [createNodeResolver()] },
    rules: {
      'trustero/joinable-layout': 'error',
      // The joiner orders modules dependencies first and refuses a cycle, a
      // dynamic import's included (it joins that module too).
      'import-x/no-cycle': ['error', { allowUnsafeDynamicCyclicDependency: false }],
      // A module it cannot find fails the build; a name a module does not
      // export would be undefined in standalone.htm without an error.
      'import-x/no-unresolved': 'error',
      'import-x/named': 'error',
    },
  },
];

const layerRules = Object.keys(ABOVE).flatMap((layer) => [
  { files: [`templates/js/${layer}/*.js`], rules: { 'no-restricted-imports': ['error', { patterns: forbidden(layer, 1) }] } },
  { files: [`templates/js/${layer}/*/*.js`], rules: { 'no-restricted-imports': ['error', { patterns: forbidden(layer, 2) }] } },
]);

export default [
  { ignores: ['node_modules/**'] },
  {
    files: ['templates/js/**/*.js'],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules: {
      ...js.configs.recommended.rules,
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'AssignmentExpression[left.property.name=/^(innerHTML|outerHTML)$/]',
          message: 'build nodes and set textContent; never write HTML from strings.',
        },
        {
          selector: 'CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln)$/]',
          message: 'build nodes and set textContent; never write HTML from strings.',
        },
        ...UNJOINABLE,
      ],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      eqeqeq: ['error', 'always'],
      // No factory closure grows into a hidden program (issue 23): past 250
      // lines of code, a pure core or a concept of its own moves out.
      // Comments and blank lines do not count (docs/decisions.md).
      'max-lines-per-function': ['error', { max: 250, skipBlankLines: true, skipComments: true }],
    },
  },
  ...joinable,
  ...layerRules,
];
