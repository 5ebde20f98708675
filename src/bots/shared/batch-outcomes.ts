/**
 * What both bots say about batches: why one was not started (every bad line, or the quota with
 * its numbers), that one started, and what came of Cancel batch. Platform words come from the
 * `ChatStyle`, as in outcomes.ts.
 */
import { batchQuotaText } from '../../requests/batch-checks.ts';
import type { BatchCancelOutcome, BatchStartOutcome } from '../../requests/batch.ts';
import type { ChatStyle } from './outcomes.ts';

/** The lines the person must fix, under one heading: nothing was started. */
export function batchProblemsText(problems: readonly string[]): string {
  return `Nothing was started: fix these lines, then send the batch again.\n${problems.map((p) => `• ${p}`).join('\n')}`;
}

/** What a person is told about a batch they asked for (privately). */
export function batchStartReply(outcome: BatchStartOutcome, style: ChatStyle): string {
  switch (outcome.kind) {
    case 'invalid':
      return batchProblemsText(outcome.problems);
    case 'quota':
    case 'budget':
      return batchQuotaText(outcome);
    case 'cannot-post':
      return `I can't post in this channel, so nothing was started. Invite me (or allow me to post), then run ${style.command} again.`;
    case 'started': {
      const n = outcome.generations.length;
      return `✍️ Drafting ${n === 1 ? '1 email' : `${n} emails`}: each is posted in the batch's thread as it is ready.`;
    }
  }
}

/** What the person pressing Cancel batch is told; undefined when the table says it. */
export function batchCancelReply(outcome: BatchCancelOutcome, style: ChatStyle): string | undefined {
  switch (outcome.kind) {
    case 'cancelled':
      return outcome.stopped === 0
        ? 'Nothing left to cancel: every email of this batch has started or finished.'
        : `Cancelled ${outcome.stopped === 1 ? '1 email' : `${outcome.stopped} emails`} not yet started; those being written finish.`;
    case 'not-allowed':
      return `Only ${outcome.requesterId ? style.mention(outcome.requesterId) : 'the person who asked for this batch'} or ${style.admin} can cancel it.`;
    case 'not-found':
    case 'wrong-team':
    case 'wrong-message':
      return 'That batch no longer exists.';
  }
}
