/**
 * What the Slack and Discord bots say, where the words are the same: the outcome of a request, the
 * lines of `/scribe status` and the status words of `/scribe history` (their figures and rows are
 * read in src/requests/info.ts). Each platform
 * passes its style (mentions, bold, its admin and its own hints); the words stay here so the two
 * cannot drift.
 */
import { formatUsd } from '../../pipeline/prices.ts';
import type { Logger } from '../../log.ts';
import { QuotaExceededError } from '../../errors.ts';
import { budgetText } from '../../requests/commit/start.ts';
import type { StartRefusal } from '../../requests/checks.ts';
import { ACTIONS, type ActionKind } from '../../requests/actions.ts';
import type { ActionOutcome } from '../../requests/act.ts';
import type { EditOutcome } from '../../requests/edit.ts';
import type { HistoryEntry, StatusFigures } from '../../requests/info.ts';
import type { TellPrivately } from '../../requests/port.ts';
import type { Generation, GenerationStatus } from '../../requests/types.ts';
import { shortDate, type Outreach } from '../../requests/outreach.ts';

/** How a platform writes what the shared words need. */
export interface ChatStyle {
  /** A mention that notifies no one by itself (`<@U…>`). */
  mention(userId: string): string;
  /** Bold, with the text escaped for the platform. */
  bold(text: string): string;
  /** The command as a person types it, formatted (`` `/scribe` ``). */
  command: string;
  /** Who besides the requester may act: "a workspace admin", "a member with Manage Messages". */
  admin: string;
  /** Why a new version cannot be posted in the thread, and what to do. */
  cannotPostInThread: string;
  /** The status title, bold, and the warning sign. */
  statusTitle: string;
  warning: string;
}

/** How an action was asked for: buttons answer everyone; reactions only the requester, and only when it matters. */
export type Trigger = 'button' | 'reaction';

/** The quota message a person sees. */
export function quotaText(quota: number): string {
  return new QuotaExceededError(quota).message;
}

/** What a person is told when a new email is refused for its quota or the workspace's budget. */
export function refusalText(refusal: StartRefusal): string {
  return refusal.kind === 'budget' ? budgetText(refusal.budgetUsd, refusal.pausedUntil) : quotaText(refusal.quota);
}

/** Whether a cancelled email still takes a slot of the quota: only when nothing was billed for it. */
function cancelledQuotaText(g: Pick<Generation, 'usage' | 'startedAt'>): string {
  if (Object.keys(g.usage).length > 0)
    return 'It still counts towards your quota: Scribe had already called the model for it.';
  if (g.startedAt === null) return 'It does not count towards your quota.';
  return 'It counts towards your quota only if Scribe had already called the model for it.';
}

/** What comes of an action or of a form (edit, edit research). */
export type AnyActionOutcome = ActionOutcome | EditOutcome;

