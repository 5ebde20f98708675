/**
 * `BatchReporter`: how the worker edits a batch's parent message (the table). Defined here, on
 * the side that uses it (src/jobs/batch-updates.ts), like `ThreadReporter`; implemented in
 * src/bots/{slack,discord}/batch-reporter.ts and handed over by the composition root.
 */
import type { Batch } from '../db/batches.ts';
import type { BatchView } from './batch-view.ts';

/** A batch's parent message address, from its row. */
export type BatchMessageAddress = Pick<
  Batch,
  'id' | 'platform' | 'teamId' | 'channelId' | 'threadId' | 'parentMessageId'
>;

/** How a platform edits a batch's parent message. */
export interface BatchReporter {
  batchProgress(address: BatchMessageAddress, view: BatchView): Promise<void>;
}

/** The batch reporters by platform; a platform without one has its tables left as posted. */
export type PlatformBatchReporters = Partial<Record<Batch['platform'], BatchReporter>>;
