/**
 * What code can tell about a template without a model: who a placeholder is for (a safe guess,
 * used where the parser's answer is missing and to overrule it where it would let the model invent
 * the sender's details) and the subject line in its first line.
 */
import { findPlaceholders, isSenderPlaceholder } from './checks.ts';
import type { Slot, SlotOwner, TemplateSubject } from './types.ts';

/** A placeholder that asks for a free line rather than a phrase: "[personal note]", "{{custom_opening}}". */
const PERSONAL =
  /\b(?:personal|personali[sz]ed|custom|opening|hook|compliment|icebreaker)\b|persönlich|个性化|個人的|一句/iu;

/** Who fills `placeholder` when no model said so: the sender's own details first, never invented. */
export function guessOwner(placeholder: string): SlotOwner {
  if (isSenderPlaceholder(placeholder)) return 'sender';
  const inner = placeholder.replace(/[_-]+/g, ' ');
  return PERSONAL.test(inner) ? 'personal' : 'recipient';
}

/**
 * The slots of `placeholders`: the parser's owner where it gave one, else the guess; a placeholder
 * code sees as the sender's stays the sender's whatever the model said (the composer must never
 * fill "[Your University]").
 */
export function classifySlots(placeholders: readonly string[], fromModel: ReadonlyMap<string, SlotOwner>): Slot[] {
  return placeholders.map((placeholder) => {
    const guess = guessOwner(placeholder);
    const owner = guess === 'sender' ? guess : (fromModel.get(placeholder) ?? guess);
    return { placeholder, owner };
  });
}

/** True when research has something to fill: a recipient or personal slot. */
export const hasRecipientSlot = (slots: readonly Slot[]) => slots.some((s) => s.owner !== 'sender');

/** The template's slots as code sees them, with no model call: what the forms check before any work. */
export const slotsInCode = (template: string): Slot[] => classifySlots(findPlaceholders(template), new Map());

/** Where a personal line goes in a template that has no placeholder for the recipient (issue 21, item 5). */
export const PERSONAL_LINE_PLACES = ['after-greeting', 'before-signoff'] as const;
export type PersonalLinePlace = (typeof PERSONAL_LINE_PLACES)[number];
/** The slot put in: `guessOwner` takes it for a personal line (one or two sentences, with sources). */
export const PERSONAL_LINE_SLOT = '[personal line]';

/**
 * The template with a personal line's slot at `place`, as a paragraph of its own: after the
 * greeting (the first line, after a subject line if there is one), or before the sign-off (the
 * last paragraph). Every other byte stays as written.
 */
export function withPersonalLine(template: string, place: PersonalLinePlace): string {
  const lines = template.split('\n');
  const filled = lines.map((l, i) => ({ l, i })).filter(({ l }) => l.trim() !== '');
  if (filled.length === 0) return PERSONAL_LINE_SLOT;
  if (place === 'after-greeting') {
    const greeting = filled[findSubject(template) && filled.length > 1 ? 1 : 0]!.i;
    const rest = lines.slice(greeting + 1);
    const apart = rest.length > 0 && rest[0]!.trim() !== '' ? [''] : [];
    return [...lines.slice(0, greeting + 1), '', PERSONAL_LINE_SLOT, ...apart, ...rest].join('\n');
  }
  // The sign-off is the last paragraph: the lines after the last blank line before the last text.
  const last = filled.at(-1)!.i;
  let start = last;
  while (start > 0 && lines[start - 1]!.trim() !== '') start--;
  if (start === 0) return `${template.replace(/\s+$/, '')}\n\n${PERSONAL_LINE_SLOT}`;
  return [...lines.slice(0, start), PERSONAL_LINE_SLOT, '', ...lines.slice(start)].join('\n');
}

// "Subject:", "Re:" is not one (a reply's subject is not the template's to set). The labels of the
// languages Scribe's users write in; the colon may be full width (主题：).
const SUBJECT_LINE =
  /^[ \t]*(subject|subj\.?|betreff|objet|asunto|oggetto|assunto|onderwerp|ämne|emne|temat|předmět|тема|主题|主題|件名|제목)[ \t]*[:：][ \t]*(\S.*?)[ \t]*$/iu;

/** The template's subject line: its first non-empty line, when that line starts with a subject label. */
export function findSubject(template: string): TemplateSubject | undefined {
  const line = template.split('\n').find((l) => l.trim() !== '');
  const match = line === undefined ? null : SUBJECT_LINE.exec(line);
  return line !== undefined && match?.[2] ? { line, text: match[2] } : undefined;
}