/** What a person is told about an action's outcome; undefined when nothing needs saying. */
export function actionReply(action: ActionKind, outcome: AnyActionOutcome, style: ChatStyle): string | undefined {
  switch (outcome.kind) {
    case 'not-allowed':
      return (
        `Only ${outcome.requesterId ? style.mention(outcome.requesterId) : 'the person who asked for this email'} ` +
        `or ${style.admin} can ${ACTIONS[action].verb}.`
      );
    case 'quota':
    case 'budget':
      return refusalText(outcome);
    // Another team's email is "not found" to this one: nothing says it exists.
    case 'not-found':
    case 'wrong-team':
    case 'wrong-message':
      return `That email no longer exists, so there is nothing to ${ACTIONS[action].nothingTo}. Run ${style.command} to write a new one.`;
    case 'cannot-post':
      return style.cannotPostInThread;
    case 'cancelled':
      return `Cancelled. Nothing more will be posted. ${cancelledQuotaText(outcome.generation)}`;
    case 'retrying':
      return 'Trying again from the last finished step.';
    case 'too-late':
      return 'Too late to cancel: the email was already posted, so nothing changed.';
    case 'nothing-to-do':
      return `Nothing to ${ACTIONS[action].nothingTo}: this email is ${STATUS_PHRASES[outcome.status]}.`;
    case 'writing':
      return 'Writing the email from the research in the thread.';
    case 'chosen':
      return `Writing the email about ${outcome.choice}.`;
    case 'already-chosen':
      return `Already answered: the email is about ${outcome.choice}. Nothing changed.`;
    case 'not-an-option':
      return 'That button is out of date: choose from the latest question in the thread.';
    case 'too-long':
      return (
        `This ${action === 'research' ? 'research summary' : 'email'} is ${outcome.length.toLocaleString('en-US')} characters; ` +
        `a form here holds ${outcome.limit.toLocaleString('en-US')}, so it can't be edited in a form. ` +
        (action === 'research'
          ? 'Press Write the email to use it as it is.'
          : 'Use Copy to take it as plain text and edit it in your mail client.')
      );
    case 'edited': {
      const saved = `Version ${outcome.child.version} — edited by you — is in the thread.`;
      return outcome.problems.length
        ? `${saved} ${style.warning} Check it before sending:\n${outcome.problems.map((p) => `• ${p}`).join('\n')}`
        : saved;
    }
    case 'feedback':
      return feedbackReply(outcome.value, outcome.previous, outcome.generation.version);
    case 'research-saved':
      return 'Saved: your edited research replaces the summary, and the email will be written from it. Press Write the email when it looks right.';
    case 'unchanged':
      return 'Nothing changed, so nothing was saved.';
    case 'not-retryable':
      return 'Retrying the same request would fail the same way; the message above says what to fix.';
    case 'marked-sent':
      return `📨 Marked as sent: version ${outcome.outreach.version} to ${outcome.outreach.recipientName}, ${shortDate(outcome.outreach.sentAt)}. A new ${style.command} for them will remind you. Pressed by mistake? Press Not sent.`;
    case 'already-sent':
      return `Already marked as sent on ${shortDate(outcome.outreach.sentAt)} (version ${outcome.outreach.version}), so nothing changed.`;
    case 'unmarked':
      return `Marked as not sent: ${outcome.outreach.recipientName} is no longer in your sent emails.`;
    case 'not-marked':
      return 'This email was not marked as sent, so nothing changed.';
    case 'reminder-set':
      return (
        `⏰ ${outcome.marked ? `Marked as sent, and I` : 'I'}’ll post a short follow-up here on ${shortDate(outcome.outreach.followUpAt ?? new Date())} ` +
        `(${outcome.outreach.followUpAt?.toISOString().slice(11, 16)} UTC) unless you press Got a reply or Cancel reminder first. It counts as one email of your day.`
      );
    case 'reminder-stopped':
      return outcome.outreach.followUp === 'replied'
        ? `💬 Glad they answered! The follow-up for ${outcome.outreach.recipientName} is cancelled.`
        : `🔕 Reminder cancelled: no follow-up will be posted for ${outcome.outreach.recipientName}.`;
    case 'reminder-unchanged':
      return reminderUnchangedText(outcome.outreach, outcome.asked);
    case 'open':
    case 'started':
    case 'duplicate':
      return undefined;
  }
}

/** Why *Remind me*, *Got a reply* or *Cancel reminder* changed nothing. */
function reminderUnchangedText(o: Outreach | undefined, asked: 'scheduled' | 'replied' | 'cancelled'): string {
  if (!o || o.followUp === 'none')
    return asked === 'scheduled' ? 'Nothing changed.' : 'There is no reminder on this email, so nothing changed.';
  switch (o.followUp) {
    case 'scheduled':
      return `A reminder is already set for ${shortDate(o.followUpAt ?? new Date())}, so nothing changed.`;
    case 'posted':
    case 'held':
      return 'The follow-up reminder already came, so nothing changed.';
    case 'replied':
      return 'You said they answered, so there is no reminder to change.';
    case 'cancelled':
      return 'The reminder was already cancelled, so nothing changed.';
  }
}

/** How `/scribe history` and the thanks show a feedback value. */
export const FEEDBACK_MARKS = { up: '👍', down: '👎' } as const;

/** The thanks for a 👍 / 👎, saying what is stored now. */
export function feedbackReply(value: 'up' | 'down', previous: 'up' | 'down' | null, version: number): string {
  const which = version > 1 ? `version ${version}` : 'this email';
  if (previous === value) return `Already noted: ${FEEDBACK_MARKS[value]} on ${which}. Thanks!`;
  if (previous) return `Thanks — noted. Changed to ${FEEDBACK_MARKS[value]} on ${which}.`;
  return `Thanks — noted: ${FEEDBACK_MARKS[value]} on ${which}.`;
}

