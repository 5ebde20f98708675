/**
 * A batch's parent message (the table) follows its rows: whichever worker saw a row change edits
 * it, reading the rows from Postgres at the moment it edits, at most once per `intervalMs` per
 * batch per process — coalesce.ts's mechanism keyed by batch. The last state is always delivered,
 * and a 50-row batch stays far below Slack's ~50 chat.update a minute.
 */
import type pg from 'pg';
import { batchIdOf, batchRows, getBatch, type Batch } from '../db/batches.ts';
import type { Db } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import type { PlatformBatchReporters } from '../thread/batch-reporter.ts';
import { batchViewOf, type BatchView } from '../thread/batch-view.ts';
import type { ProgressView, ThreadReporter } from '../thread/reporter.ts';
import { createCoalescer } from './coalesce.ts';

/** Loads a batch and renders its view now (the bots after Cancel batch; the worker's updater). */
export async function loadBatchView(db: Db, batchId: string): Promise<{ batch: Batch; view: BatchView } | undefined> {
  const batch = await getBatch(db, batchId);
  if (!batch) return undefined;
  return { batch, view: batchViewOf(batch, await batchRows(db, batchId)) };
}

export interface BatchUpdatesOptions {
  pool: pg.Pool;
  reporters: PlatformBatchReporters;
  logger: Logger;
  /** Least time between two edits of one parent message. Default 2 s (≤ 30 a minute per process). */
  intervalMs?: number;
}

/**
 * Wraps the worker's reporter: when a generation of a batch changes state (the worker reports
 * each change as progress, after writing it to the row), its batch's parent message is edited —
 * coalesced per batch. `flushBatches` delivers what is pending (shutdown, tests).
 */
export function withBatchUpdates(
  inner: ThreadReporter,
  options: BatchUpdatesOptions,
): ThreadReporter & { flushBatches(): Promise<void>; edits(): number } {
  const batchOf = new Map<string, string | null>();
  const lastStatus = new Map<string, ProgressView['status']>();
  let edits = 0;
  // The state offered is only the batch's id: the rows are read when the edit goes out.
  const tables = createCoalescer<string>({
    intervalMs: options.intervalMs ?? 2_000,
    async send(batchId) {
      const loaded = await loadBatchView(options.pool, batchId);
      const reporter = loaded && options.reporters[loaded.batch.platform];
      if (!loaded || !reporter || !loaded.batch.parentMessageId) return;
      edits++;
      await reporter.batchProgress(loaded.batch, loaded.view);
    },
    failed: (err, batchId) => options.logger.warn({ err, batchId }, 'batch table edit failed'),
  });

  async function changed(generationId: string, status: ProgressView['status']): Promise<void> {
    if (lastStatus.get(generationId) === status) return;
    lastStatus.set(generationId, status);
    if (status === 'succeeded' || status === 'failed') lastStatus.delete(generationId);
    let batchId = batchOf.get(generationId);
    if (batchId === undefined) {
      batchId = await batchIdOf(options.pool, generationId).catch(() => null);
      batchOf.set(generationId, batchId);
    }
    // Not awaited: the worker's next step does not wait on a table edit (failures are logged).
    if (batchId) void tables.offer(batchId, batchId);
    if (status === 'succeeded' || status === 'failed') batchOf.delete(generationId);
  }

  return {
    async progress(address, view) {
      await inner.progress(address, view);
      await changed(address.generationId, view.status);
    },
    result: (address, view, resultOptions) => inner.result(address, view, resultOptions),
    failed: (address, failure) => inner.failed(address, failure),
    // The worker pauses for a review only where one can be shown: pass it through.
    ...(inner.review ? { review: inner.review.bind(inner) } : {}),
    ...(inner.askIdentity ? { askIdentity: inner.askIdentity.bind(inner) } : {}),
    ...(inner.emailText ? { emailText: inner.emailText.bind(inner) } : {}),
    ...(inner.flush
      ? { flush: (address: Parameters<NonNullable<ThreadReporter['flush']>>[0]) => inner.flush!(address) }
      : {}),
    flushBatches: () => tables.flushAll(),
    edits: () => edits,
  };
}
