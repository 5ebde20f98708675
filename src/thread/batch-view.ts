/**
 * The batch's parent message as a platform-neutral model: one row per recipient (status, seconds)
 * and the totals, as pure functions of the batch's rows. The adapters render it (Block Kit, an
 * embed, terminal lines); `batchTableLines` fits the table into a character budget, summarising
 * the rows that do not fit ("…and 31 more: 28 ✅ 2 ⏳ 1 ❌") so no platform limit is ever broken.
 */
import type { BatchRow } from '../db/batches.ts';
import type { GenerationStatus } from '../db/generations.ts';
import { shortDate } from './dates.ts';

export type BatchRowState = GenerationStatus;

export interface BatchRowView {
  generationId: string;
  recipientName: string;
  state: BatchRowState;
  /** Seconds from start to end (settled) or so far (running); undefined before it starts. */
  seconds: number | undefined;
  /** The person had emailed this recipient before, on this day (issue 22): said beside the row. */
  contactedAt?: Date | undefined;
}

export interface BatchView {
  batchId: string;
  rows: BatchRowView[];
  counts: Record<BatchRowState, number>;
  /** Someone pressed Cancel batch. */
  cancelled: boolean;
  /** Every row is settled (succeeded, failed or cancelled): nothing will change any more. */
  finished: boolean;
}

export const BATCH_ICONS: Record<BatchRowState, string> = {
  queued: '⏳',
  running: '✍️',
  succeeded: '✅',
  failed: '❌',
  cancelled: '🚫',
  awaiting_review: '👀',
  awaiting_identity: '❓',
};

// A row waiting for its person (a review, "Which …?") changes only when they act: settled for the table.
const SETTLED: ReadonlySet<BatchRowState> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'awaiting_review',
  'awaiting_identity',
]);
/** Longest name shown in a table row; the thread has the full name. */
const NAME_MAX = 60;

/** The view of a batch from its rows, at `now`. */
export function batchViewOf(
  batch: { id: string; cancelledAt: Date | null },
  rows: readonly BatchRow[],
  now: Date = new Date(),
): BatchView {
  const counts = countStates(rows.map((r) => r.status));
  const views = rows.map((r): BatchRowView => {
    const end = SETTLED.has(r.status) ? r.finishedAt : now;
    const seconds =
      r.startedAt && end ? Math.max(0, Math.round((end.getTime() - r.startedAt.getTime()) / 100) / 10) : undefined;
    return {
      generationId: r.generationId,
      recipientName: r.recipientName,
      state: r.status,
      seconds,
      ...(r.contactedAt ? { contactedAt: r.contactedAt } : {}),
    };
  });
  return {
    batchId: batch.id,
    rows: views,
    counts,
    cancelled: batch.cancelledAt !== null,
    finished: views.every((v) => SETTLED.has(v.state)),
  };
}

/** The initial view: every recipient waiting; `contacted[i]`: when row i's recipient was emailed before. */
export function initialBatchView(
  batchId: string,
  recipientNames: readonly string[],
  contacted: readonly (Date | undefined)[] = [],
): BatchView {
  return batchViewOf(
    { id: batchId, cancelledAt: null },
    recipientNames.map((recipientName, i) => ({
      contactedAt: contacted[i],
      generationId: `pending-${i}`,
      recipientName,
      status: 'queued',
      startedAt: null,
      finishedAt: null,
      error: null,
    })),
  );
}

/** How many of `states` are in each state (every state present, 0 where none). */
export function countStates(states: readonly BatchRowState[]): Record<BatchRowState, number> {
  const counts: Record<BatchRowState, number> = {
    queued: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    awaiting_review: 0,
    awaiting_identity: 0,
  };
  for (const state of states) counts[state]++;
  return counts;
}

/**
 * Whether the table offers Cancel batch: while rows wait in the queue, or wait for their person to
 * say "Which …?" (no worker holds those, so only a cancel settles them if nobody answers).
 */
export function canCancelBatch(view: BatchView): boolean {
  return !view.cancelled && (view.counts.queued > 0 || view.counts.awaiting_identity > 0);
}

/** "Drafting 12 emails — 5 of 12 done", or the final tally. */
export function batchTitle(view: BatchView): string {
  const n = view.rows.length;
  const emails = n === 1 ? '1 email' : `${n} emails`;
  const done = view.counts.succeeded + view.counts.failed + view.counts.cancelled;
  if (!view.finished) return `${view.cancelled ? 'Cancelling' : 'Drafting'} ${emails} — ${done} of ${n} done`;
  return `${emails}: ${tally(view.counts)}`;
}

/** "28 ✅ 2 ⏳ 1 ❌": the states present, in a fixed order. */
export function tally(counts: Readonly<Record<BatchRowState, number>>): string {
  const order: BatchRowState[] = [
    'succeeded',
    'running',
    'queued',
    'awaiting_identity',
    'awaiting_review',
    'failed',
    'cancelled',
  ];
  return order
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${BATCH_ICONS[s]}`)
    .join(' ');
}

/** One table row: "✅ Dr. Ada Lovelace — 9.6 s". `escape` makes the name safe for the platform. */
export function batchRowLine(row: BatchRowView, escapeText: (text: string) => string = (t) => t): string {
  const name = row.recipientName.length > NAME_MAX ? `${row.recipientName.slice(0, NAME_MAX - 1)}…` : row.recipientName;
  const seconds = row.seconds === undefined ? '' : ` — ${row.seconds.toFixed(1)} s`;
  const contacted = row.contactedAt ? ` — already emailed on ${shortDate(row.contactedAt)}` : '';
  return `${BATCH_ICONS[row.state]} ${escapeText(name)}${seconds}${contacted}`;
}

/**
 * The table's lines within `maxChars` (joined by newlines) and at most `maxRows` rows: as many rows
 * as fit, in order, then one line summarising the rest with their states.
 */
export function batchTableLines(
  view: BatchView,
  budget: { maxChars: number; maxRows?: number },
  escapeText?: (text: string) => string,
): string[] {
  const lines = view.rows.map((r) => batchRowLine(r, escapeText));
  const maxRows = budget.maxRows ?? Number.POSITIVE_INFINITY;
  const total = lines.reduce((n, l) => n + l.length + 1, -1);
  if (lines.length <= maxRows && total <= budget.maxChars) return lines;
  const kept: string[] = [];
  let used = 0;
  for (const [i, line] of lines.entries()) {
    const rest = summaryOf(view.rows.slice(i + 1));
    // Room for this line and, after it, the summary of those after it.
    const need = used + (kept.length ? 1 : 0) + line.length + (i < lines.length - 1 ? rest.length + 1 : 0);
    if (kept.length >= maxRows - 1 || need > budget.maxChars) {
      kept.push(summaryOf(view.rows.slice(i)));
      return kept;
    }
    kept.push(line);
    used += (kept.length > 1 ? 1 : 0) + line.length;
  }
  return kept;
}

function summaryOf(rows: readonly BatchRowView[]): string {
  const counts = countStates(rows.map((r) => r.state));
  return `…and ${rows.length} more: ${tally(counts)}`;
}
