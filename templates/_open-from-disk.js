// index.htm opened from disk (file://): a page there has the origin `null`,
// so the browser refuses this page's module imports and integrity checks.
// standalone.htm, beside it, holds the same app in one file; go there.
if (location.protocol === 'file:') location.replace('standalone.htm' + location.hash);
