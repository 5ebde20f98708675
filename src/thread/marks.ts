/**
 * Where each line of an email came from, as the thread shows it: the email cut into segments, each
 * personal line (a fill that cites something) followed by its source marks ("[1][3]"), those lines
 * as "Where each line comes from" lists them (`citedLines`), the subject to show above the email,
 * and the Sources list numbered as the marks are (`numberSources`). Written once here; each
 * renderer only styles it. Copy and the hand-off use the bare `view.email`.
 */
import { numberSources, type Citable } from '../pipeline/assemble.ts';
import { findSubject } from '../pipeline/template.ts';
import type { Paper, Source } from '../pipeline/types.ts';
import type { ResultView } from './reporter.ts';

/** A run of the email; `sources`: it is a fill standing on these numbers, and a mark follows it. */
export interface EmailSegment {
  text: string;
  sources?: number[];
}

/** The mark after a fill: "[1][3]" — no spaces, so a split at a space never parts it from its line or itself. */
export const markOf = (sources: readonly number[]): string => sources.map((n) => `[${n}]`).join('');

/**
 * The email as segments: joined without marks they are exactly `view.email`. Each fill that cites
 * something is found where the assembly put it (every occurrence, earliest first, never
 * overlapping); a fill with no sources (the recipient's name), or a version without fills (edited,
 * older), gives one plain segment.
 */
export function markedEmail(view: Pick<ResultView, 'email' | 'fills'>): EmailSegment[] {
  const { email } = view;
  const spans: { start: number; end: number; sources: number[] }[] = [];
  for (const fill of view.fills ?? []) {
    // As assembleEmail put it in: newlines normalised, trimmed.
    const text = fill.text.replace(/\r\n?/g, '\n').trim();
    const sources = [...new Set(fill.sources)].sort((a, b) => a - b);
    if (text === '' || sources.length === 0) continue;
    for (let at = email.indexOf(text); at !== -1; at = email.indexOf(text, at + text.length)) {
      spans.push({ start: at, end: at + text.length, sources });
    }
  }
  // Longest first at one place, so a fill inside another one's text does not take its place.
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const segments: EmailSegment[] = [];
  let last = 0;
  for (const span of spans) {
    if (span.start < last) continue;
    if (span.start > last) segments.push({ text: email.slice(last, span.start) });
    segments.push({ text: email.slice(span.start, span.end), sources: span.sources });
    last = span.end;
  }
  if (last < email.length || segments.length === 0) segments.push({ text: email.slice(last) });
  return segments;
}

/** The segments as one text, each mark right after its fill (platforms that show the email as text). */
export const markedText = (segments: readonly EmailSegment[]): string =>
  segments.map((s) => (s.sources ? s.text + markOf(s.sources) : s.text)).join('');

/** A shown line at most, in characters, cut forms included ("Where each line comes from"). */
export const CITED_LINE_MAX = 280;

/** A line of the email as `citedLines` builds it: whitespace collapsed, where each fill and its mark stand. */
interface MarkedLine {
  text: string;
  marks: { markStart: number; end: number }[];
}

/**
 * "Where each line comes from", the same on every platform: each line of the email that holds a
 * sourced fill, whole, each mark right after its fill — `I read your work on analytical
 * engines[1] with great interest.` — so the sentence is read in context and a line with two fills
 * shows both marks. A fill spanning a line break keeps its lines together as one (a shown line is
 * one line: whitespace runs become one space). A line over `maxChars` is cut near its marks, ending
 * at a mark (and the punctuation right after it): `I read your notes.[1] …` (the rest cut),
 * `…and more I read your notes.[1]` (the start cut), both at once if needed; where one cut would
 * leave a mark out, the line is shown in as many cuts as it takes, so every mark is shown. Identical lines are shown once, in the email's order.
 * Plain text: each renderer escapes and styles it. None without a sourced fill (an edited or older
 * version).
 */
export function citedLines(view: Pick<ResultView, 'email' | 'fills'>, budget: { maxChars?: number } = {}): string[] {
  const maxChars = budget.maxChars ?? CITED_LINE_MAX;
  const lines: MarkedLine[] = [{ text: '', marks: [] }];
  for (const segment of markedEmail(view)) {
    const line = lines.at(-1)!;
    if (segment.sources) {
      // The fill is one run of the line, even across a line break.
      line.text += segment.text.replace(/\s+/g, ' ');
      const markStart = line.text.length;
      line.text += markOf(segment.sources);
      line.marks.push({ markStart, end: line.text.length });
      continue;
    }
    for (const [i, part] of segment.text.split('\n').entries()) {
      if (i > 0) lines.push({ text: '', marks: [] });
      lines.at(-1)!.text += part.replace(/\s+/g, ' ');
    }
  }
  const shown = new Set<string>();
  for (const line of lines) {
    if (!line.marks.length) continue;
    for (const text of cutLine(line, maxChars)) shown.add(text);
  }
  return [...shown];
}

/** One line as shown: whole if it fits, else cut around its marks, each cut ending at a mark. */
function cutLine(line: MarkedLine, maxChars: number): string[] {
  // Trimmed; the marks moved with the text.
  const lead = line.text.length - line.text.trimStart().length;
  const text = line.text.trim();
  const marks = line.marks.map((m) => ({ markStart: m.markStart - lead, end: m.end - lead }));
  if (text.length <= maxChars) return [text];
  const cuts: string[] = [];
  // From the last mark back: a cut ends at a mark and takes in the marks before it that it holds whole.
  for (let i = marks.length - 1; i >= 0; ) {
    const { markStart } = marks[i]!;
    // With the punctuation that closes the fill's sentence or clause ("notes[1]."), if any.
    const end = marks[i]!.end + /^[.,;:!?)"'’”]{0,3}/.exec(text.slice(marks[i]!.end))![0].length;
    const after = text.slice(end).trim() === '' ? '' : ' …';
    let start = 0;
    if (end + after.length > maxChars) {
      // Never inside the mark itself, however small the budget.
      start = Math.min(end - (maxChars - after.length - 1), markStart);
      // At a word, when one starts before the mark.
      const space = text.indexOf(' ', start - 1);
      if (space !== -1 && space + 1 < markStart) start = space + 1;
    }
    cuts.unshift(`${start > 0 ? '…' : ''}${text.slice(start, end)}${after}`);
    do i--;
    while (i >= 0 && marks[i]!.markStart >= start);
  }
  return cuts;
}

/**
 * The subject to show above the email: the view's subject, unless the email already opens with it
 * (a template with its own "Subject: …" line keeps that line, so it is shown once, as written).
 */
export function shownSubject(view: Pick<ResultView, 'email' | 'subject'>): string | undefined {
  const subject = view.subject?.trim();
  if (!subject) return undefined;
  return findSubject(view.email)?.text.trim() === subject ? undefined : subject;
}

/** The Sources list: web pages by their `n`, the papers numbered after them, as the marks cite them. */
export function numberedSources<P extends Pick<Paper, 'title' | 'url' | 'year'>>(view: {
  sources: readonly Source[];
  papers: readonly P[];
}): Citable<P>[] {
  return numberSources(view.sources, view.papers);
}
