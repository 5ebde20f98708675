/**
 * Source addresses on their way into chat markup. A source's URL comes from a web page or a search
 * result, so it is hostile input: it is parsed and re-serialised (`new URL().href`
 * percent-encodes spaces, quotes, `<` and `>`), and anything but http(s) is never linked. Each
 * platform then encodes what its own link syntax treats specially (Slack `|`, Discord `()`).
 */

/** The normalised address of an http(s) URL; undefined for anything else (javascript:, mailto:, garbage). */
export function httpHref(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
}

/** Percent-encodes each character of `chars` found in `href`. */
export function encodeChars(href: string, chars: RegExp): string {
  return href.replace(chars, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
