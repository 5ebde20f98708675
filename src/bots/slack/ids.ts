/**
 * The names Slack carries back to us: the command, the modal's callback id and its input block
 * ids, the result buttons' action ids, the regenerate reactions. Anything in a payload could come
 * from an old message or another app version, so it is parsed, never trusted.
 */
import type { GenerationRequest } from '../../requests/commit/start.ts';
import { z } from 'zod';
import {
  ACTION_KINDS,
  FEEDBACK_ACTIONS,
  FORM_ACTIONS,
  isActionKind,
  isFeedbackAction,
  type ActionKind,
  type ButtonAction,
  type FeedbackAction,
  type FormAction,
} from '../../requests/actions.ts';

/** The slash command (as in slack/manifest.yml). */
export const COMMAND = '/scribe';
/** The modal's `callback_id`. */
export const MODAL_ID = 'scribe_draft';
/** The action id of every input's element; the block id names the field. */
export const INPUT_ACTION_ID = 'value';

/** Each form action's modal: its `callback_id` and its one input block (the email, the summary). */
export const FORM_IDS: Record<FormAction, { callbackId: string; input: string }> = {
  edit: { callbackId: 'scribe_edit', input: 'email' },
  research: { callbackId: 'scribe_research', input: 'summary' },
};

/** The form action a submitted modal's `callback_id` names, or undefined when it is not one of ours. */
export function formActionOf(callbackId: string): FormAction | undefined {
  return FORM_ACTIONS.find((action) => FORM_IDS[action].callbackId === callbackId);
}
/** The `/scribe` form's "Let me review the research first" checkbox block, and its option's value. */
export const REVIEW_INPUT = 'review_research';
export const REVIEW_OPTION = 'review';

/**
 * The mode switch at the foot of the `/scribe` forms: its actions block, and the buttons that
 * replace the form in place with the "Several recipients" one (`batch`) and back (`single`).
 */
export const MODE_BLOCK = 'scribe_mode';
export const MODE_BUTTON_IDS = { batch: 'scribe_mode_batch', single: 'scribe_mode_single' } as const;

/** Input block ids, by request field. */
export const INPUTS = {
  template: 'template',
  recipientName: 'recipient_name',
  recipientInterest: 'recipient_interest',
} as const satisfies Record<keyof GenerationRequest, string>;

/** Reactions that ask for a new version: 🔁, 🔄, ♻️. */
export const REGENERATE_REACTIONS: readonly string[] = ['repeat', 'arrows_counterclockwise', 'recycle'];

/** What a result button does: an action of the request layer, or "Copy as plain text". */
export type ResultButton = ButtonAction | 'copy';

const PREFIX = 'scribe_';

/** A result button's `action_id` (`scribe_regenerate`); its `value` is the generation id. */
export function resultButtonId(button: ResultButton): string {
  return `${PREFIX}${button}`;
}

/** The button an `action_id` names, or undefined when it is not one of ours. */
export function parseResultButton(actionId: string): ResultButton | undefined {
  if (!actionId.startsWith(PREFIX)) return undefined;
  const name = actionId.slice(PREFIX.length);
  return name === 'copy' || (isActionKind(name) && !isFeedbackAction(name)) ? name : undefined;
}

/** Every result button's action id, for registering listeners: the action table's (feedback apart) and Copy. */
export const RESULT_BUTTON_IDS = Object.fromEntries(
  [...ACTION_KINDS.filter((kind) => !isFeedbackAction(kind)), 'copy' as const].map((button) => [
    button,
    resultButtonId(button),
  ]),
) as Record<ResultButton, string>;

/**
 * The `feedback_buttons` element under a result (in a `context_actions` block): one action id for
 * both buttons; the pressed button's `value` is `<action>:<generationId>` (`feedback_up:…`).
 */
export const FEEDBACK_BLOCK_ID = 'scribe_result_feedback';
export const FEEDBACK_ACTION_ID = 'scribe_feedback';

