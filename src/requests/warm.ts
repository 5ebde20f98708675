/**
 * Warming the request path at a bot's start, so the first burst of commands after a start is
 * answered as fast as the next ones (issue 24, item 3): the pool's connections are opened (each a
 * TCP connect, a startup and an authentication that would otherwise run while the burst waits), the
 * reads a form makes before and right after its ack run once (their queries parsed and planned,
 * their code compiled), and the start's validation (zod compiles a schema on its first parse)
 * checks a sample request. Nothing is written and nothing is said to anyone. A failure is logged
 * and ignored: the requests would only be slower.
 */
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { parseStartFields } from './commit/start.ts';
import { readFormPrefill } from './info.ts';

/** What a warm-up needs. */
export interface WarmDeps {
  pool: pg.Pool;
  /** The pre-ack reads' own pool, when there is one: opened too, and the form's read runs on it. */
  ackPool?: pg.Pool | undefined;
  logger: Logger;
}

/** A request as a form sends it, for the validation's first (compiling) run. */
const SAMPLE_REQUEST = {
  template: 'Dear Dr. {{last_name}},\n\nI read your work with interest.\n\nBest regards,\nA student',
  recipientName: 'Warm Up',
  recipientInterest: 'warming up',
};

/**
 * Opens the pool's connections (up to its `max`) and runs the pre-ack code once; `extra` is the
 * adapter's own (its payload schemas and form renderers). Logs `requests.warmed` with what it did.
 */
export async function warmRequests(
  deps: WarmDeps,
  platform: string,
  extra?: () => void | Promise<void>,
): Promise<void> {
  const started = performance.now();
  try {
    const pools = deps.ackPool ? [deps.pool, deps.ackPool] : [deps.pool];
    let max = 0;
    for (const pool of pools) {
      const n = Math.max(1, pool.options.max ?? 1);
      const clients = await Promise.all(Array.from({ length: n }, () => pool.connect()));
      for (const client of clients) client.release();
      max += n;
    }
    const nobody = { platform: 'cli', teamId: '', platformUserId: 'scribe-warm-up' } as const;
    await readFormPrefill(deps.ackPool ?? deps.pool, nobody);
    parseStartFields({ request: SAMPLE_REQUEST, who: undefined });
    await extra?.();
    deps.logger.info(
      { event: 'requests.warmed', platform, connections: max, ms: Math.round(performance.now() - started) },
      'request path warmed',
    );
  } catch (err) {
    deps.logger.warn({ err, event: 'requests.warm_failed', platform }, 'could not warm the request path');
  }
}
