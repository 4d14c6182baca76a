// Which received files count as web pages, whose saving asks first
// (ui/message-view.js): opened from disk, Chromium lets them read a disk
// copy's storage (e2e/disk.test.mjs proves both).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opensAsPage } from '../../templates/js/ui/message-view.js';

test('files a browser opens as a page ask before saving, whatever their declared type', () => {
  for (const name of ['a.html', 'A.HTM', 'invoice.xhtml', 'x.xht', 'x.shtml', 'logo.svg', 'logo.SVGZ', 'page.html ']) {
    assert.equal(opensAsPage(name, 'application/octet-stream'), true, name);
  }
  // No page extension, but a page's type: a browser may save it as one.
  for (const mime of ['text/html', 'application/xhtml+xml', 'image/svg+xml']) assert.equal(opensAsPage('download', mime), true, mime);
});

test('other files save at once', () => {
  for (const name of ['notes.txt', 'page.html.txt', 'photo.jpg', 'report.pdf', 'html', 'archive.svg.zip']) {
    assert.equal(opensAsPage(name, 'application/octet-stream'), false, name);
  }
  assert.equal(opensAsPage('notes.txt', 'text/plain'), false);
});
