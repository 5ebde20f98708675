/**
 * Cost, spans and metrics for one try of a generation, as the worker runs it: a usage meter that
 * starts from what earlier tries recorded on the row, an observer for the runner, and the writes
 * that keep `generations.usage` / `cost_usd` and the `spend` ledger up to date (after each step,
 * and when the try ends however it ends, so a billed call is never lost).
 */
import type pg from 'pg';
import { ErrorCode, type ScribeError } from '../errors.ts';
import type { Generation } from '../db/generations.ts';
import type { Db } from '../db/pool.ts';
import { pauseSpending, saveUsage } from '../db/usage.ts';
import type { Logger } from '../log.ts';
import { createObserver, type PipelineObserver } from '../pipeline/observe.ts';
import { DEFAULT_PRICES, type PriceTable } from '../pipeline/prices.ts';
import { createUsageMeter, usageCost, type GenerationUsage } from '../pipeline/usage.ts';
import { NO_METRICS, type Metrics } from '../telemetry/metrics.ts';
import { budgetText, checkSpend, loadSpendContext, type BudgetRefusal } from './budget.ts';
export type { BudgetRefusal } from './budget.ts';
import { getTracer, type Tracer } from '../telemetry/tracer.ts';

/** How long a workspace is refused new generations after an Anthropic spend limit. */
export const SPEND_PAUSE_MS = 60 * 60 * 1000;

/** What the worker observes with; every part has a do-nothing default. */
export interface Observability {
  prices: PriceTable;
  /** Default: the process's tracer (`getTracer`). */
  tracer?: Tracer | undefined;
  metrics: Metrics;
  /** Default `SPEND_PAUSE_MS`. */
  spendPauseMs?: number | undefined;
}

export const NO_OBSERVABILITY: Observability = { prices: DEFAULT_PRICES, metrics: NO_METRICS };

export interface TryRecorder {
  observer: PipelineObserver;
  /**
   * Writes the running total (earlier tries included) to the row, and what was billed since the
   * last save to the spend ledger. Writes never overlap; a save with nothing new writes nothing.
   */
  save(): Promise<void>;
  /** USD of the generation so far, every try. */
  costUsd(): number;
  usage(): GenerationUsage;
}

export function recordTry(pool: pg.Pool, generation: Generation, observability: Observability): TryRecorder {
  const meter = createUsageMeter(generation.usage);
  const observer = createObserver({
    meter,
    prices: observability.prices,
    tracer: observability.tracer ?? getTracer(),
    metrics: observability.metrics,
  });
  let writes: Promise<void> = Promise.resolve();
  const costUsd = () => usageCost(observability.prices, meter.snapshot()).usd;
  // What this try had billed at its last successful save: the ledger gets only what came since.
  let saved = { usage: JSON.stringify(generation.usage), triedUsd: 0 };
  return {
    observer,
    save() {
      const write = writes.then(async () => {
        const usage = meter.snapshot();
        const json = JSON.stringify(usage);
        if (json === saved.usage) return;
        const triedUsd = roundUsd(usageCost(observability.prices, meter.added()).usd);
        await saveUsage(
          pool,
          generation.id,
          usage,
          usageCost(observability.prices, usage).usd,
          triedUsd - saved.triedUsd,
        );
        saved = { usage: json, triedUsd };
      });
      writes = write.catch(() => undefined);
      return write;
    },
    costUsd,
    usage: () => meter.snapshot(),
  };
}

/**
 * Why this row may not start now: the workspace spent its daily budget (rows queued before it was
 * reached, a batch's later rows, a retry), or new work is paused after an Anthropic spend limit.
 * A row whose email is written already only has its posting left, which costs nothing.
 */
export async function spendHold(
  db: Db,
  row: Generation,
  budgetUsd: number | undefined,
): Promise<BudgetRefusal | undefined> {
  if (row.steps.compose) return undefined;
  return checkSpend(await loadSpendContext(db, row.platform, row.teamId, budgetUsd));
}

/** The words for a row the worker did not start, before the request layer's budget refusal. */
export const HELD_FOR_SPEND = 'This email was not written.';

/** What the thread of a held row is told: what happened, then the request layer's words (why, until when). */
export function heldForSpendText(refusal: BudgetRefusal): string {
  return `${HELD_FOR_SPEND} ${budgetText(refusal.budgetUsd, refusal.pausedUntil)}`;
}

/** USD as the ledger stores it (numeric(12, 6)), so the amounts saved add up to the total. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/**
 * After a failure for good: an Anthropic spend limit stops new generations for a while (every
 * request would fail the same way until someone raises the limit). The limit is the organisation's,
 * so every workspace this deployment serves is paused, not only the one it happened in.
 */
export async function pauseAfterSpendLimit(
  pool: pg.Pool,
  generation: Generation,
  error: ScribeError,
  observability: Observability,
  logger: Logger,
): Promise<void> {
  if (error.code !== ErrorCode.SpendLimitReached) return;
  const forMs = observability.spendPauseMs ?? SPEND_PAUSE_MS;
  await pauseSpending(pool, generation.platform, generation.teamId, forMs, error.message).then(
    () => logger.warn({ teamId: generation.teamId, forMs }, 'Anthropic spend limit: new generations paused everywhere'),
    (err: unknown) => logger.error({ err }, 'could not pause the workspace after a spend limit'),
  );
}
