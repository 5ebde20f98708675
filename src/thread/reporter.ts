/**
 * `ThreadReporter`: the one port between the worker and the chat platforms. Defined here, on the
 * side that uses it; implemented in `src/bots/` (Slack, Discord), by `ConsoleReporter` for
 * `scribe draft`, and by a recording reporter in tests. The models are platform-neutral: the
 * adapters render them (Block Kit, embeds, terminal lines).
 */
import type { Generation } from '../db/generations.ts';
import type { Fill, Paper, RecipientEmail, Source, StepName } from '../pipeline/types.ts';

/** Where a generation's conversation lives, as stored on its row. */
export interface ThreadAddress {
  generationId: string;
  platform: 'slack' | 'discord' | 'cli';
  teamId: string;
  channelId: string | null;
  threadId: string | null;
  progressMessageId: string | null;
  /** The asker's platform user id, when known: Slack's streamed plan in a channel is addressed to them. */
  requesterId?: string | undefined;
}

/** The address of a generation's thread, from its row. */
export function addressOf(g: Generation): ThreadAddress {
  return {
    generationId: g.id,
    platform: g.platform,
    teamId: g.teamId,
    channelId: g.channelId,
    threadId: g.threadId,
    progressMessageId: g.progressMessageId,
    ...(g.platformUserId ? { requesterId: g.platformUserId } : {}),
  };
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
  /**
   * `review`: stopped after steps 1–3 until the person says "Write the email" (review.ts);
   * `identity`: stopped until the person says which of the namesakes it is (identity.ts).
   */
  status: 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled' | 'review' | 'identity';
  /** While queued: where it stands ("2nd in line — about 40 s"), or "Retrying". */
  queue?: string | undefined;
  /** When failed: whether a Retry button can help (a passing cause). */
  canRetry?: boolean | undefined;
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
  /**
   * The subject: the template's own subject line filled in (then it is also the email's first line,
   * as written), else one the writer wrote. Shown above the email (`shownSubject`, src/thread/marks.ts).
   */
  subject?: string | undefined;
  /**
   * Each personal line and the numbers it stands on: web sources by their `n`, papers numbered
   * after them (`numberSources(sources, papers)` in src/pipeline/assemble.ts). Marked in the result
   * by src/thread/marks.ts.
   */
  fills?: Fill[] | undefined;
  sources: Source[];
  papers: Paper[];
  /** Warnings worth repeating under the email (e.g. "no web sources could be read"). */
  notes: string[];
  /**
   * The recipient's address, when a source shows it, and that source's number (web sources keep
   * their `n`): the hand-off's `To` (src/thread/handoff.ts), shown as "To: … (from [2])".
   */
  recipientEmail?: RecipientEmail | undefined;
  /** Who the email is about ("About: Jun Li · MIT · ORCID …", or that it was not verified); none before issue 20. */
  about?: string | undefined;
  /**
   * What this generation's own calls cost (a regenerate's reused steps cost nothing) and how long
   * it took from its first try's start; shown as the footer (src/bots/shared/footer.ts).
   */
  cost?: { usd: number; seconds: number } | undefined;
  /** An edited version: the platform user id of who edited it ("Version 3 — edited by …"). */
  editedBy?: string | undefined;
  /** A batch row: its place in the batch (1-based), so the thread labels it "To … · 3 of 12". */
  batch?: { position: number; size: number } | undefined;
}

/** The research as the person reviews it before the email is written (src/thread/review.ts). */
export interface ReviewView {
  recipientName: string;
  version: number;
  summary: string;
  sources: Source[];
  papers: Pick<Paper, 'id' | 'title' | 'year' | 'url'>[];
  /** The summary was edited: the platform user id of who edited it. */
  editedBy?: string | undefined;
}

/** "Which Jun Li?" as the thread asks it (src/thread/identity.ts). */
export interface IdentityQuestionView {
  recipientName: string;
  version: number;
  /** "Which Jun Li?" */
  question: string;
  /** Up to four candidates, best first: `option` is what its button carries ("1"…"4"). */
  options: { option: string; label: string; institution: string }[];
  /** The "None of these" button's option and label. */
  none: { option: string; label: string };
  /** A batch row: its place in the batch, so the question says which email it is for. */
  batch?: { position: number; size: number } | undefined;
}

