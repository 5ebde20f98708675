/**
 * Checks on the writer's fills, done in code: every fill stands on a numbered source or paper, names
 * no work the recipient did not write, gives no year or venue its paper does not have, and keeps to
 * its budget. Pure functions; the composer sends what they find back once and then shows it.
 *
 * Titles are found quoted in any of the quotes people write (“…”, "…", „…“, «…», 《…》, 「…」, 『…』,
 * *…*) and unquoted as a run of capitalised words ("your paper Programs for Analytical Engines");
 * in German, where every noun is capitalised, an unquoted run counts only after a word such as
 * "Paper" or "Buch". Sentences end at . ! ? and at 。！？.
 */
import { type Citable, slotsToFill } from './assemble.ts';
import { splitSentences } from './chunk.ts';
import { findPlaceholders, wordOverlap, words } from './checks.ts';
import type { Fill, Slot } from './types.ts';

/** Sentences and characters a fill may have, by who it is for. */
export const FILL_BUDGET = {
  recipient: { sentences: 1, chars: 240 },
  personal: { sentences: 2, chars: 400 },
} as const;
/** The filled-in email may be at most this much longer than the template. */
export const MAX_ADDED_CHARS = 400;
/** A subject the writer wrote (the template had none). */
export const MAX_SUBJECT_CHARS = 70;

export interface FillCheckInput {
  fills: readonly Fill[];
  slots: readonly Slot[];
  template: string;
  /** The assembled email. */
  email: string;
  language: string;
  recipientName: string;
  recipientInterest: string;
  citables: readonly Citable[];
  researchSummary: string;
  /** A subject the writer wrote; undefined when the template has its own. */
  writtenSubject?: string | undefined;
}

const QUOTES = [
  /“([^”\n]+)”/g,
  /"([^"\n]+)"/g,
  /„([^“”\n]+)[“”]/g,
  /«\s?([^»\n]+?)\s?»/g,
  /»([^«\n]+)«/g,
  /《([^》\n]+)》/g,
  /〈([^〉\n]+)〉/g,
  /「([^」\n]+)」/g,
  /『([^』\n]+)』/g,
  /\*([^*\n]+)\*/g,
];
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_ALL = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
/** Letters and digits only, lower case, one space between words: how titles are compared. */
const flat = (text: string) => words(text).join(' ');

/** A quote that could be a title: three words or more, or four CJK characters (any 《…》 is one). */
function titleLike(quote: string, opener: string): boolean {
  if (opener === '《' || opener === '〈') return quote.trim().length > 0;
  return words(quote).length >= 3 || (quote.match(CJK_ALL) ?? []).length >= 4;
}

// A capitalised word, and the small words a title may have between capitalised ones.
const CAP = String.raw`\p{Lu}[\p{L}\p{N}'’-]*`;
const SMALL = '(?:of|on|for|the|a|an|and|in|to|with|via|from|by|at|as|under|towards?|through|using|&|:|–|-)';
const RUN = new RegExp(String.raw`${CAP}(?:[ \t]+(?:${SMALL}[ \t]+)*${CAP})+`, 'gu');
const CUES = 'paper|preprint|artikel|arbeit|aufsatz|buch|studie|beitrag|titel|titled';
const GERMAN_CUES = new RegExp(`(?:${CUES})\\s*$`, 'iu');
const GERMAN_CUE_WORD = new RegExp(`(?<![\\p{L}])(?:${CUES})(?![\\p{L}])`, 'giu');

/** Title candidates in a fill: quoted ones, and unquoted runs of three or more capitalised words. */
export function titleMentions(text: string, language: string): string[] {
  const found: string[] = [];
  for (const pattern of QUOTES) {
    for (const m of text.matchAll(pattern)) {
      const quote = (m[1] ?? '').trim();
      if (titleLike(quote, m[0].charAt(0))) found.push(quote);
    }
  }
  const german = /^de\b/i.test(language);
  for (const m of text.matchAll(RUN)) {
    let run = m[0];
    if (german) {
      // The cue may open the run itself ("Ihr Paper A Theory of …"): the title is what follows it.
      const cue = [...run.matchAll(GERMAN_CUE_WORD)].at(-1);
      if (cue) run = run.slice(cue.index + cue[0].length).trim();
      else if (!GERMAN_CUES.test(text.slice(0, m.index))) continue;
    }
    if ((run.match(new RegExp(CAP, 'gu')) ?? []).length < 3) continue;
    if (found.some((f) => f.includes(run) || run.includes(f))) continue;
    found.push(run);
  }
  return found;
}

/** The citable whose title `mention` is (contained either way, or nearly the same words). */
function titleOf(mention: string, citables: readonly Citable[]): Citable | undefined {
  const m = flat(mention);
  return citables.find((c) => {
    const t = flat(c.title);
    if (t === '' || m === '') return false;
    return t.includes(m) || (m.includes(t) && words(t).length >= 3) || wordOverlap(m, t) >= 0.8;
  });
}

