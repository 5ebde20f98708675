/**
 * Checks on an email, done in code (the model is asked to follow the same rules, but we verify).
 * Pure functions: each returns what it found; `checkEmail` turns that into problems in plain
 * words. An edited email goes through all of them; a composed one is the template with fills
 * (`assemble.ts`), so its fixed text is kept by construction and its fills are checked one by one
 * (`fill-checks.ts`), with the links and phrases checks from here on the whole.
 */
import { splitSentences } from './chunk.ts';
import type { Paper } from './types.ts';

export const MAX_EMAIL_CHARS = 10_000;

/**
 * Share of the template's fixed sentences (those without a placeholder) that must appear
 * unchanged in the email. 0.8 leaves room for the model to adjust a greeting or a sentence that
 * runs into a filled-in placeholder, while a rewritten template falls well below it.
 */
export const FIXED_TEXT_THRESHOLD = 0.8;

const PLACEHOLDER_PATTERNS: RegExp[] = [
  /\{\{[^{}\n]{1,80}\}\}/g, // {{research_topic}}
  /(?<!\{)\{[A-Za-z_][^{}\n]{0,60}\}(?!\})/g, // {name}
  /\[[^[\]\n]{1,80}\](?!\()/g, // [their recent paper], but not a Markdown link
  /<[A-Za-z][A-Za-z0-9 _'’-]{0,60}>/g, // <Professor Name>, but not <a@b.org> or <https://…>
];

/** Bracketed things that are not placeholders: citations, checkboxes, HTML tags. */
function isPlaceholderLike(match: string): boolean {
  const inner = match.replace(/^[{[<]+|[}\]>]+$/g, '').trim();
  if (inner === '' || /^[\d\s,–-]+$/.test(inner) || /^x$/i.test(inner)) return false;
  if (match.startsWith('<') && HTML_TAGS.has(inner.toLowerCase())) return false;
  return true;
}
const HTML_TAGS = new Set([
  'a',
  'b',
  'i',
  'u',
  'p',
  'br',
  'hr',
  'em',
  'strong',
  'div',
  'span',
  'ul',
  'ol',
  'li',
  'html',
  'body',
]);

/** Placeholders written in the text (`{{…}}`, `{…}`, `[…]`, `<…>`), unique, in order of appearance. */
export function findPlaceholders(text: string): string[] {
  const found: { index: number; value: string }[] = [];
  for (const pattern of PLACEHOLDER_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      if (isPlaceholderLike(m[0])) found.push({ index: m.index, value: m[0] });
    }
  }
  found.sort((a, b) => a.index - b.index);
  return [...new Set(found.map((f) => f.value))];
}

// "Your" in a template is ambiguous: "[Your University]" is the sender's, "[your research area]" the
// recipient's. The sender's are "my …", or "your …" naming a detail about a person sending an email.
const SENDER_DETAIL =
  '(?:full\\s+)?(?:name|first\\s+name|last\\s+name|signature|university|institution|institute|school|college|department|faculty|lab|position|title|role|program(?:me)?|major|degree|year|email|e-mail|phone|affiliation|company|organi[sz]ation|contact|website)';
const SENDER_PATTERNS = [
  /^(?:my|mein|meine|meinen|mon|ma|mes|mi)\b/iu,
  /\b(?:sender|absender|signature|unterschrift)\b/iu,
  new RegExp(`^(?:your|yours|ihr|ihre|ihren|dein|deine|votre|vos|tu|su)\\s+${SENDER_DETAIL}$`, 'iu'),
  /^(?:ihr|ihre|dein|deine)\s+(?:vor-?\s*|nach)?name|^(?:ihr|ihre|dein|deine)\s+(?:universität|hochschule|institut|position|titel|fach|studiengang|e-?mail|telefon|unterschrift)$/iu,
  /^(?:我的|发件人|寄件人)|^(?:你的|您的)(?:名字|姓名|学校|大学|单位|院系|职位|邮箱|电话|签名)$/u,
];

/**
 * The sender's own details ("[Your Name]", "[Your University]", "[Ihr Name]", "{my_name}",
 * "[您的姓名]"): nothing in the research can fill them, so the composer leaves them as written and
 * the checks do not count them as left unfilled.
 */
export function isSenderPlaceholder(placeholder: string): boolean {
  const inner = placeholder
    .replace(/[{}[\]<>]/g, '')
    .replace(/[_-]+/g, ' ')
    .trim();
  return SENDER_PATTERNS.some((p) => p.test(inner));
}

/**
 * Placeholders still in the email: the template's own, and any placeholder-shaped text; not the
 * sender's (`isSenderPlaceholder`, or named in `senderSlots` by the parser).
 */
export function leftoverPlaceholders(
  email: string,
  known: readonly string[],
  senderSlots: readonly string[] = [],
): string[] {
  const left = [...known.filter((p) => email.includes(p)), ...findPlaceholders(email)];
  return [...new Set(left)].filter((p) => !isSenderPlaceholder(p) && !senderSlots.includes(p));
}

/** Same text up to whitespace, typographic quotes and dashes. */
function normalise(text: string): string {
  return text
    .replace(/[‘’‛′]/g, "'")
    .replace(/[“”„″]/g, '"')
    .replace(/[‐‑‒–—]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** How much of the template's fixed text (sentences without a placeholder) the email kept verbatim. */
export function fixedTextKept(
  template: string,
  email: string,
  placeholders: readonly string[],
): { share: number; missing: string[] } {
  const all = [...placeholders, ...findPlaceholders(template)];
  const fixed = splitSentences(template)
    .map(normalise)
    .filter((s) => /[\p{L}\p{N}]/u.test(s) && !all.some((p) => s.includes(normalise(p))));
  if (fixed.length === 0) return { share: 1, missing: [] };
  const body = normalise(email);
  const missing = fixed.filter((s) => !body.includes(s));
  return { share: (fixed.length - missing.length) / fixed.length, missing };
}

const ARXIV_ID = /\b(?:arXiv:\s*)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?\b/g;
const QUOTED = /“([^”\n]{12,200})”|"([^"\n]{12,200})"|\*([^*\n]{12,200})\*/g;

/** The words of a text, lower case: letters and digits in any script. */
export const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** The share of the two texts' distinct words that both have (0–1). */
export function wordOverlap(a: string, b: string): number {
  const x = new Set(words(a));
  const y = new Set(words(b));
  const shared = [...x].filter((w) => y.has(w)).length;
  return shared / (new Set([...x, ...y]).size || 1);
}

const similar = (a: string, b: string) => wordOverlap(a, b) >= 0.6;

/**
 * Papers the email mentions that the run did not find: arXiv ids not among `papers`, and quoted
 * or starred titles (3+ words) that match no paper or source title and appear in none of
 * `knownTexts` (template, research summary). Pragmatic: it catches invented titles and ids, not
 * invented claims in prose.
 */
export function unknownPaperMentions(
  email: string,
  papers: readonly Paper[],
  knownTitles: readonly string[],
  knownTexts: readonly string[],
): string[] {
  const ids = new Set(papers.map((p) => p.id));
  const unknown: string[] = [];
  for (const m of email.matchAll(ARXIV_ID)) {
    if (m[1] !== undefined && !ids.has(m[1])) unknown.push(`arXiv ${m[1]}`);
  }
  const titles = [...papers.map((p) => p.title), ...knownTitles];
  const texts = knownTexts.map((t) => words(t).join(' '));
  for (const m of email.matchAll(QUOTED)) {
    const quote = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    if (words(quote).length < 3) continue;
    const flat = words(quote).join(' ');
    if (titles.some((t) => similar(quote, t)) || texts.some((t) => t.includes(flat))) continue;
    unknown.push(`“${quote}”`);
  }
  return [...new Set(unknown)];
}

// Links with a scheme or "www.", and bare "host.tld/path" ones on common top-level domains (a
// bare "x.y/z" is too often something else: "Node.js/Deno").
const BARE_TLDS =
  'com|org|net|edu|gov|info|biz|io|ai|co|app|dev|me|xyz|ly|gl|link|site|online|page|uk|de|fr|ru|cn|in|us|eu';
const URL_IN_TEXT = new RegExp(
  `\\b(?:https?:\\/\\/|www\\.)[^\\s<>"'\`]+|\\b(?:[a-z0-9-]+\\.)+(?:${BARE_TLDS})\\/[^\\s<>"'\`]*`,
  'gi',
);

/** A link as written, without the sentence's punctuation after it (a ")" only when unbalanced). */
function trimLink(link: string): string {
  let out = link.replace(/[.,;:!?'"”’»*_]+$/, '');
  while (/[)\]}]$/.test(out) && (out.match(/[([{]/g) ?? []).length < (out.match(/[)\]}]/g) ?? []).length) {
    out = out.slice(0, -1).replace(/[.,;:!?'"”’»*_]+$/, '');
  }
  return out;
}

/** What makes two links the same: host without "www.", path without a trailing "/", query; not scheme or fragment. */
function linkKey(link: string): string {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(link) ? link : `https://${link}`);
    return `${url.hostname.toLowerCase().replace(/^www\./, '')}${url.pathname.replace(/\/+$/, '')}${url.search}`;
  } catch {
    return link.toLowerCase();
  }
}

