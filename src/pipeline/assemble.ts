/**
 * The email is assembled in code: the template with each recipient and personal slot replaced by
 * what the writer model put in it, every other byte as written. The sender's slots stay as they
 * are, for the person to fill. Sources are numbered once for prompts, checks and the result: web
 * sources keep their `n`, papers follow them.
 */
import type { Fill, ParsedTemplate, Paper, Slot, Source } from './types.ts';

/** Something a fill may cite by number: a web source or one of the recipient's papers. */
export type Citable<P extends NumberedPaper = Paper> =
  | { n: number; kind: 'web'; title: string; url: string }
  | { n: number; kind: 'paper'; title: string; url: string; year: number; paper: P };

/** What numbering needs of a paper: the research review's papers carry no more than this. */
type NumberedPaper = Pick<Paper, 'title' | 'url' | 'year'>;

/**
 * Web sources by their own numbers, then the papers numbered after the last of them. The prompt,
 * the checks and the result's Sources list and source marks all number through this.
 */
export function numberSources<P extends NumberedPaper = Paper>(
  sources: readonly Source[],
  papers: readonly P[],
): Citable<P>[] {
  const last = sources.reduce((max, s) => Math.max(max, s.n), 0);
  return [
    ...sources.map((s) => ({ n: s.n, kind: 'web' as const, title: s.title, url: s.url })),
    ...papers.map((paper, i) => ({
      n: last + i + 1,
      kind: 'paper' as const,
      title: paper.title,
      url: paper.url,
      year: paper.year,
      paper,
    })),
  ];
}

/** The slots research fills (recipient phrases and personal lines), in template order. */
export const slotsToFill = (slots: readonly Slot[]) => slots.filter((s) => s.owner !== 'sender');

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with every occurrence of a fillable slot replaced by its fill (trimmed); slots without a
 * fill, the sender's slots, and everything else are left exactly as written.
 */
export function fillSlots(text: string, slots: readonly Slot[], fills: readonly Fill[]): string {
  const byslot = new Map<string, string>();
  for (const slot of slotsToFill(slots)) {
    const fill = fills.find((f) => f.slot === slot.placeholder && f.text.trim() !== '');
    if (fill) byslot.set(slot.placeholder, fill.text.replace(/\r\n?/g, '\n').trim());
  }
  return replaceSlots(text, byslot);
}

/** `text` with every occurrence of each key of `values` replaced by its value, in one pass; the rest as written. */
export function replaceSlots(text: string, values: ReadonlyMap<string, string>): string {
  if (values.size === 0) return text;
  // Longest first, so "{{name}}" inside "{{{name}}}" or "[Name]" inside "[Name], PhD" go to the longer.
  const pattern = new RegExp(
    [...values.keys()]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return text.replace(pattern, (slot) => values.get(slot) ?? slot);
}

/**
 * The email as far as `fills` reach: the template up to the first occurrence of a fillable slot that
 * has no fill yet, with the slots before it filled (`fillSlots`). With every slot filled it is
 * `assembleEmail`'s email; before that, a prefix of it. Shown while the writer streams its answer.
 */
export function emailSoFar(template: string, parsed: Pick<ParsedTemplate, 'slots'>, fills: readonly Fill[]): string {
  const slots = slotsToFill(parsed.slots).map((s) => s.placeholder);
  const filled = new Set(fills.filter((f) => f.text.trim() !== '').map((f) => f.slot));
  let cut = template.length;
  if (slots.length > 0) {
    // The same longest-first matching as `replaceSlots`, so the cut falls where a slot is replaced.
    const pattern = new RegExp(
      [...slots]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    for (const match of template.matchAll(pattern)) {
      if (!filled.has(match[0])) {
        cut = match.index;
        break;
      }
    }
  }
  return fillSlots(template.slice(0, cut), parsed.slots, fills);
}

/** The email: the template with its fillable slots filled. */
export const assembleEmail = (template: string, parsed: Pick<ParsedTemplate, 'slots'>, fills: readonly Fill[]) =>
  fillSlots(template, parsed.slots, fills);

/** The subject: the template's own with its slots filled, else the one the writer wrote (if any). */
export function assembleSubject(
  parsed: Pick<ParsedTemplate, 'slots' | 'subject'>,
  fills: readonly Fill[],
  written: string,
): string | undefined {
  if (parsed.subject) return fillSlots(parsed.subject.text, parsed.slots, fills);
  const subject = written.replace(/\s+/g, ' ').trim();
  return subject === '' ? undefined : subject;
}