export interface PostResultOptions {
  /** Message ids a previous attempt recorded: edit these instead of posting again. */
  existingMessageIds: readonly string[];
  /**
   * A previous attempt started posting but recorded no ids (it died in between): look for that
   * post (Slack: message metadata via conversations.replies; Discord: the nonce) before posting.
   */
  maybePosted: boolean;
  /**
   * When that attempt started posting (the row's `result_posting_at`): the post, if any, is newer,
   * so a reporter that must search a long thread (Slack) reads only from there on.
   */
  postingSince?: Date | null | undefined;
}

/**
 * A generation that failed for good, as the worker knows it. Each reporter words it for its
 * medium, with what to do next there: a chat says "Try again later with 🔁 or /scribe", the
 * terminal "run scribe draft again" (`describeFailure` is the part they share).
 */
export interface FailureReport {
  /** What failed and where, in plain words (the error's message). */
  message: string;
  /** The cause was passing (a service down, a timeout): trying again later may work. */
  retryable: boolean;
  /** Tries made in all, the first included. */
  tries: number;
}

/**
 * The failure in platform-neutral words, without what to do next: the message, and for a passing
 * cause how many tries it took ("… — failed after 4 tries."). Stored on the row and shown in the
 * progress view; a reporter adds its own next step.
 */
export function describeFailure(failure: FailureReport): string {
  // No count for a job that never ran (its row was swept before any try).
  if (!failure.retryable || failure.tries < 1) return failure.message;
  const tries = failure.tries === 1 ? '1 try' : `${failure.tries} tries`;
  return `${failure.message} — failed after ${tries}.`;
}

/**
 * A follow-up reminder come due (issue 22, item 4), posted in the email's thread: the drafted
 * follow-up, or why none was drafted (`held`: the quota or the budget, in plain words).
 */
export type FollowUpView =
  | { kind: 'draft'; recipientName: string; sentAt: Date; body: string }
  | { kind: 'held'; recipientName: string; sentAt: Date; reason: string };

export interface ThreadReporter {
  /** The progress message changed. Adapters may coalesce calls; the last state must be delivered. */
  progress(address: ThreadAddress, view: ProgressView): Promise<void>;
  /** Posts (or edits, see options) the result; returns the ids of the messages that hold it. */
  result(address: ThreadAddress, view: ResultView, options: PostResultOptions): Promise<{ messageIds: string[] }>;
  /**
   * The generation failed for good: say so in the thread (a reply, so the person is notified), in
   * plain words with what to do next on this platform. The progress message shows it too, through
   * `progress`.
   */
  failed(address: ThreadAddress, failure: FailureReport): Promise<void>;
  /**
   * Posts the research for review in the thread, with *Write the email* and *Edit research*
   * buttons. Optional: a reporter without it (the terminal) never pauses for a review.
   */
  review?(address: ThreadAddress, view: ReviewView): Promise<{ messageIds: string[] }>;
  /**
   * Asks "Which Jun Li?" in the thread, a button per candidate and "None of these" (issue 20).
   * Optional: a reporter without it (the terminal) never pauses to ask.
   */
  askIdentity?(address: ThreadAddress, view: IdentityQuestionView): Promise<{ messageIds: string[] }>;
  /**
   * The email as far as the writer has written it (each call extends the last, as a rule): shown
   * live where the platform streams text (Slack's plan). Optional and best effort: the result,
   * posted after, is what the email is.
   */
  emailText?(address: ThreadAddress, textSoFar: string): Promise<void>;
  /** Waits until every coalesced progress edit has been delivered. */
  flush?(address: ThreadAddress): Promise<void>;
  /** Posts a follow-up reminder in the thread (a reply, so the person is notified). Chat reporters only. */
  followUp?(address: ThreadAddress, view: FollowUpView): Promise<void>;
}