/** "Nothing to cancel: this email is already cancelled." */
const STATUS_PHRASES: Record<GenerationStatus, string> = {
  queued: 'already waiting to be written',
  running: 'being written',
  succeeded: 'already posted',
  failed: 'failed already',
  cancelled: 'already cancelled',
  awaiting_review: 'waiting for your review',
  awaiting_identity: 'waiting for you to say which person',
};

/** A reaction is not a request to anyone but the requester: others' are ignored without a word. */
const SAID_TO_REACTIONS: ReadonlySet<AnyActionOutcome['kind']> = new Set(['quota', 'budget', 'cannot-post']);

/** Tells the person what came of an action, if anything, and names the outcome for the logs. */
export async function answerAction(
  outcome: AnyActionOutcome,
  how: { action: ActionKind; trigger: Trigger; style: ChatStyle; tell: TellPrivately; logger: Logger },
): Promise<string> {
  const silent = how.trigger === 'reaction' && !SAID_TO_REACTIONS.has(outcome.kind);
  const reply = silent ? undefined : actionReply(how.action, outcome, how.style);
  if (reply)
    await how
      .tell(reply)
      .catch((err: unknown) => how.logger.warn({ err }, 'could not tell the person what came of their request'));
  return silent && outcome.kind !== 'started' && outcome.kind !== 'duplicate'
    ? `ignored:${outcome.kind}`
    : outcome.kind;
}

/** How `/scribe history` names a generation's state. */
export const STATUS_WORDS: Record<GenerationStatus, string> = {
  queued: '⏳ waiting',
  running: '✍️ writing',
  succeeded: '✅ ready',
  failed: '❌ failed',
  cancelled: '🚫 cancelled',
  awaiting_review: '👀 waiting for your review',
  awaiting_identity: '❓ waiting for you to say which person',
};

/**
 * One line of `/scribe history`: when, whom, which version, its state (and the person's 👍/👎),
 * whether it was sent (a posted email: "📨 sent 12 Nov" or "not sent"), and where it is.
 */
export function historyLine(
  g: Generation & Partial<Pick<HistoryEntry, 'feedback' | 'sent'>>,
  parts: { when: string; name: string; where: string },
): string {
  const version = g.version > 1 ? ` (version ${g.version})` : '';
  const feedback = g.feedback ? ` ${FEEDBACK_MARKS[g.feedback]}` : '';
  // Its own calls only: a regenerate that reused the research shows what writing it again cost.
  const cost = g.costUsd > 0 ? ` — ${formatUsd(g.costUsd)}` : '';
  const sent = g.sent ? ` — 📨 sent ${shortDate(g.sent.sentAt)}` : g.status === 'succeeded' ? ' — not sent' : '';
  return `• ${parts.when} ${parts.name}${version} — ${STATUS_WORDS[g.status]}${feedback}${sent}${cost} — ${parts.where}`;
}

/** "Your last 3 emails". */
export function historyTitle(count: number): string {
  return `Your last ${count === 1 ? 'email' : `${count} emails`}`;
}

export const NO_HISTORY = 'You haven’t asked for an email yet. Run `/scribe` to write one.';

/** The status lines, with the platform's bold title and warning sign. */
export function statusLines(s: StatusFigures, style: Pick<ChatStyle, 'statusTitle' | 'warning'>): string {
  const workerLine =
    s.workers === undefined
      ? 'unknown (the worker registry could not be read)'
      : s.workers > 0
        ? `${s.workers} running`
        : `${style.warning} none running — emails wait in the queue until a worker starts`;
  return [
    style.statusTitle,
    `Queue: ${s.waiting}`,
    `Workers: ${workerLine}`,
    `Your quota: ${s.left} of ${s.quota} emails left today (resets at midnight UTC)`,
    `Spent today: ≈ ${formatUsd(s.spent.user)} by you, ≈ ${formatUsd(s.spent.workspace)} in this workspace` +
      (s.budgetUsd === undefined ? '' : ` of its ${formatUsd(s.budgetUsd)} daily budget`),
  ].join('\n');
}
