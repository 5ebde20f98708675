/**
 * Where each line of an email came from, as the thread shows it: the email cut into segments, each
 * personal line (a fill that cites something) followed by its source marks ("[1][3]"), the subject
 * to show above the email, and the Sources list numbered as the marks are (`numberSources`). Written
 * once here; each renderer only styles it. Copy and the hand-off use the bare `view.email`.
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
