/**
 * The `/scribe` forms' prefill, loaded within the platforms' deadline (Slack's 3 s trigger id,
 * Discord's 3 s first answer), and the race against that deadline that other pre-ack reads share.
 */
import type { Logger } from '../../log.ts';
import { readFormPrefill, type FormPrefill } from '../../requests/info.ts';
import type { RequestDeps } from '../../requests/port.ts';
import type { UserIdentity } from '../../requests/types.ts';

export type { FormPrefill } from '../../requests/info.ts';

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

/**
 * The form's prefill, loaded within the deadline (both platforms' forms must open within 3 s);
 * undefined past it: the form opens empty rather than late.
 */
export function loadFormPrefill(
  deps: Pick<RequestDeps, 'pool' | 'ackPool' | 'logger'>,
  identity: UserIdentity,
): Promise<FormPrefill | undefined> {
  const db = deps.ackPool ?? deps.pool;
  return within(deps.logger, readFormPrefill(db, identity), BEFORE_ACK_DEADLINE_MS, 'load the last template');
}
