/**
 * A page's main text from its HTML: Readability on a light linkedom DOM, falling back to the body's
 * text. Pure and synchronous once the libraries are loaded — which is why it runs in the
 * extraction worker (`extractor.ts`), never on the main thread of a worker process: Readability's
 * time grows about with the cube of the nesting depth (depth 1,000, 11 KB of HTML: 15 s), so a
 * hostile page would freeze heartbeats and Slack acks. Pathological DOMs are refused here before
 * Readability runs (`DomLimits`); the deadline is enforced from outside, by terminating the worker.
 */
import type { Readability as ReadabilityClass } from '@mozilla/readability';

/** Sizes past which a page is refused before Readability sees it. */
export interface DomLimits {
  /**
   * Deepest element nesting. Real pages stay well under 100 levels; Readability takes ~0.2 s at
   * 250 and grows with the cube of it. Default 256.
   */
  maxDepth: number;
  /** Elements (counted as start tags in the HTML). 100,000 took 1.8 s and ~240 MB here. Default 50,000. */
  maxElements: number;
}

export const DEFAULT_DOM_LIMITS: DomLimits = { maxDepth: 256, maxElements: 50_000 };

/** A page refused for its shape (too deep, too many elements); `message` is the reason, for the user. */
export class DomLimitError extends Error {}

const BLOCKS =
  'p, div, li, dt, dd, h1, h2, h3, h4, h5, h6, tr, td, th, section, article, header, footer, blockquote, pre, ul, ol, table';

/** linkedom and Readability, imported on the first page read (~30 MB a process need not hold until then). */
let domLibraries:
  | Promise<{ parseHTML: typeof import('linkedom').parseHTML; Readability: typeof ReadabilityClass }>
  | undefined;
const loadDom = () =>
  (domLibraries ??= Promise.all([import('linkedom'), import('@mozilla/readability')]).then(([l, r]) => ({
    parseHTML: l.parseHTML,
    Readability: r.Readability,
  })));

/** Loads the libraries now (the worker does this while the page downloads). */
export async function preloadDom(): Promise<void> {
  await loadDom();
}

/**
 * The main text of an HTML document (Readability), falling back to the body's text. Throws
 * `DomLimitError` for a page past `limits`. Runs synchronously after the first call's import:
 * call it in the extraction worker, not on a thread that must stay responsive.
 */
export async function extractText(
  html: string,
  limits: DomLimits = DEFAULT_DOM_LIMITS,
): Promise<{ title: string; text: string }> {
  // Counted on the string first: parsing 2 MB of tiny elements already costs hundreds of MB.
  const elements = countStartTags(html);
  if (elements > limits.maxElements) {
    throw new DomLimitError(
      `it has too many HTML elements (${elements.toLocaleString('en')}, at most ${limits.maxElements.toLocaleString('en')} are read)`,
    );
  }
  const { parseHTML, Readability } = await loadDom();
  const { document } = parseHTML(withBody(html));
  // Depth is measured on the parsed DOM, which knows implied end tags (<p>, <li>) and void elements.
  const depth = maxDepth(document.documentElement as unknown as DomNode | null, limits.maxDepth);
  if (depth > limits.maxDepth)
    throw new DomLimitError(`its HTML is nested too deeply (more than ${limits.maxDepth} levels)`);
  for (const el of document.querySelectorAll('script, style, noscript, template, svg')) el.remove();
  showMailtoAddresses(document as unknown as { querySelectorAll(s: string): Iterable<MailtoLink> });
  // textContent runs blocks together ("…2010.Notes on…"): end each block and <br> with a newline.
  for (const el of document.querySelectorAll(BLOCKS)) el.append('\n');
  for (const el of document.querySelectorAll('br')) el.replaceWith('\n');
  const title = normaliseWhitespace(document.querySelector('title')?.textContent ?? '');
  for (const el of document.querySelectorAll('body title')) el.remove(); // a head-less page's title landed in the body
  let article: { textContent?: string | null; title?: string | null } | null = null;
  try {
    // linkedom's document is close enough to the DOM Readability expects.
    article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], {
      charThreshold: 200,
    }).parse();
  } catch {
    article = null;
  }
  const readable = normaliseWhitespace(article?.textContent ?? '');
  const body = normaliseWhitespace(document.body?.textContent ?? document.documentElement?.textContent ?? '');
  // Readability sometimes keeps one small block of a page with no clear article: then the body is better.
  return { title: article?.title?.trim() || title, text: readable.length >= body.length * 0.3 ? readable : body };
}

