/**
 * The progress view as a pure function of what is known: the saved steps and the runner's events.
 * Pure, so the worker, `scribe draft` and tests build the same view the chat shows.
 */
import { STEP_NAMES, type ProgressEvent, type StepName, type StepRecords } from '../pipeline/types.ts';
import type { ProgressView, StepView } from './reporter.ts';

const ms = (n: number) => Math.round(n / 100) / 10;

/** The note under a step whose output came from the research cache or a parent generation. */
export const REUSED_NOTE = 'reused from earlier research';

/** The view of a generation before anything runs, or resumed from its saved steps. */
export function initialProgress(recipientName: string, version: number, saved: StepRecords = {}): ProgressView {
  const steps = {} as Record<StepName, StepView>;
  for (const name of STEP_NAMES) {
    const record = saved[name];
    steps[name] = record
      ? {
          state: record.status === 'skipped' ? 'skipped' : 'done',
          seconds: record.status === 'skipped' ? undefined : ms(record.durationMs),
          warnings: [...record.warnings],
          note: record.reused ? REUSED_NOTE : undefined,
        }
      : { state: 'pending', warnings: [] };
  }
  return { recipientName, version, steps, status: 'queued' };
}

/** The view after one runner event. Returns a new object; the input is not changed. */
export function applyProgressEvent(view: ProgressView, event: ProgressEvent): ProgressView {
  const steps = { ...view.steps };
  const step = steps[event.step];
  switch (event.kind) {
    case 'started':
      steps[event.step] = { ...step, state: 'running', warnings: [] };
      return { ...view, steps, status: 'running', retry: undefined };
    case 'finished':
      steps[event.step] = {
        state: 'done',
        seconds: ms(event.durationMs),
        warnings: [...event.warnings],
        ...(event.reused ? { note: REUSED_NOTE } : {}),
      };
      return { ...view, steps, retry: undefined };
    case 'skipped':
      steps[event.step] = { state: 'skipped', warnings: [], note: event.reason };
      return { ...view, steps };
    case 'failed':
      steps[event.step] = { ...step, state: 'failed', note: event.message };
      return { ...view, steps };
    case 'retrying':
      return {
        ...view,
        status: 'retrying',
        retry: {
          attempt: event.attempt,
          of: event.of,
          inSeconds: Math.ceil(event.delayMs / 1000),
          reason: event.message,
        },
      };
  }
}
