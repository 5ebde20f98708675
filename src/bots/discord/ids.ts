/**
 * The names Discord carries back to us: the modal's and its inputs' custom ids, the result
 * buttons' custom ids, the regenerate reactions. Parsed with zod, since anything in an
 * interaction payload could have been sent by an old message or another app version.
 */
import { z } from 'zod';
import { ACTION_KINDS, FORM_ACTIONS, type ActionKind } from '../../requests/actions.ts';
import type { FormAction } from '../../requests/actions.ts';
import { PersonalLineChoiceSchema, type PersonalLineChoice } from '../../requests/personal-line.ts';

/** The `/scribe` modal. */
export const MODAL_ID = 'scribe:draft';
/** The same modal opened by `/scribe fresh:true`: its email is researched afresh. */
export const FRESH_MODAL_ID = 'scribe:draft:fresh';

/**
 * The `/scribe` form opened by `/scribe who:…` (issue 20): the form is full (Discord allows five
 * components), so the "Who exactly?" text rides in its custom id, checked again on submission.
 */
const WHO_PART = ':who:';
/** The most "Who exactly?" text a form's custom id can carry (Discord's 100, less the prefix). */
export const WHO_IN_FORM_MAX = 100 - `${FRESH_MODAL_ID}${WHO_PART}`.length;

/** The `/scribe` form's custom id: fresh or not, with the command's "Who exactly?" text or not. */
export function draftModalId(options: { fresh?: boolean | undefined; who?: string | undefined }): string {
  const base = options.fresh ? FRESH_MODAL_ID : MODAL_ID;
  return options.who ? `${base}${WHO_PART}${options.who}` : base;
}

/** What a `/scribe` form's custom id says; undefined when it is not one. */
export function parseDraftModalId(customId: string): { fresh: boolean; who: string | undefined } | undefined {
  const at = customId.indexOf(WHO_PART);
  const base = at < 0 ? customId : customId.slice(0, at);
  if (base !== MODAL_ID && base !== FRESH_MODAL_ID) return undefined;
  return { fresh: base === FRESH_MODAL_ID, who: at < 0 ? undefined : customId.slice(at + WHO_PART.length) };
}

/** The command's "Who exactly?" option (issue 20). */
export const WHO_OPTION = 'who';

/** The modal's text inputs; also the names of the command's options. */
export const INPUTS = {
  template: 'template',
  recipientName: 'recipient_name',
  recipientInterest: 'recipient_interest',
} as const;

/** The forms' select and the command's option: where a personal line goes when the template has no recipient placeholder. */
export const PERSONAL_LINE_INPUT = 'personal_line';

/**
 * The buttons answering the no-placeholder question after a `/scribe` form:
 * `scribe:line:<choice>:<held request key>` — at most 63 characters, within Discord's 100.
 */
export function personalLineButtonId(choice: PersonalLineChoice, key: string): string {
  return `scribe:line:${choice}:${key}`;
}

const PersonalLineButtonIdSchema = z
  .string()
  .transform((s) => s.split(':'))
  .pipe(z.tuple([z.literal('scribe'), z.literal('line'), PersonalLineChoiceSchema, z.uuid()]))
  .transform(([, , choice, key]) => ({ choice, key }));

/** The choice and held request of a personal-line button, or undefined when the id is not one. */
export function parsePersonalLineButton(customId: string): { choice: PersonalLineChoice; key: string } | undefined {
  const parsed = PersonalLineButtonIdSchema.safeParse(customId);
  return parsed.success ? parsed.data : undefined;
}

/** Reactions that ask for a new version (Slack's `:repeat:` and `:arrows_counterclockwise:`). */
export const REGENERATE_REACTIONS: readonly string[] = ['🔁', '🔄'];

/** What a result button does: an action of the request layer, or 📋 Copy (the bare email, ephemeral). */
export type ResultButton = ActionKind | 'copy';

/**
 * `scribe:regenerate:<generationId>` — 54 characters, within Discord's 100. A button that carries
 * an option of its action ("Which …?"'s candidates and "None of these") adds it:
 * `scribe:choose:<generationId>:1` … `:none`.
 */
export function resultButtonId(button: ResultButton, generationId: string, option?: string): string {
  return `scribe:${button}:${generationId}${option === undefined ? '' : `:${option}`}`;
}

const ACTION = z.enum(['copy', ...ACTION_KINDS] as [ResultButton, ...ResultButton[]]);
const OPTION = z.string().regex(/^([1-9]|none)$/);

const ResultButtonIdSchema = z
  .string()
  .transform((s) => s.split(':'))
  .pipe(
    z.union([
      z.tuple([z.literal('scribe'), ACTION, z.uuid()]),
      z.tuple([z.literal('scribe'), ACTION, z.uuid(), OPTION]),
    ]),
  )
  .transform(([, action, generationId, option]) => ({ action, generationId, option }));

/** The action, generation (and option, if any) of a result button, or undefined when the id is not one of ours. */
export function parseResultButton(
  customId: string,
): { action: ResultButton; generationId: string; option?: string | undefined } | undefined {
  const parsed = ResultButtonIdSchema.safeParse(customId);
  return parsed.success ? parsed.data : undefined;
}

/** The `/scribe` form's "Let me review the research first" checkbox. */
export const REVIEW_INPUT = 'review_research';
/** The one text input of the Edit form (the email) and of the Edit research form (the summary). */
export const FORM_INPUT = 'text';

/**
 * An Edit / Edit research form: `scribe:form:edit:<generationId>:<messageId>` (the result message,
 * or for research the thread, its button was on) — at most 86 characters, within Discord's 100.
 */
export function formModalId(form: FormAction, generationId: string, messageId: string): string {
  return `scribe:form:${form}:${generationId}:${messageId}`;
}

const FormModalIdSchema = z
  .string()
  .transform((s) => s.split(':'))
  .pipe(
    z.tuple([
      z.literal('scribe'),
      z.literal('form'),
      z.enum(FORM_ACTIONS as [FormAction, ...FormAction[]]),
      z.uuid(),
      z.string().regex(/^\d{1,20}$/),
    ]),
  )
  .transform(([, , form, generationId, messageId]) => ({ form, generationId, messageId }));

/** The form, generation and message of an Edit / Edit research form, or undefined when not one of ours. */
export function parseFormModal(
  customId: string,
): { form: FormAction; generationId: string; messageId: string } | undefined {
  const parsed = FormModalIdSchema.safeParse(customId);
  return parsed.success ? parsed.data : undefined;
}
