/** Racing work against a platform's deadline (Slack's 3 s trigger id, Discord's 3 s first answer). */
import type { Db } from '../../db/pool.ts';
import { lastTemplate } from '../../db/templates.ts';
import { upsertUser, type UserIdentity } from '../../db/users.ts';
import type { Logger } from '../../log.ts';

/** Database work allowed before an ack; past it, go on without (the flow checks again later). */
export const BEFORE_ACK_DEADLINE_MS = 1_500;

/** `promise`'s value, or undefined once `ms` have passed (or it failed: logged). */
export async function within<T>(logger: Logger, promise: Promise<T>, ms: number, what: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } catch (err) {
    logger.warn({ err }, `could not ${what} in time; going on without`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** What the `/scribe` form opens with: the person's last template and their review choice. */
export interface FormPrefill {
  template: string | undefined;
  review: boolean;
}

/**
 * The form's prefill, loaded within the deadline (both platforms' forms must open within 3 s);
 * undefined past it: the form opens empty rather than late.
 */
export function loadFormPrefill(
  deps: { pool: Db; logger: Logger },
  identity: UserIdentity,
): Promise<FormPrefill | undefined> {
  const load = upsertUser(deps.pool, identity).then(async (u) => ({
    template: await lastTemplate(deps.pool, u.id),
    review: u.reviewResearch,
  }));
  return within(deps.logger, load, BEFORE_ACK_DEADLINE_MS, 'load the last template');
}
