/**
 * Which action buttons a message shows, for both platforms' renderers: the buttons themselves
 * (label, emoji, emphasis, id) come from the action table (src/requests/actions.ts).
 */
import {
  ACTIONS,
  buttonsOn,
  FEEDBACK_ACTIONS,
  type ButtonAction,
  type FeedbackAction,
} from '../../requests/actions.ts';
import type { ProgressView } from '../../thread/reporter.ts';

/** The progress message's buttons: Cancel while it waits or runs, Retry after a passing failure. */
export function progressActions(view: Pick<ProgressView, 'status' | 'canRetry'>): ButtonAction[] {
  if (
    view.status === 'queued' ||
    view.status === 'running' ||
    view.status === 'retrying' ||
    view.status === 'review' ||
    view.status === 'identity'
  )
    return ['cancel'];
  if (view.status === 'failed' && view.canRetry) return ['retry'];
  return [];
}

/** The buttons under a result, in the table's order (the feedback pair apart). */
export const RESULT_ACTIONS: readonly ButtonAction[] = buttonsOn('result');
/** 👍 and 👎 on each version of a result. */
export const RESULT_FEEDBACK: readonly FeedbackAction[] = FEEDBACK_ACTIONS;
/**
 * Of those, the outreach memory's (Mark as sent, Not sent) and the follow-up's (Remind me, Got a
 * reply, Cancel reminder): a row of their own where buttons come in rows (five: Discord's most).
 */
export const OUTREACH_ACTIONS: readonly ButtonAction[] = RESULT_ACTIONS.filter(
  (kind) => ACTIONS[kind].effect.type === 'outreach' || ACTIONS[kind].effect.type === 'follow-up',
);
/** The buttons under the research review. */
export const REVIEW_ACTIONS: readonly ButtonAction[] = buttonsOn('review');
/** The action of the buttons under "Which …?": one per candidate and "None of these", each carrying its option. */
export const IDENTITY_ACTIONS: readonly ButtonAction[] = buttonsOn('identity');
