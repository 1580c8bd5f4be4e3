// One policy for both doors. The renderer's index.html carries the same policy in a meta tag (checked by a test)
// so that it also holds when the page is loaded from a file by Electron.
export const MEDIA_SCHEME = 'loupe-media';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Svelte writes style attributes at run time; scripts stay locked down.
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${MEDIA_SCHEME}:`,
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** As an HTTP header the policy can also forbid framing, which browsers ignore (and log) in a meta tag. */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;