/** A feedback button's `value`: the action (👍 or 👎) and the version it rates. */
export function feedbackValue(action: FeedbackAction, generationId: string): string {
  return `${action}:${generationId}`;
}

const FeedbackValueSchema = z
  .string()
  .transform((s) => s.split(':'))
  .pipe(z.tuple([z.enum(FEEDBACK_ACTIONS as [FeedbackAction, ...FeedbackAction[]]), z.uuid()]))
  .transform(([action, generationId]) => ({ action, generationId }));

/** The action and version of a pressed feedback button, or undefined when the value is not one of ours. */
export function parseFeedbackValue(value: string): { action: FeedbackAction; generationId: string } | undefined {
  const parsed = FeedbackValueSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The result's link buttons (*Open in Gmail*, *Open in Outlook*): they open a URL and carry no
 * behaviour, but Slack still sends their click, which must be acked (issue 22).
 */
export const LINK_BUTTON_IDS = { gmail: 'scribe_open_gmail', outlook: 'scribe_open_outlook' } as const;

/**
 * A button that carries an option of its action besides the generation id (its `value`): "Which
 * …?"'s candidates and "None of these", `scribe_choose.1` … `scribe_choose.none` — Slack wants the
 * action ids of one block to differ.
 */
export function optionButtonId(kind: ActionKind, option: string): string {
  return `${PREFIX}${kind}.${option}`;
}

/** Every option button's action id: `scribe_<action>.<1-9 or none>`. */
export const OPTION_BUTTON_PATTERN = /^scribe_([a-z]+)\.([1-9]|none)$/;

/** The action and option an option button's `action_id` names, or undefined when it is not one of ours. */
export function parseOptionButton(actionId: string): { action: ActionKind; option: string } | undefined {
  const match = OPTION_BUTTON_PATTERN.exec(actionId);
  const action = match?.[1];
  return match && action && isActionKind(action) ? { action, option: match[2]! } : undefined;
}

/** The /scribe modal's choice of a personal line for a template with no recipient placeholder (issue 21, item 5). */
export const PERSONAL_LINE_INPUT = 'personal_line';

/** The /scribe modal's optional "Who exactly?" input (issue 20): the request layer reads it into the identity hint. */
export const WHO_INPUT = 'identity_hint';

/**
 * Saved templates (issue 23, item 4). The `/scribe` form's select of saved templates (an actions
 * block, so a choice arrives at once as `block_actions`), its optional "Save as" input, and the
 * template manager's modals and buttons. After a pick the template input's block id is
 * `template.<id>` (a new block id, so Slack shows the chosen body instead of what was typed there);
 * a submission reads the field under either id.
 */
export const TEMPLATE_IDS = {
  pickBlock: 'pick_template',
  pickAction: 'scribe_template_pick',
  saveAs: 'save_as',
  managerModal: 'scribe_templates',
  editModal: 'scribe_template_edit',
  /** `scribe_template_edit:<id>`: the Edit button of one template (in the manager and the Home tab). */
  editPrefix: 'scribe_template_edit:',
  newButton: 'scribe_template_new',
  name: 'template_name',
  body: 'template_body',
  more: 'template_more',
  remove: 'template_delete',
} as const;

/** The template input's block id after `templateId` was picked in the form. */
export const pickedTemplateBlock = (templateId: string): string => `${INPUTS.template}.${templateId}`;

/**
 * Slack's agent view (issue 23, item 1): the suggested prompts (as in slack/manifest.yml, and set
 * per thread), in the order shown, and the buttons Scribe answers the first two with (a form needs
 * a trigger id, which only an interaction gives).
 */
export const AGENT_PROMPTS = ['Write to a professor', 'Batch from a list', 'My outreach history'] as const;
export type AgentPrompt = (typeof AGENT_PROMPTS)[number];
export const AGENT_BUTTON_IDS = { form: 'scribe_agent_form', batch: 'scribe_agent_batch' } as const;
