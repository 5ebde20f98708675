/**
 * The cancel signal a running job obeys (src/requests/commit/steer.ts records a cancel; this is how
 * the worker notices it): the combined abort signal, the check between steps, and the verdict on
 * why a run stopped.
 */
import type { Db } from '../db/pool.ts';
import * as generations from '../db/generations.ts';
import { CancelledError, type CancelBus } from './cancel-bus.ts';

/**
 * The signal a job runs under: the worker's shutdown, pg-boss's own (aborted when a heartbeat
 * finds the job cancelled or expired), and the cancel bus's for this generation (at once).
 */
export function jobSignal(
  signals: readonly (AbortSignal | undefined)[],
  bus: CancelBus | undefined,
  generationId: string,
): { signal: AbortSignal; release(): void } {
  const watch = bus?.watch(generationId);
  const all = [...signals, watch?.signal].filter((s): s is AbortSignal => s !== undefined);
  return { signal: AbortSignal.any(all), release: () => watch?.release() };
}

/**
 * The check between steps: the row is the record of a cancel, and a NOTIFY sent while the
 * listener was reconnecting is lost. Throws `CancelledError` when the row says cancelled.
 */
export async function throwIfCancelled(db: Db, generationId: string): Promise<void> {
  if ((await generations.statusOf(db, generationId)) === 'cancelled') throw new CancelledError(generationId);
}

/** Whether a run stopped because its generation was cancelled (the error, the signal, or the row). */
export async function wasCancelled(
  db: Db,
  generationId: string,
  err: unknown,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  if (err instanceof CancelledError || signal?.reason instanceof CancelledError) return true;
  if (err instanceof Error && err.cause instanceof CancelledError) return true;
  // pg-boss's own abort (the job cancelled in pg-boss) carries no reason of ours: ask the row.
  return (await generations.statusOf(db, generationId).catch(() => undefined)) === 'cancelled';
}
