/**
 * The follow-up reminder's commits (issue 22, item 4), on the action's transaction. *Remind me*
 * marks the email sent when it was not (the "when marking sent, ask for a reminder") and
 * sets the reminder for `FOLLOW_UP_DAYS` from now, sending its pg-boss job on the same
 * transaction; *Got a reply* and *Cancel reminder* change only a reminder still waiting, and its
 * job, when it comes due, finds that and stops quietly (src/jobs/follow-up.ts).
 */
import type { PgBoss } from 'pg-boss';
import type { Db } from '../../db/pool.ts';
import type { Generation } from '../../db/generations.ts';
import { outreachOf, scheduleFollowUp, stopFollowUp, type Outreach } from '../../db/outreach.ts';
import { sendFollowUpJob } from '../../jobs/follow-up.ts';
import { commitMarkSent } from '../outreach.ts';

/** The default of `FOLLOW_UP_DAYS` (career-centre advice: about a week). */
export const DEFAULT_FOLLOW_UP_DAYS = 7;

export type FollowUpResult =
  /** Set: the follow-up is posted at `outreach.followUpAt`; `marked` when this also marked it sent. */
  | { kind: 'reminder-set'; outreach: Outreach; marked: boolean }
  /** Nothing changed: the reminder is already in this state (scheduled, posted, …). */
  | { kind: 'reminder-unchanged'; outreach: Outreach | undefined; asked: 'scheduled' | 'replied' | 'cancelled' }
  /** *Got a reply* / *Cancel reminder* stopped a waiting reminder. */
  | { kind: 'reminder-stopped'; outreach: Outreach };

export async function commitFollowUp(
  boss: PgBoss,
  tx: Db,
  g: Generation,
  to: 'scheduled' | 'replied' | 'cancelled',
  days: number = DEFAULT_FOLLOW_UP_DAYS,
): Promise<FollowUpResult> {
  if (to === 'scheduled') {
    const mark = await commitMarkSent(tx, g);
    const set = await scheduleFollowUp(tx, g.userId, g.id, days);
    if (!set)
      return {
        kind: 'reminder-unchanged',
        outreach: mark.kind === 'not-marked' ? undefined : mark.outreach,
        asked: to,
      };
    await sendFollowUpJob(boss, tx, set.id, set.followUpAt!);
    return { kind: 'reminder-set', outreach: set, marked: mark.kind === 'marked-sent' };
  }
  const stopped = await stopFollowUp(tx, g.userId, g.id, to);
  if (stopped) return { kind: 'reminder-stopped', outreach: stopped };
  return { kind: 'reminder-unchanged', outreach: await outreachOf(tx, g.userId, g.id), asked: to };
}
