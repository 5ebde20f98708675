/**
 * The names Discord carries back to us: the modal's and its inputs' custom ids, the result
 * buttons' custom ids, the regenerate reactions. Parsed with zod, since anything in an
 * interaction payload could have been sent by an old message or another app version.
 */
import { z } from 'zod';
import { ACTION_KINDS, FORM_ACTIONS, type ActionKind } from '../../requests/actions.ts';
import type { FormAction } from '../../requests/actions.ts';

/** The `/scribe` modal. */
export const MODAL_ID = 'scribe:draft';
/** The same modal opened by `/scribe fresh:true`: its email is researched afresh. */
export const FRESH_MODAL_ID = 'scribe:draft:fresh';

/**
 * The `/scribe` modal's custom id: `scribe:draft`, `:fresh` when researched afresh, and
 * `:save:<name>` when `save_as` named its template (the form has no room for a field of its own:
 * Discord allows five) — at most 86 characters, within Discord's 100.
 */
export function draftModalId(options: { fresh?: boolean | undefined; saveAs?: string | undefined }): string {
  const base = options.fresh ? FRESH_MODAL_ID : MODAL_ID;
  return options.saveAs ? `${base}:save:${options.saveAs}` : base;
}

/** Whether a modal is the `/scribe` form, researched afresh, with a name to save its template under. */
export function parseDraftModalId(customId: string): { fresh: boolean; saveAs?: string } | undefined {
  const match = /^scribe:draft(:fresh)?(?::save:(.+))?$/s.exec(customId);
  if (!match) return undefined;
  return { fresh: match[1] !== undefined, ...(match[2] ? { saveAs: match[2] } : {}) };
}

/** The template manager (`/scribe action:templates`): its select, its button, its form. */
export const TEMPLATE_IDS = {
  /** The manager's select of saved templates: choosing one opens its form. */
  pick: 'scribe:tpl:pick',
  newButton: 'scribe:tpl:new',
  /** The form: `scribe:tpl:new`, or `scribe:tpl:edit:<id>`. */
  newModal: 'scribe:tpl:new',
  editPrefix: 'scribe:tpl:edit:',
  name: 'template_name',
  body: 'template_body',
  more: 'template_more',
  remove: 'template_delete',
} as const;

/** The modal's text inputs; also the names of the command's options. */
export const INPUTS = {
  template: 'template',
  recipientName: 'recipient_name',
  recipientInterest: 'recipient_interest',
} as const;

/** The forms' select and the command's option: where a personal line goes when the template has no recipient placeholder. */
export const PERSONAL_LINE_INPUT = 'personal_line';

/** Reactions that ask for a new version (Slack's `:repeat:` and `:arrows_counterclockwise:`). */
export const REGENERATE_REACTIONS: readonly string[] = ['🔁', '🔄'];

/** What a result button does: an action of the request layer. */
export type ResultButton = ActionKind;

/** `scribe:regenerate:<generationId>` — 54 characters, within Discord's 100. */
export function resultButtonId(button: ResultButton, generationId: string): string {
  return `scribe:${button}:${generationId}`;
}

const ResultButtonIdSchema = z
  .string()
  .transform((s) => s.split(':'))
  .pipe(z.tuple([z.literal('scribe'), z.enum(ACTION_KINDS as [ActionKind, ...ActionKind[]]), z.uuid()]))
  .transform(([, action, generationId]) => ({ action, generationId }));

/** The action and generation of a result button, or undefined when the id is not one of ours. */
export function parseResultButton(customId: string): { action: ResultButton; generationId: string } | undefined {
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