/** The links written in a text, trimmed, unique, in order. */
export function findLinks(text: string): string[] {
  return [...new Set([...text.matchAll(URL_IN_TEXT)].map((m) => trimLink(m[0])).filter((l) => l.length > 0))];
}

/**
 * Links in the email that are in neither the template nor the sources (web pages and papers).
 * A link to a site or folder above a known page ("uni.example" for "uni.example/~ada") is known
 * too. A link the model wrote on its own, or copied from a page's text, is what a prompt injection
 * would plant ("apply at https://evil.example"), so it is a problem, not a detail.
 */
export function unknownLinks(email: string, known: { template: string; urls: readonly string[] }): string[] {
  const keys = [...findLinks(known.template), ...known.urls].map(linkKey);
  const isKnown = (key: string) => keys.some((k) => k === key || k.startsWith(`${key}/`) || k.startsWith(`${key}?`));
  return findLinks(email).filter((link) => !isKnown(linkKey(link)));
}

/** Phrases that make an email read as machine-written. */
export const MACHINE_TELLS: readonly { phrase: string; pattern: RegExp }[] = [
  {
    phrase: 'I hope this email finds you well',
    pattern: /\bI hope (?:this|the|my) (?:e-?mail|message|note|letter) finds you well/i,
  },
  { phrase: 'I am reaching out', pattern: /\bI(?: am|'m|’m) reaching out\b/i },
  { phrase: 'I wanted to reach out', pattern: /\bI wanted to reach out\b/i },
  { phrase: 'delve', pattern: /\bdelv(?:e|es|ed|ing)\b/i },
  { phrase: 'tapestry', pattern: /\btapestry\b/i },
  { phrase: 'a testament to', pattern: /\ba testament to\b/i },
  { phrase: 'navigate the complexities', pattern: /\bnavigat(?:e|ing) the complexities\b/i },
  {
    phrase: "in today's fast-paced world",
    pattern: /\bin today['’]s (?:fast-paced|rapidly evolving|ever-changing)\b/i,
  },
  { phrase: 'as an AI', pattern: /\bas an AI\b/i },
  {
    phrase: 'a preamble ("Here is the email…")',
    pattern: /^\s*(?:certainly|sure|here is|here's)\b[^\n]*\b(?:email|draft)\b/i,
  },
];

/** The machine-writing tells in `email`, except those the sender's template itself uses. */
export function machineTells(email: string, template: string): string[] {
  return MACHINE_TELLS.filter((t) => t.pattern.test(email) && !t.pattern.test(template)).map((t) => t.phrase);
}

export interface EmailCheckInput {
  email: string;
  template: string;
  placeholders: readonly string[];
  papers: readonly Paper[];
  /** Titles of the web sources. */
  sourceTitles: readonly string[];
  /** URLs of the web sources (the papers' come with `papers`). */
  sourceUrls: readonly string[];
  /** The research summary, where a quoted book or paper title may legitimately come from. */
  researchSummary: string;
  /** Placeholders the parser found to be the sender's: left for the person, never a problem. */
  senderSlots?: readonly string[] | undefined;
}

const quoteList = (items: readonly string[], max = 3) =>
  items
    .slice(0, max)
    .map((s) => `“${s.length > 80 ? `${s.slice(0, 79)}…` : s}”`)
    .join(', ') + (items.length > max ? ` and ${items.length - max} more` : '');

/** The problem with links in `email` that are in neither the template nor `urls`, if any. */
export function linkProblems(email: string, template: string, urls: readonly string[]): string[] {
  const links = unknownLinks(email, { template, urls });
  return links.length > 0
    ? [`Has links that are in neither the template nor the sources: ${quoteList(links, 5)}.`]
    : [];
}

/** The problem with machine-sounding phrases in `email` (the template's own excepted), if any. */
export function tellProblems(email: string, template: string): string[] {
  const tells = machineTells(email, template);
  return tells.length > 0 ? [`Uses machine-sounding phrases: ${quoteList(tells, tells.length)}.`] : [];
}

/** Every problem with the email, in plain words; empty when it passes. */
export function checkEmail(input: EmailCheckInput): string[] {
  const { email, template } = input;
  if (email.trim() === '') return ['The email is empty.'];
  const problems: string[] = [];
  const left = leftoverPlaceholders(email, input.placeholders, input.senderSlots);
  if (left.length > 0) problems.push(`Placeholders left unfilled: ${left.join(', ')}.`);
  const kept = fixedTextKept(template, email, input.placeholders);
  if (kept.share < FIXED_TEXT_THRESHOLD) {
    problems.push(
      `Only ${Math.round(kept.share * 100)}% of the template's fixed sentences were kept as written ` +
        `(at least ${FIXED_TEXT_THRESHOLD * 100}% needed); changed or missing: ${quoteList(kept.missing)}.`,
    );
  }
  const unknown = unknownPaperMentions(email, input.papers, input.sourceTitles, [template, input.researchSummary]);
  if (unknown.length > 0) problems.push(`Mentions work not among the papers or sources found: ${unknown.join(', ')}.`);
  problems.push(...linkProblems(email, template, [...input.sourceUrls, ...input.papers.map((p) => p.url)]));
  problems.push(...tellProblems(email, template));
  if (email.length > MAX_EMAIL_CHARS) {
    problems.push(
      `The email is ${email.length.toLocaleString('en')} characters long; the limit is ${MAX_EMAIL_CHARS.toLocaleString('en')}.`,
    );
  }
  return problems;
}
