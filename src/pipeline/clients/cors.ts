/**
 * The Fetch standard's line between a "simple" request, which a browser sends to another origin
 * as it is, and one it first asks that origin about with a CORS preflight
 * (https://fetch.spec.whatwg.org/#cors-safelisted-method, #cors-safelisted-request-header). With
 * request interception on, the browser's router performs every request itself, so the other
 * origin would never be the one asked: the router refuses cross-origin requests that would need
 * a preflight.
 */

const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST']);
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/**
 * Headers the browser sets itself, not the page: the Fetch standard's forbidden request-header
 * names (and `proxy-`/`sec-` ones), plus `user-agent` and `upgrade-insecure-requests`, which
 * Chromium adds and scripts cannot set.
 */
const BROWSER_HEADERS = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'access-control-request-private-network',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
  'user-agent',
  'upgrade-insecure-requests',
]);
const browserHeader = (name: string) => BROWSER_HEADERS.has(name) || /^(proxy-|sec-)/.test(name);

// "CORS-unsafe request-header byte": controls but tab, and "():<>?@[\]{} and DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the spec's byte ranges are control characters
const UNSAFE_BYTE = /[\x00-\x08\x0a-\x1f"():<>?@[\\\]{}\x7f]/;
const LANGUAGE = /^[0-9A-Za-z *,\-.;=]*$/;
const SIMPLE_RANGE = /^bytes=\d+-\d*$/;

/** The spec's CORS-safelisted request-header check for one author-set header. */
function safelisted(name: string, value: string): boolean {
  if (value.length > 128) return false;
  switch (name) {
    case 'accept':
      return !UNSAFE_BYTE.test(value);
    case 'accept-language':
    case 'content-language':
      return LANGUAGE.test(value);
    case 'content-type': {
      if (UNSAFE_BYTE.test(value)) return false;
      const essence = (value.split(';')[0] ?? '').trim().toLowerCase();
      return SIMPLE_CONTENT_TYPES.has(essence);
    }
    case 'range':
      return SIMPLE_RANGE.test(value);
    default:
      return false;
  }
}

/**
 * Whether a browser would send this request to another origin without asking it first: its
 * method is GET, HEAD or POST and every header the page set is CORS-safelisted, 1,024 bytes at
 * most together. Headers the browser sets itself (`user-agent`, `origin`, `sec-*`…) do not count.
 */
export function isSimpleRequest(method: string, headers: Record<string, string>): boolean {
  if (!SAFELISTED_METHODS.has(method.toUpperCase())) return false;
  let total = 0;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (browserHeader(lower)) continue;
    if (!safelisted(lower, value)) return false;
    total += value.length;
  }
  return total <= 1024;
}

/**
 * Whether the page sent this request to another origin than its own. Chromium says so with the
 * `Origin` header ("null" for an opaque origin, which matches none); requests without one are
 * same-origin reads, navigations or no-cors requests, and the last two are simple by construction.
 */
export function isCrossOrigin(url: string, headers: Record<string, string>): boolean {
  const origin = Object.entries(headers).find(([name]) => name.toLowerCase() === 'origin')?.[1];
  return origin !== undefined && (!URL.canParse(url) || new URL(url).origin !== origin);
}
