/**
 * Keeps the progress messages of waiting generations saying where they stand ("2nd in line —
 * about 40 s"). Each worker runs one: it refreshes when it starts or finishes a job (the moments
 * the queue moves under it) and every few seconds (jobs enqueued by bots, or moved by other
 * workers). A refresh is one query for every waiting job (`queuePositions`); a message is edited
 * only when its line changed since this process last wrote it, through the worker's coalesced
 * reporter like every other edit. With several workers each may write the same line once: harmless,
 * and cheaper than electing one.
 *
 * A refresh runs in the board's own async context, never in the poking job's: the worker's
 * reporter is fenced to the job attempt it is called within (`fenceReporter`), so a refresh poked
 * by a job that has just ended (or coalesced into its loop by the next job's poke) would have its
 * edits dropped as "claim lost" while the board took them as shown.
 */
import { AsyncResource } from 'node:async_hooks';
import type { Db } from '../db/pool.ts';
import { getGeneration } from '../db/generations.ts';
import type { Logger } from '../log.ts';
import { initialProgress } from '../thread/progress.ts';
import { describePosition, queuePositions } from './queue-position.ts';
import { addressOf, type ThreadReporter } from '../thread/reporter.ts';

export interface QueueBoard {
  /** Refresh soon (coalesced: one refresh at a time, one more if poked meanwhile). */
  poke(): void;
  /** One refresh, awaited (tests). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

export const QUEUE_BOARD_INTERVAL_MS = 2_000;

export function startQueueBoard(
  deps: {
    pool: Db;
    reporter: ThreadReporter;
    logger: Logger;
    /**
     * Waited on before the refresh's read and before each message's read and edit: in a process
     * that answers chat, the acks on their way go first (`afterAcks`), as the pipeline's calls do.
     * With hundreds waiting, a refresh is hundreds of reads and edits, one after the other.
     */
    yieldTo?: (() => Promise<void>) | undefined;
  },
  options: { intervalMs?: number } = {},
): QueueBoard {
  const shown = new Map<string, string>();
  // Created here, outside any job: `run` is entered through it, whoever pokes.
  const scope = new AsyncResource('scribe.queue-board');
  let current: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const turn = deps.yieldTo ?? (() => Promise.resolve());

  async function refreshOnce(): Promise<void> {
    await turn();
    const positions = await queuePositions(deps.pool);
    for (const id of shown.keys()) if (!positions.has(id)) shown.delete(id);
    for (const position of positions.values()) {
      const line = describePosition(position);
      if (shown.get(position.generationId) === line) continue;
      await turn();
      const g = await getGeneration(deps.pool, position.generationId);
      // Only a row still waiting: one that started meanwhile has its worker's view.
      if (g?.status !== 'queued' || !g.progressMessageId) continue;
      shown.set(g.id, line);
      await deps.reporter.progress(addressOf(g), {
        ...initialProgress(g.recipientName, g.version, g.steps),
        queue: line,
      });
    }
  }

  function run(): Promise<void> {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      do {
        again = false;
        await refreshOnce().catch((err: unknown) => deps.logger.warn({ err }, 'could not refresh queue positions'));
      } while (again && !stopped);
      current = undefined;
    })();
    return current;
  }

  const timer = setInterval(() => void run(), options.intervalMs ?? QUEUE_BOARD_INTERVAL_MS);
  timer.unref();
  return {
    poke: () => void scope.runInAsyncScope(run),
    refresh: () => scope.runInAsyncScope(run),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
