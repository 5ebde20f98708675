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
/**
 * The `/scribe` modal's custom id, the one place it is built and read. The form is full (Discord
 * allows five components), so what the command gave beside it rides in the id:
 * `scribe:draft[:fresh][:save:<n>:<name>][:who:<text>]` — `:fresh` when researched afresh;
 * `save_as`'s name (issue 23) with its length `n`, since a name may hold any character; then the
 * "Who exactly?" text (issue 20), the rest of the id, checked again on submission. Discord allows
 * 100 characters: the who text alone fits `WHO_IN_FORM_MAX` (77), a name alone always fits (at most
 * 87), both together when `draftModalId` is at most `CUSTOM_ID_MAX` (the handler refuses otherwise).
 */
const SAVE_PART = ':save:';
const WHO_PART = ':who:';
/** Discord's limit on a custom id. */
export const CUSTOM_ID_MAX = 100;
/** The most "Who exactly?" text a form's custom id can carry (Discord's 100, less the prefix). */
export const WHO_IN_FORM_MAX = CUSTOM_ID_MAX - `${FRESH_MODAL_ID}${WHO_PART}`.length;

/** What a `/scribe` form carries beside its fields. */
export interface DraftModalOptions {
  fresh?: boolean | undefined;
  /** The "Who exactly?" text given with `/scribe who:…`. */
  who?: string | undefined;
  /** `save_as`: the name the form's template is saved under when it is sent. */
  saveAs?: string | undefined;
}

/** The `/scribe` form's custom id (may be over `CUSTOM_ID_MAX`: the caller checks before showing it). */
export function draftModalId(options: DraftModalOptions): string {
  const base = options.fresh ? FRESH_MODAL_ID : MODAL_ID;
  const save = options.saveAs ? `${SAVE_PART}${options.saveAs.length}:${options.saveAs}` : '';
  const who = options.who ? `${WHO_PART}${options.who}` : '';
  return `${base}${save}${who}`;
}

/** What a `/scribe` form's custom id says; undefined when it is not one. */
export function parseDraftModalId(
  customId: string,
): { fresh: boolean; who: string | undefined; saveAs?: string } | undefined {
  const head = /^scribe:draft(:fresh)?/.exec(customId);
  if (!head) return undefined;
  let rest = customId.slice(head[0].length);
  let saveAs: string | undefined;
  if (rest.startsWith(SAVE_PART)) {
    const counted = /^(\d{1,3}):/.exec(rest.slice(SAVE_PART.length));
    if (!counted) return undefined;
    const from = SAVE_PART.length + counted[0].length;
    const length = Number(counted[1]);
    saveAs = rest.slice(from, from + length);
    if (length === 0 || saveAs.length !== length) return undefined;
    rest = rest.slice(from + length);
  }
  let who: string | undefined;
  if (rest.startsWith(WHO_PART)) {
    who = rest.slice(WHO_PART.length);
    rest = '';
  }
  if (rest !== '') return undefined;
  return { fresh: head[1] !== undefined, who, ...(saveAs ? { saveAs } : {}) };
}

/** The command's "Who exactly?" option (issue 20). */
export const WHO_OPTION = 'who';

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
