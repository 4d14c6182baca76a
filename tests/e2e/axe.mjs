// axe-core (a dev dependency) run inside a page: the accessibility check of
// a screen as it stands (WCAG 2.x A and AA rules). Run through the DevTools
// protocol, so the app's Content-Security-Policy does not stop it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The violations axe finds on `page` (within `selector`, default the whole document), one line each. */
export async function axeViolations(page, selector = null) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(
    async ({ selector, tags }) => {
      const result = await window.axe.run(selector ? document.querySelector(selector) : document, { runOnly: { type: 'tag', values: tags } });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`) }));
    },
    { selector, tags: TAGS },
  );
  return violations.flatMap((v) => v.nodes.map((node) => `${v.impact} ${v.id} — ${node}`));
}

/** Asserts that axe finds nothing on `what` (a screen or state of `page`). */
export async function assertAccessible(page, what, selector = null) {
  const found = await axeViolations(page, selector);
  assert.deepEqual(found, [], `axe-core on ${what}:\n${found.join('\n')}`);
}
