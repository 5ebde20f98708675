/**
 * Which action buttons a message shows, for both platforms' renderers: the buttons themselves
 * (label, emoji, emphasis, id) come from the action table (src/requests/actions.ts).
 */
import { actionsOn, type ActionKind } from '../../requests/actions.ts';
import type { ProgressView } from '../../thread/reporter.ts';

/** The progress message's buttons: Cancel while it waits or runs, Retry after a passing failure. */
export function progressActions(view: Pick<ProgressView, 'status' | 'canRetry'>): ActionKind[] {
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

/** The buttons under a result, in the table's order. */
export const RESULT_ACTIONS: readonly ActionKind[] = actionsOn('result');
/** The buttons under the research review. */
export const REVIEW_ACTIONS: readonly ActionKind[] = actionsOn('review');
/** The action of the buttons under "Which …?": one per candidate and "None of these", each carrying its option. */
export const IDENTITY_ACTIONS: readonly ActionKind[] = actionsOn('identity');
