// standalone.htm's first script, pinned like the rest by its CSP hash. If
// the browser refuses one of this page's scripts or styles because it no
// longer matches its pinned hash, this copy was altered or damaged: say so
// plainly instead of leaving "Loading…" on screen.
'use strict';
document.addEventListener('securitypolicyviolation', (event) => {
  if (event.blockedURI !== 'inline') return;
  const what = event.effectiveDirective.startsWith('style') ? 'a stylesheet' : 'a script';
  // An inline script or style is in this very file.
  const file = decodeURIComponent(location.pathname.split('/').pop() || 'standalone.htm');
  const show = () => {
    const alarm = document.createElement('p');
    alarm.id = 'integrity-alarm';
    alarm.className = 'error';
    alarm.setAttribute('role', 'alert');
    alarm.textContent =
      `This copy of Trustero was altered or damaged: ${file} holds ${what} that does not match its pinned hash, ` +
      'and the browser refused to run it. Check its folder with sha256sum -c MANIFEST, or take a fresh copy.';
    document.getElementById('integrity-alarm')?.remove();
    document.body.prepend(alarm);
  };
  if (document.body) show();
  else document.addEventListener('DOMContentLoaded', show);
});
