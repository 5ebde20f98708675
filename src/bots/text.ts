/**
 * Platform-neutral rendering of the thread view as plain text: the terminal (`scribe draft`), the
 * notification fallback of chat messages, and "copy as plain text".
 */
import { STEP_LABELS, STEP_NAMES } from '../pipeline/types.ts';
import {
  describeFailure,
  type FailureReport,
  type ProgressView,
  type ResultView,
  type StepView,
} from '../thread/reporter.ts';
import { numberedSources, shownSubject } from '../thread/marks.ts';
import { toLine } from '../thread/handoff.ts';

export const STEP_ICONS: Record<StepView['state'], string> = {
  pending: '◻️',
  running: '⏳',
  done: '✅',
  skipped: '⏭️',
  failed: '❌',
};

export function formatSeconds(seconds: number | undefined): string {
  return seconds === undefined ? '' : `${seconds.toFixed(1)} s`;
}

/** One line per step, e.g. "✅ Researching the web — 5.3 s", with warnings below. */
export function progressLines(view: ProgressView): string[] {
  const lines: string[] = [];
  for (const name of STEP_NAMES) {
    const step = view.steps[name];
    const detail = [formatSeconds(step.seconds), step.note].filter(Boolean).join(' · ');
    lines.push(`${STEP_ICONS[step.state]} ${STEP_LABELS[name]}${detail ? ` — ${detail}` : ''}`);
    for (const warning of step.warnings) lines.push(`    ⚠️ ${warning}`);
  }
  if (view.status === 'retrying' && view.retry) {
    lines.push(
      `🔁 ${view.retry.reason} — retrying in ${view.retry.inSeconds} s (try ${view.retry.attempt} of ${view.retry.of})`,
    );
  }
  if (view.status === 'failed' && view.error) lines.push(`❌ ${view.error}`);
  if (view.status === 'queued' && view.queue) lines.push(`⏳ ${view.queue}`);
  if (view.status === 'cancelled') lines.push('🚫 Cancelled — nothing more will be posted.');
  if (view.status === 'review')
    lines.push('👀 The research is ready for your review in the thread: press “Write the email” when it looks right.');
  if (view.status === 'identity')
    lines.push(
      `❓ Several people are called ${view.recipientName}: say in the thread which one you mean, and the email is written about them.`,
    );
  return lines;
}

export function progressTitle(view: ProgressView): string {
  const version = view.version > 1 ? ` (version ${view.version})` : '';
  switch (view.status) {
    case 'succeeded':
      return `Email to ${view.recipientName} is ready${version}`;
    case 'failed':
      return `Could not write the email to ${view.recipientName}${version}`;
    case 'cancelled':
      return `Cancelled: the email to ${view.recipientName}${version}`;
    case 'review':
      return `Research for the email to ${view.recipientName} is ready for review${version}`;
    case 'identity':
      return `Which ${view.recipientName}? The email waits for your answer${version}`;
    default:
      return `Drafting an email to ${view.recipientName}${version}`;
  }
}

/** The numbered sources: web pages as cited in the research, then the arXiv papers numbered after them. */
export function sourceLines(view: ResultView): string[] {
  return numberedSources(view).map((c) =>
    c.kind === 'web' ? `[${c.n}] ${c.title} — ${c.url}` : `[${c.n}] ${c.title} (${c.year}) — ${c.url}`,
  );
}

/** The whole result as plain text: problems (drafts), the subject, the bare email, notes, then sources. */
export function resultText(view: ResultView): string {
  const parts: string[] = [];
  if (view.draft) {
    parts.push(`DRAFT — check before sending:\n${view.problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const subject = shownSubject(view);
  const to = toLine(view);
  const head = [to, subject ? `Subject: ${subject}` : undefined].filter(Boolean).join('\n');
  parts.push(head ? `${head}\n\n${view.email}` : view.email);
  if (view.about) parts.push(view.about);
  for (const note of view.notes) parts.push(`Note: ${note}`);
  const sources = sourceLines(view);
  if (sources.length) parts.push(`Sources:\n${sources.join('\n')}`);
  return parts.join('\n\n');
}

/** What to do after a failure with a passing cause, in a chat (Slack and Discord alike). */
export const CHAT_TRY_AGAIN = 'Try again later with 🔁 or /scribe.';
/** Under a failure reply that carries the Retry button (a batch row's). */
export const RETRY_HERE = 'Press Retry to pick up where it stopped.';

/** A failure in plain words, then — when trying again may help — the reporter's way to do it. */
export function failureText(failure: FailureReport, tryAgain: string): string {
  const text = describeFailure(failure);
  return failure.retryable ? `${text} ${tryAgain}` : text;
}
