/**
 * A template with no placeholder for the recipient (issue 21, item 5): every form says so before
 * any work, in code (no model call), and asks where one personal line should go — or none, and
 * then the email is the template as written: no research, nothing spent. Written once here; the
 * adapters and `scribe draft` only show the question and pass the answer back.
 */
import { z } from 'zod';
import { type PERSONAL_LINE_PLACES, hasRecipientSlot, slotsInCode, withPersonalLine } from '../pipeline/template.ts';

/** `label` in a form's list; `button` where the answer is a button (Discord's question after a form). */
export const PERSONAL_LINE_CHOICES = [
  { value: 'after-greeting', label: 'After the greeting', button: 'After the greeting' },
  { value: 'before-signoff', label: 'Before the sign-off', button: 'Before the sign-off' },
  { value: 'none', label: 'None: the template as written', button: 'No personal line' },
] as const satisfies readonly {
  value: (typeof PERSONAL_LINE_PLACES)[number] | 'none';
  label: string;
  button: string;
}[];

export const PersonalLineChoiceSchema = z.enum(['after-greeting', 'before-signoff', 'none']);
export type PersonalLineChoice = z.infer<typeof PersonalLineChoiceSchema>;

/** What the form says when `template` has nothing for research to fill; undefined when it has. */
export function noRecipientSlotNotice(template: string): string | undefined {
  const slots = slotsInCode(template);
  if (hasRecipientSlot(slots)) return undefined;
  const what =
    slots.length === 0
      ? 'This template has no placeholder ({{…}} or […]) for the recipient'
      : 'This template has placeholders only for your own details, none for the recipient';
  return `${what}, so nothing in it would be written about them. Choose where one personal line about them should go, or none: then the email is the template as written, with no research and nothing spent.`;
}

/** The template as it will be run: with a personal line's slot at the chosen place, or as written. */
export function applyPersonalLine(template: string, choice: PersonalLineChoice | undefined): string {
  if (choice === undefined || choice === 'none' || noRecipientSlotNotice(template) === undefined) return template;
  return withPersonalLine(template, choice);
}

/** The template to run with `choice`, or the notice when the template needs a choice not made. */
export function placePersonalLine(
  template: string,
  choice: PersonalLineChoice | undefined,
): { template: string; notice?: undefined } | { notice: string } {
  const notice = noRecipientSlotNotice(template);
  if (notice && choice === undefined) return { notice };
  return { template: applyPersonalLine(template, choice) };
}