/** Titles (quoted or not) in `text` that are none of the citables' and appear in none of `knownTexts`. */
export function unknownTitles(
  text: string,
  language: string,
  citables: readonly Citable[],
  knownTexts: readonly string[],
): string[] {
  const known = knownTexts.map(flat);
  return titleMentions(text, language).filter((t) => !titleOf(t, citables) && !known.some((k) => k.includes(flat(t))));
}

const HONORIFICS = new Set(['dr', 'prof', 'professor', 'mr', 'ms', 'mrs', 'herr', 'frau', 'doktor', 'm', 'mme']);

/** A fill that only repeats what the person asking gave (the recipient's name, their interest) needs no source. */
function givenByRequest(text: string, input: Pick<FillCheckInput, 'recipientName' | 'recipientInterest'>): boolean {
  const given = new Set([...words(input.recipientName), ...words(input.recipientInterest), ...HONORIFICS]);
  const own = words(text);
  return own.length > 0 && own.every((w) => given.has(w));
}

const YEAR = /(?<!\d)(?:19|20)\d{2}(?!\d)/g;

/** The years in a fill that neither a paper it names or cites nor (when it cites a web page) the research gives. */
function wrongYears(fill: Fill, input: FillCheckInput): string[] {
  const years = [...new Set(fill.text.match(YEAR) ?? [])];
  if (years.length === 0) return [];
  const cited = input.citables.filter((c) => fill.sources.includes(c.n));
  const named = titleMentions(fill.text, input.language)
    .map((t) => titleOf(t, input.citables))
    .filter((c) => c !== undefined);
  const papers = [...new Set([...named, ...cited].filter((c) => c.kind === 'paper'))];
  const web = cited.some((c) => c.kind === 'web');
  const problems: string[] = [];
  for (const year of years) {
    if (papers.some((p) => String(p.year) === year)) continue;
    if (web && (input.researchSummary.includes(year) || cited.some((c) => c.title.includes(year)))) continue;
    const paper = papers[0];
    problems.push(
      paper
        ? `the year ${year}, but “${paper.title}” is from ${paper.year}`
        : `the year ${year}, which none of its sources gives`,
    );
  }
  return problems;
}

// A venue named in a fill: after "published in / presented at / erschienen in …" anywhere, or after
// "in" / "at" / an opening bracket right after a paper's title ("“…” in Nature", "“…” (NeurIPS 2023)").
// No `i` flag: with it \p{Lu} would match lower case letters too.
const VENUE_NAME = String.raw`(?:(?:the|der|die|dem|den)[ \t]+)?(${CAP}(?:[ \t]+(?:${SMALL}[ \t]+)*${CAP})*)`;
const initialCase = (w: string) => `[${w.charAt(0).toUpperCase()}${w.charAt(0)}]${w.slice(1)}`;
const PUBLISHED_CUES = [
  'published',
  'appeared',
  'appearing',
  'presented',
  'accepted',
  'featured',
  'erschienen',
  'veröffentlicht',
  'publiziert',
  'vorgestellt',
  'angenommen',
].map(initialCase);
const PUBLISHED = new RegExp(
  String.raw`(?<![\p{L}])(?:${PUBLISHED_CUES.join('|')})[ \t]+(?:in|at|to|on|im|bei|auf)[ \t]+${VENUE_NAME}`,
  'gu',
);
const AFTER_TITLE = new RegExp(
  String.raw`^[\s\p{Pf}\p{Pe}"*,]*(?:\(\d{4}\)[ \t]*)?(?:(?:in|at|im|bei|auf)[ \t]+${VENUE_NAME}|\([ \t]*${VENUE_NAME})`,
  'u',
);
const VENUE_SMALL = new Set(['of', 'on', 'the', 'and', 'in', 'for', 'to', 'de', 'der', 'die', 'und', 'für']);

/** Venue names in a fill (see `VENUE_NAME`), with the paper whose title each follows, if any. */
export function venueMentions(text: string, language: string, citables: readonly Citable[]): string[] {
  const found = [...text.matchAll(PUBLISHED)].map((m) => m[1] ?? '');
  for (const mention of titleMentions(text, language)) {
    const paper = titleOf(mention, citables);
    if (paper?.kind !== 'paper') continue;
    // Where the title ends: the record's title as written, else the mention (an unquoted run may run on past it).
    const exact = text.toLowerCase().indexOf(paper.title.toLowerCase());
    const end = exact >= 0 ? exact + paper.title.length : text.indexOf(mention) + mention.length;
    const m = AFTER_TITLE.exec(text.slice(end));
    const name = m?.[1] ?? m?.[2];
    if (name) found.push(name);
  }
  return [...new Set(found.map((v) => v.trim()).filter((v) => v !== ''))];
}

/** Whether a named venue is the record's: the same words (either containing the other, or 80 % shared), or its initials. */
export function sameVenue(mention: string, venue: string): boolean {
  const m = flat(mention);
  const v = flat(venue);
  if (m === '' || v === '') return false;
  if (` ${v} `.includes(` ${m} `) || ` ${m} `.includes(` ${v} `) || wordOverlap(m, v) >= 0.8) return true;
  const initials = words(venue)
    .filter((w) => !VENUE_SMALL.has(w))
    .map((w) => w.charAt(0))
    .join('');
  const acronym = mention.replace(/[^\p{L}]/gu, '').toLowerCase();
  return acronym.length >= 2 && initials === acronym;
}

