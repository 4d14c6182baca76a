// Lint rules for the shipped JavaScript (templates/js), run by tests/run.sh.
// Dev-only: nothing here reaches dist/. Besides the recommended rules, it
// states the architecture as import restrictions (each layer imports only
// the layers below it: ui → chat, calls → net → core) and forbids writing
// HTML from strings anywhere (peer text goes in through textContent).

import js from '@eslint/js';
import globals from 'globals';

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
    ...ABOVE[layer].map((other) => ({ group: [`${up}${other}/*`, `${up}${other}/**`], message: `${layer}/ must not import ${other}/: imports go only downward (ui → chat, calls → net → core).` })),
    { group: [`${up}facade.js`, `${up}main.js`, `${up}session.js`], message: 'only main.js and session.js (the composition root) wire modules; facade.js is for tests.' },
  ];
}

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
      'no-restricted-syntax': ['error',
        { selector: 'AssignmentExpression[left.property.name=/^(innerHTML|outerHTML)$/]', message: 'build nodes and set textContent; never write HTML from strings.' },
        { selector: 'CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln)$/]', message: 'build nodes and set textContent; never write HTML from strings.' },
      ],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  ...layerRules,
];
