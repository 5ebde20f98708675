/**
 * 👍 / 👎 on a version: the authoritative half that src/requests/act.ts runs in its transaction
 * after the checks (the same as every action: the email's team, one of its result messages, the
 * requester or an admin). A press sets the person's value for that version: the other button
 * changes it, the same one again leaves it (a double click or a redelivery cannot undo it).
 */
import type { Db } from '../../db/pool.ts';
import { recordFeedback, type FeedbackValue } from '../../db/feedback.ts';
import type { Generation } from '../../db/generations.ts';

export type { FeedbackValue } from '../../db/feedback.ts';

/** What came of a feedback press: the value now stored and the one before (null: none). */
export interface FeedbackResult {
  kind: 'feedback';
  generation: Generation;
  value: FeedbackValue;
  previous: FeedbackValue | null;
}

export async function commitFeedback(
  tx: Db,
  generation: Generation,
  userId: string,
  value: FeedbackValue,
): Promise<FeedbackResult> {
  const { previous } = await recordFeedback(tx, { generationId: generation.id, userId, value });
  return { kind: 'feedback', generation, value, previous };
}
