/**
 * The names Discord carries back to us: the modal's and its inputs' custom ids, the result
 * buttons' custom ids, the regenerate reactions. Parsed with zod, since anything in an
 * interaction payload could have been sent by an old message or another app version.
 */
import { z } from 'zod';

/** The `/scribe` modal. */
export const MODAL_ID = 'scribe:draft';

/** The modal's text inputs; also the names of the command's options. */
export const INPUTS = {
  template: 'template',
  recipientName: 'recipient_name',
  recipientInterest: 'recipient_interest',
} as const;

/** What a result button asks for. */
export const RESULT_ACTIONS = ['regenerate', 'shorter'] as const;
export type ResultAction = (typeof RESULT_ACTIONS)[number];

/** Reactions that ask for a new version (Slack's `:repeat:` and `:arrows_counterclockwise:`). */
export const REGENERATE_EMOJIS: readonly string[] = ['🔁', '🔄'];

/** `scribe:regenerate:<generationId>` — 54 characters, within Discord's 100. */
export function resultButtonId(action: ResultAction, generationId: string): string {
  return `scribe:${action}:${generationId}`;
}

const ResultButtonIdSchema = z
  .string()
  .transform((s) => s.split(':'))
  .pipe(z.tuple([z.literal('scribe'), z.enum(RESULT_ACTIONS), z.uuid()]))
  .transform(([, action, generationId]) => ({ action, generationId }));

/** The action and generation of a result button, or undefined when the id is not one of ours. */
export function parseResultButtonId(customId: string): { action: ResultAction; generationId: string } | undefined {
  const parsed = ResultButtonIdSchema.safeParse(customId);
  return parsed.success ? parsed.data : undefined;
}