interface MailtoLink {
  getAttribute(name: string): string | null;
  textContent: string | null;
  append(text: string): void;
}

/**
 * A `mailto:` link's address written after its text ("Email me (ada@cam.ac.uk)") when the text does
 * not show it, so the research can see the address a page gives for its person (issue 22). Only the
 * address: a mailto's `?subject=` and other fields are not the page's words.
 */
function showMailtoAddresses(document: { querySelectorAll(s: string): Iterable<MailtoLink> }): void {
  for (const link of document.querySelectorAll('a[href]')) {
    const href = link.getAttribute('href')?.trim() ?? '';
    if (!/^mailto:/i.test(href)) continue;
    let address: string;
    try {
      address = decodeURIComponent(href.slice('mailto:'.length).split('?')[0]!.split(',')[0]!).trim();
    } catch {
      continue;
    }
    if (!/^[^\s@<>()]+@[^\s@<>()]+$/.test(address)) continue;
    if (!(link.textContent ?? '').toLowerCase().includes(address.toLowerCase())) link.append(` (${address})`);
  }
}

/** Start tags in `html` ("<" and a letter): an upper bound on the elements a parser makes. */
export function countStartTags(html: string): number {
  let n = 0;
  for (let i = html.indexOf('<'); i !== -1; i = html.indexOf('<', i + 1)) {
    const c = html.charCodeAt(i + 1) | 0x20; // lower-cased ASCII letter
    if (c >= 0x61 && c <= 0x7a) n += 1;
  }
  return n;
}

interface DomNode {
  firstElementChild: DomNode | null;
  nextElementSibling: DomNode | null;
  parentElement: DomNode | null;
}

/** The element tree's depth, walked without recursion (a deep page must not overflow the stack); stops past `limit`. */
function maxDepth(root: DomNode | null, limit: number): number {
  let deepest = 0;
  let depth = 1;
  let node = root;
  while (node) {
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    if (node.firstElementChild) {
      node = node.firstElementChild;
      depth += 1;
      continue;
    }
    while (node && !node.nextElementSibling && node !== root) {
      node = node.parentElement;
      depth -= 1;
    }
    if (!node || node === root) break;
    node = node.nextElementSibling;
  }
  return deepest;
}

/**
 * linkedom is no HTML5 parser: it does not invent the <html> and <body> that browsers add to a
 * page which leaves them out (valid HTML), and then finds no body. Add them.
 */
function withBody(html: string): string {
  const hasHtml = /<html[\s>]/i.test(html);
  if (/<body[\s>]/i.test(html))
    return hasHtml ? html : `<!doctype html><html>${html.replace(/<!doctype[^>]*>/i, '')}</html>`;
  const headEnd = /<\/head\s*>/i.exec(html);
  if (headEnd) {
    const at = headEnd.index + headEnd[0].length;
    return `${html.slice(0, at)}<body>${html.slice(at).replace(/<\/html\s*>\s*$/i, '')}</body></html>`;
  }
  return `<!doctype html><html><head></head><body>${html.replace(/<!doctype[^>]*>/i, '').replace(/<\/?html[^>]*>/gi, '')}</body></html>`;
}

/** Spaces collapsed, at most one blank line, trimmed. */
export function normaliseWhitespace(text: string): string {
  return text
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
