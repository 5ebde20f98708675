/** Racing work against a platform's deadline (Slack's 3 s trigger id, Discord's 3 s first answer). */
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
