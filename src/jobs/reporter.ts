/**
 * `ThreadReporter`: the one port between the worker and the chat platforms. Defined here, on the
 * side that uses it; implemented in `src/bots/` (Slack, Discord), by `ConsoleReporter` for
 * `scribe draft`, and by a recording reporter in tests. The models are platform-neutral: the
 * adapters render them (Block Kit, embeds, terminal lines).
 */
import type { Paper, Source, StepName } from '../pipeline/types.ts';

/** Where a generation's conversation lives, as stored on its row. */
export interface ThreadAddress {
  generationId: string;
  platform: 'slack' | 'discord' | 'cli';
  teamId: string;
  channelId: string | null;
  threadId: string | null;
  progressMessageId: string | null;
}

export type StepState = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface StepView {
  state: StepState;
  /** Seconds the step took (done) or has taken so far (failed). */
  seconds?: number | undefined;
  warnings: string[];
  /** A short note: why it was skipped, or "reused from earlier research". */
  note?: string | undefined;
}

/** The progress message: the four steps and the overall state. */
export interface ProgressView {
  recipientName: string;
  version: number;
  steps: Record<StepName, StepView>;
  status: 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed';
  /** While waiting to retry: which attempt comes next, after how long, and why. */
  retry?: { attempt: number; of: number; inSeconds: number; reason: string } | undefined;
  /** Shown when failed: what went wrong and what to do, in plain words. */
  error?: string | undefined;
}

/** The finished email and what it stands on. */
export interface ResultView {
  recipientName: string;
  version: number;
  email: string;
  /** True when the email still falls short of the checks: shown as a draft with `problems`. */
  draft: boolean;
  problems: string[];
  sources: Source[];
  papers: Paper[];
  /** Warnings worth repeating under the email (e.g. "no web sources could be read"). */
  notes: string[];
}

export interface PostResultOptions {
  /** Message ids a previous attempt recorded: edit these instead of posting again. */
  existingMessageIds: readonly string[];
  /**
   * A previous attempt started posting but recorded no ids (it died in between): look for that
   * post (Slack: message metadata via conversations.replies; Discord: the nonce) before posting.
   */
  maybePosted: boolean;
}

export interface ThreadReporter {
  /** The progress message changed. Adapters may coalesce calls; the last state must be delivered. */
  progress(address: ThreadAddress, view: ProgressView): Promise<void>;
  /** Posts (or edits, see options) the result; returns the ids of the messages that hold it. */
  result(address: ThreadAddress, view: ResultView, options: PostResultOptions): Promise<{ messageIds: string[] }>;
  /**
   * The generation failed for good: say so in the thread (a reply, so the person is notified), in
   * plain words with what to do next. The progress message shows it too, through `progress`.
   */
  failed(address: ThreadAddress, message: string): Promise<void>;
  /** Waits until every coalesced progress edit has been delivered. */
  flush?(address: ThreadAddress): Promise<void>;
}
