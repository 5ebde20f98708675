/**
 * URLs in spans, made safe to export. Some of Scribe's outgoing URLs are bearer credentials:
 * Discord's interaction callbacks and webhooks carry the interaction token in the path
 * (`/interactions/{id}/{token}/callback`, `/webhooks/{application}/{token}/…`), Slack's response
 * URLs end in a token (`/commands/{team}/{id}/{token}`, also `actions`, `services`, `workflows`,
 * `triggers`), and arXiv's query string holds the recipient's name. Whoever reads the traces must
 * not be able to answer as Scribe, nor learn whom an email was for.
 *
 * The rule: keep scheme, host and port; mask path segments that are tokens; drop the query
 * string, the fragment and any user:password. Applied to the URL attributes by name (`url.full`,
 * `http.url`, `url.path`, `http.target`; `url.query` and `url.fragment` are removed) and to every
 * URL inside any other string (an exception's message, a status message, a span name).
 *
 * Pure functions, no OpenTelemetry import: `redacting-exporter.ts` applies them to spans.
 */

/** What replaces a token in a path. */
export const REDACTED = 'REDACTED';

/** Attributes holding a whole URL. */
const URL_KEYS = new Set(['url.full', 'http.url']);
/** Attributes holding a path, perhaps with a query (`http.target`). */
const PATH_KEYS = new Set(['url.path', 'http.target']);
/** Attributes removed outright. */
const DROPPED_KEYS = new Set(['url.query', 'url.fragment']);

/** Discord: `…/interactions/{id}/{token}/…` and `…/webhooks/{application}/{token}/…`. */
const DISCORD_TOKEN_AFTER = new Set(['interactions', 'webhooks']);
/** Slack's hooks (response URLs, incoming webhooks, workflow triggers): `/{kind}/{team}/{id}/{token…}`. */
const SLACK_HOOK_ROOTS = new Set(['commands', 'actions', 'services', 'workflows', 'triggers']);
/**
 * Any other segment that looks like a secret: 32+ URL-safe characters mixing upper case, lower
 * case and digits (base64-ish). Slugs are lower case and ids are digits, so those stay readable.
 */
const TOKEN_LIKE = /^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)[\w.~-]{32,}$/;

/** A path with its token segments masked; no query, no fragment. */
export function redactPath(target: string): string {
  const path = target.split(/[?#]/, 1)[0] ?? '';
  const segments = path.split('/');
  const firstNamed = segments.findIndex((s) => s !== '');
  const masked = segments.map((segment) => (TOKEN_LIKE.test(segment) ? REDACTED : segment));
  segments.forEach((segment, i) => {
    const name = segment.toLowerCase();
    if (DISCORD_TOKEN_AFTER.has(name) && i + 2 < segments.length) masked[i + 2] = REDACTED;
    if (i === firstNamed && SLACK_HOOK_ROOTS.has(name)) {
      for (let j = i + 3; j < segments.length; j++) if (segments[j] !== '') masked[j] = REDACTED;
    }
  });
  return masked.join('/');
}

/** An absolute URL as `scheme://host[:port]/masked/path`; anything else as a path. */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return redactPath(value);
  }
  // `host`, not `origin`: the origin of a non-special scheme (postgres://) is "null".
  return `${url.protocol}//${url.host}${redactPath(url.pathname)}`;
}

/** Up to the first character that cannot be in a URL written into text. */
const URL_IN_TEXT = /\b[a-z][a-z\d+.-]*:\/\/[^\s"'<>`]+/gi;

/** Every URL inside free text (an error message), redacted. */
export function redactText(text: string): string {
  return text.includes('://') ? text.replace(URL_IN_TEXT, (url) => redactUrl(url)) : text;
}

/** A copy of span (or event) attributes with every URL redacted and the query attributes gone. */
export function redactAttributes<A extends Record<string, unknown>>(attributes: A): A {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (DROPPED_KEYS.has(key)) continue;
    if (typeof value !== 'string') out[key] = value;
    else if (URL_KEYS.has(key)) out[key] = redactUrl(value);
    else if (PATH_KEYS.has(key)) out[key] = redactPath(value);
    else out[key] = redactText(value);
  }
  return out as A;
}
