/**
 * The names Slack carries back to us: the command, the modal's callback id and its input block
 * ids, the result buttons' action ids, the regenerate reactions. Anything in a payload could come
 * from an old message or another app version, so it is parsed, never trusted.
 */
import type { GenerationRequest } from '../../requests/commit/start.ts';
import { isActionKind, type ActionKind } from '../../requests/actions.ts';

/** The slash command (as in slack/manifest.yml). */
export const COMMAND = '/scribe';
/** The modal's `callback_id`. */
export const MODAL_ID = 'scribe_draft';
/** The action id of every input's element; the block id names the field. */
export const INPUT_ACTION_ID = 'value';

/** The Edit form's `callback_id` (the email), and the Edit research form's (the summary). */
export const EDIT_MODAL_ID = 'scribe_edit';
export const RESEARCH_MODAL_ID = 'scribe_research';
/** The one input block of each of those forms. */
export const EDIT_INPUT = 'email';
export const RESEARCH_INPUT = 'summary';
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
export type ResultButton = ActionKind | 'copy';

const PREFIX = 'scribe_';

/** A result button's `action_id` (`scribe_regenerate`); its `value` is the generation id. */
export function resultButtonId(button: ResultButton): string {
  return `${PREFIX}${button}`;
}

/** The button an `action_id` names, or undefined when it is not one of ours. */
export function parseResultButton(actionId: string): ResultButton | undefined {
  if (!actionId.startsWith(PREFIX)) return undefined;
  const name = actionId.slice(PREFIX.length);
  return name === 'copy' || isActionKind(name) ? name : undefined;
}

/** Every result button's action id, for registering listeners. */
export const RESULT_BUTTON_IDS: Record<ResultButton, string> = {
  regenerate: resultButtonId('regenerate'),
  shorter: resultButtonId('shorter'),
  fresh: resultButtonId('fresh'),
  cancel: resultButtonId('cancel'),
  retry: resultButtonId('retry'),
  edit: resultButtonId('edit'),
  write: resultButtonId('write'),
  research: resultButtonId('research'),
  copy: resultButtonId('copy'),
};
