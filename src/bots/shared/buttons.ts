/**
 * Which action buttons a message shows, for both platforms' renderers: the buttons themselves
 * (label, emoji, emphasis, id) come from the action table (src/requests/actions.ts).
 */
import { ACTIONS, actionsOn, type ActionKind } from '../../requests/actions.ts';
import type { ProgressView } from '../../thread/reporter.ts';

/** The progress message's buttons: Cancel while it waits or runs, Retry after a passing failure. */
export function progressActions(view: Pick<ProgressView, 'status' | 'canRetry'>): ActionKind[] {
  if (view.status === 'queued' || view.status === 'running' || view.status === 'retrying' || view.status === 'review')
    return ['cancel'];
  if (view.status === 'failed' && view.canRetry) return ['retry'];
  return [];
}

/** The buttons under a result, in the table's order. */
export const RESULT_ACTIONS: readonly ActionKind[] = actionsOn('result');
/** Of those, the outreach memory's (Mark as sent, Not sent): a row of their own where buttons come in rows. */
export const OUTREACH_ACTIONS: readonly ActionKind[] = RESULT_ACTIONS.filter(
  (kind) => ACTIONS[kind].effect.type === 'outreach',
);
/** The buttons under the research review. */
export const REVIEW_ACTIONS: readonly ActionKind[] = actionsOn('review');
