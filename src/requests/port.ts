/**
 * The port between the request layer and a chat platform: the few things the flows need a
 * platform to do, each adapter implementing them with its own API (Slack's Web API, Discord REST).
 * Words are not part of it: the flows answer with outcomes, and src/bots/shared/outcomes.ts words
 * them with each platform's style.
 */
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Generation } from '../db/generations.ts';
import type { ProgressView } from '../thread/reporter.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { RecentKeys } from './recent-keys.ts';

/** What every flow needs; the bots' dependency bundles extend it. */
export interface RequestDeps {
  pool: pg.Pool;
  /**
   * A small pool of its own for the reads a platform's first answer waits on (Discord's form
   * prefill): they never queue behind the flows and the worker on `pool`. Default: `pool`.
   */
  ackPool?: pg.Pool | undefined;
  boss: PgBoss;
  dailyQuota: number;
  /** SCRIBE_DAILY_BUDGET_USD per workspace; undefined: none. */
  dailyBudgetUsd?: number | undefined;
  researchCacheTtlMs: number;
  logger: Logger;
  /** Requests (generation + person + action) seen lately in this process: the in-memory half of the dedupe rule. */
  recentRequests: RecentKeys;
  /** `SCRIBE_BATCH_MAX`; default 50. */
  batchMax?: number | undefined;
  /** `FOLLOW_UP_DAYS`: how long after *Remind me* the follow-up comes; default 7. */
  followUpDays?: number | undefined;
  /** What the flows count (feedback); undefined in a process that serves no /metrics. */
  metrics?: Pick<Metrics, 'feedback'> | undefined;
  /**
   * Waited on before each of a start's calls to the database or the chat (never inside its
   * transaction): in a process that answers chat, the acks on their way go first (`afterAcks`,
   * src/bots/shared/ack-first.ts), as the pipeline's calls do (`PipelineDeps.yieldTo`).
   * Undefined: no wait.
   */
  yieldTo?: (() => Promise<void>) | undefined;
}

/** A message the bot posted. */
export interface PostedMessage {
  channelId: string;
  messageId: string;
}

/** The bot may not post where it was asked to (not in the channel, a missing permission). */
export const CANNOT_POST = 'cannot-post';

/** How a new generation reaches its chat. */
export interface StartPort {
  /**
   * Posts the first progress message where the request was made (or wherever the adapter falls
   * back to). `generationId`: the id reserved for the row, for the message's Cancel button.
   */
  postProgress(view: ProgressView, generationId?: string): Promise<PostedMessage | typeof CANNOT_POST>;
  /** Opens the thread the result will be posted in; null when there is none (the channel then). */
  openThread(progress: PostedMessage): Promise<string | null>;
  /** Removes what `postProgress` and `openThread` made (a request refused after posting). */
  remove(progress: PostedMessage, threadId: string | null): Promise<void>;
}

/** How an action on an existing email reaches its chat. */
export interface ActionPort {
  /** Whether the actor may act on others' emails (workspace admin, Manage Messages); asked only when it matters. */
  isAdmin(): Promise<boolean>;
  /** Posts a new version's progress message in the parent's thread. */
  postProgress(parent: Generation, view: ProgressView, asked: string): Promise<PostedMessage | typeof CANNOT_POST>;
  /** Removes a message `postProgress` made (a request refused after posting). */
  remove(message: PostedMessage): Promise<void>;
  /** Edits a generation's own progress message (after a cancel or a retry). */
  showProgress(generation: Generation, view: ProgressView): Promise<void>;
}

/** Something said to the person only (ephemeral, response URL, DM). Used by the bots to tell outcomes. */
export type TellPrivately = (text: string) => Promise<void>;
