/**
 * `ConsoleReporter`, the terminal's `ThreadReporter` for `scribe draft`: a line on stderr as each
 * step starts and ends, the email on stdout (so `scribe draft … > email.txt` captures only it).
 */
import type { Writable } from 'node:stream';
import { STEP_LABELS, STEP_NAMES, type StepName } from '../pipeline/types.ts';
import type { ProgressView, ResultView, ThreadReporter } from '../thread/reporter.ts';
import { resultFooter } from './shared/footer.ts';
import { STEP_ICONS, failureText, formatSeconds, resultText } from './text.ts';
import { HANDOFF_URL_MAX, handoffLinks, handoffOf } from '../thread/handoff.ts';

/**
 * `--json`'s `handoff`: what the mail client gets (`to` only when a source showed it) and the
 * compose links within the browsers' limit; `eml` says a link was too long (`--eml FILE` writes the draft).
 */
export function handoffJson(view: ResultView) {
  const handoff = handoffOf(view);
  return { ...handoff, ...handoffLinks(handoff, HANDOFF_URL_MAX) };
}

/** What to do after a failure with a passing cause, in the terminal. */
export const CONSOLE_TRY_AGAIN = 'Run scribe draft again later.';

export interface ConsoleReporterOptions {
  /** Progress lines. Default: process.stderr. */
  progressOut?: Writable;
  /** The email. Default: process.stdout. */
  resultOut?: Writable;
  /** Print the result as JSON instead of text. */
  json?: boolean;
}

export function createConsoleReporter(
  options: ConsoleReporterOptions = {},
): ThreadReporter & { lastResult(): ResultView | undefined } {
  const progressOut = options.progressOut ?? process.stderr;
  const resultOut = options.resultOut ?? process.stdout;
  const printed = new Map<StepName, string>();
  let retryShown = '';
  let last: ResultView | undefined;

  return {
    async progress(_address, view: ProgressView) {
      // Print only what changed: one line per step state, never the same line twice.
      for (const name of STEP_NAMES) {
        const step = view.steps[name];
        if (step.state === 'pending') continue;
        const detail = [formatSeconds(step.seconds), step.note].filter(Boolean).join(' · ');
        const line = `${STEP_ICONS[step.state]} ${STEP_LABELS[name]}${detail ? ` (${detail})` : ''}`;
        if (printed.get(name) === line) continue;
        printed.set(name, line);
        progressOut.write(`${line}\n`);
        for (const warning of step.warnings) progressOut.write(`    ⚠️ ${warning}\n`);
      }
      if (view.status === 'retrying' && view.retry) {
        const line = `🔁 ${view.retry.reason} — retrying in ${view.retry.inSeconds} s`;
        if (line !== retryShown) progressOut.write(`${line}\n`);
        retryShown = line;
      }
    },
    async result(_address, view) {
      last = view;
      resultOut.write(
        options.json
          ? `${JSON.stringify({ ...view, handoff: handoffJson(view) }, null, 2)}\n`
          : `${resultText(view)}\n`,
      );
      // The cost goes with the progress lines, so `> email.txt` still captures the email alone.
      const footer = resultFooter(view);
      if (footer && !options.json) progressOut.write(`${footer}\n`);
      return { messageIds: ['console'] };
    },
    async failed(_address, failure) {
      progressOut.write(`❌ ${failureText(failure, CONSOLE_TRY_AGAIN)}\n`);
    },
    lastResult: () => last,
  };
}