/**
 * Venues in a fill that disagree with the record of the paper it names or cites and that nothing
 * it may stand on gives (the research, the sources' titles, the papers' abstracts, the template).
 */
function wrongVenues(fill: Fill, input: FillCheckInput): string[] {
  const mentions = venueMentions(fill.text, input.language, input.citables);
  if (mentions.length === 0) return [];
  const named = titleMentions(fill.text, input.language)
    .map((t) => titleOf(t, input.citables))
    .filter((c) => c !== undefined);
  const cited = input.citables.filter((c) => fill.sources.includes(c.n));
  const papers = [...new Set([...named, ...cited])].flatMap((c) => (c.kind === 'paper' ? [c] : []));
  // A bracket after a title may hold its authors ("“…” (Hopper and Sammet)"): names are not venues.
  const known = [
    input.template,
    input.researchSummary,
    input.recipientName,
    ...input.citables.map((c) => c.title),
    ...papers.flatMap((p) => [p.paper.abstract, ...p.paper.authors]),
  ].map((k) => ` ${flat(k)} `);
  const problems: string[] = [];
  for (const mention of mentions) {
    if (papers.some((p) => p.paper.venue !== undefined && sameVenue(mention, p.paper.venue))) continue;
    const named = ` ${flat(mention)} `;
    if (known.some((k) => k.includes(named))) continue;
    const own: readonly string[] = words(mention);
    if (papers.some((p) => p.paper.authors.some((a) => own.includes(words(a).at(-1) ?? '')))) continue;
    const paper = papers.find((p) => p.paper.venue !== undefined);
    problems.push(
      paper
        ? `the venue ${mention}, but the record of “${short(paper.title)}” gives ${paper.paper.venue}`
        : `the venue ${mention}, which none of its sources gives`,
    );
  }
  return problems;
}

const sentenceCount = (text: string) =>
  splitSentences(text).filter((s) => /[\p{L}\p{N}]/u.test(s) || CJK.test(s)).length;

const short = (text: string) => (text.length > 60 ? `${text.slice(0, 59)}…` : text);

/** Every problem with the fills, in plain words, each naming its slot; empty when they pass. */
export function checkFills(input: FillCheckInput): string[] {
  const problems: string[] = [];
  const numbers = new Set(input.citables.map((c) => c.n));
  const knownTexts = [input.template, input.researchSummary, input.recipientName, input.recipientInterest];
  for (const slot of slotsToFill(input.slots)) {
    const fill = input.fills.find((f) => f.slot === slot.placeholder);
    const at = `The text for ${slot.placeholder}`;
    if (!fill || fill.text.trim() === '') {
      problems.push(`Nothing was written for ${slot.placeholder}.`);
      continue;
    }
    const text = fill.text.trim();
    const unknownNumbers = fill.sources.filter((n) => !numbers.has(n));
    if (unknownNumbers.length > 0) {
      problems.push(`${at} cites ${unknownNumbers.map((n) => `[${n}]`).join(', ')}, which no source has.`);
    } else if (fill.sources.length === 0 && !givenByRequest(text, input)) {
      problems.push(`${at} (“${short(text)}”) cites no source: give the number of the source or paper it comes from.`);
    }
    const titles = unknownTitles(text, input.language, input.citables, knownTexts);
    if (titles.length > 0) {
      problems.push(
        `${at} names work that is not among the recipient's papers or sources: ${titles.map((t) => `“${short(t)}”`).join(', ')}.`,
      );
    }
    for (const year of wrongYears({ ...fill, text }, input)) problems.push(`${at} gives ${year}.`);
    for (const venue of wrongVenues({ ...fill, text }, input)) problems.push(`${at} gives ${venue}.`);
    const inside = findPlaceholders(text);
    if (inside.length > 0) problems.push(`${at} has a placeholder in it: ${inside.join(', ')}.`);
    const budget = FILL_BUDGET[slot.owner === 'personal' ? 'personal' : 'recipient'];
    const sentences = sentenceCount(text);
    if (sentences > budget.sentences) {
      problems.push(`${at} is ${sentences} sentences long; at most ${budget.sentences}.`);
    } else if (text.length > budget.chars) {
      problems.push(`${at} is ${text.length} characters long; at most ${budget.chars}.`);
    }
  }
  const added = input.email.length - input.template.length;
  if (added > MAX_ADDED_CHARS) {
    problems.push(`The fills add ${added} characters to the template; at most ${MAX_ADDED_CHARS} in all.`);
  }
  const subject = input.writtenSubject?.trim() ?? '';
  if (subject.length > MAX_SUBJECT_CHARS) {
    problems.push(`The subject is ${subject.length} characters long; at most ${MAX_SUBJECT_CHARS}.`);
  }
  return problems;
}
