/**
 * Parse once per batch (issue 21, item 1): every row of a batch has the same template, so the
 * first row to parse it shares its reading with the others. A row takes the reading another row
 * saved (any worker process), or waits for the one a row in this process is making; when there
 * is neither (the first row, or the parsing row failed, was cancelled or its worker died), the
 * row parses on its own, as a single request does. The worker and `scribe draft --batch` share it.
 */
import { createHash } from 'node:crypto';
import type { StepRecord } from '../pipeline/types.ts';

type ParseRecord = StepRecord<'parse'>;

export interface BatchParseClaim {
  /** The batch's reading of the template, for this row to use instead of parsing. */
  shared: ParseRecord | undefined;
  /** Called with this row's own reading once saved (undefined: it failed); idempotent. */
  done(record: ParseRecord | undefined): void;
}

export type BatchParses = ReturnType<typeof createBatchParses>;

const NOTHING_TO_SHARE: BatchParseClaim = { shared: undefined, done: () => undefined };

/**
 * `savedReading` finds the reading another row of the batch saved (the worker: `batchParseOf`;
 * `scribe draft --batch`, which saves nothing, finds none).
 */
export function createBatchParses(savedReading: (rowId: string) => Promise<ParseRecord | undefined>) {
  const making = new Map<string, Promise<ParseRecord | undefined>>();
  return {
    async claim(row: {
      id: string;
      batchId: string | null;
      template: string;
      steps: { parse?: ParseRecord | undefined };
    }): Promise<BatchParseClaim> {
      if (!row.batchId || row.steps.parse) return NOTHING_TO_SHARE;
      const key = `${row.batchId}:${createHash('sha256').update(row.template).digest('hex')}`;
      for (let pending = making.get(key); pending; pending = making.get(key)) {
        const record = await pending;
        if (record) return { shared: record, done: () => undefined };
      }
      // Claimed before the lookup awaits, so a second row of this process waits instead of parsing too.
      let settle: (record: ParseRecord | undefined) => void = () => undefined;
      const mine = new Promise<ParseRecord | undefined>((resolve) => {
        settle = resolve;
      });
      making.set(key, mine);
      const done = (record: ParseRecord | undefined) => {
        if (making.get(key) === mine) making.delete(key);
        settle(record);
      };
      const saved = await savedReading(row.id).catch(() => undefined);
      if (saved) {
        done(saved);
        return { shared: saved, done: () => undefined };
      }
      return { shared: undefined, done };
    },
  };
}
