/**
 * The steps as Slack's plan of task cards (issue 23): `chat.startStream` with
 * `task_display_mode: plan`, a `plan_update` naming the email and one `task_update` per step, each
 * sent again only when its status changes (pending → in_progress → complete / error). The research
 * card lists its sources once the result is known. Pure functions: the reporter sends what they say.
 */
import type * as webApi from '@slack/web-api';
import { STEP_LABELS, STEP_NAMES, type Source, type StepName } from '../../pipeline/types.ts';
import type { ProgressView, StepState } from '../../thread/reporter.ts';

/** A streaming chunk as the WebClient types it (`@slack/types` is not a direct dependency). */
export type AnyChunk = NonNullable<webApi.ChatAppendStreamArguments['chunks']>[number];

export type TaskStatus = 'pending' | 'in_progress' | 'complete' | 'error';

/** Slack's limit on a task card's `details` and `output`. */
export const TASK_TEXT_MAX = 256;
/** Sources listed on the research card at most. */
const TASK_SOURCES_MAX = 10;

const STATUS_OF: Record<StepState, TaskStatus> = {
  pending: 'pending',
  running: 'in_progress',
  done: 'complete',
  skipped: 'complete',
  failed: 'error',
};

/** What the plan showed last, per step: the status and the details line. */
export type PlanShown = Partial<Record<StepName, { status: TaskStatus; details: string }>>;

function clip(text: string): string {
  return text.length <= TASK_TEXT_MAX ? text : `${text.slice(0, TASK_TEXT_MAX - 1)}…`;
}

/** The plan's title: who the email is to. */
export function planTitle(view: Pick<ProgressView, 'recipientName' | 'version'>): string {
  return view.version > 1
    ? `Email to ${view.recipientName} (version ${view.version})`
    : `Email to ${view.recipientName}`;
}

/** The details line under a card: the time it took, the note, the warnings. */
function detailsOf(view: ProgressView, step: StepName): string {
  const s = view.steps[step];
  const parts = [
    ...(s.seconds !== undefined && s.state === 'done' ? [`${s.seconds} s`] : []),
    ...(s.note ? [s.note] : []),
    ...s.warnings,
  ];
  return clip(parts.join(' · '));
}

/**
 * The task updates that bring the plan from `shown` to `view` (every card when `shown` is empty),
 * and what the plan then shows. A step that is still pending when the view is final (cancelled,
 * failed) is left pending.
 */
export function planUpdates(view: ProgressView, shown: PlanShown): { chunks: AnyChunk[]; shown: PlanShown } {
  const chunks: AnyChunk[] = [];
  const next: PlanShown = { ...shown };
  for (const step of STEP_NAMES) {
    const status = STATUS_OF[view.steps[step].state];
    const details = detailsOf(view, step);
    const before = shown[step];
    if (before && before.status === status && before.details === details) continue;
    chunks.push({
      type: 'task_update',
      id: step,
      title: STEP_LABELS[step],
      status,
      ...(details ? { details } : {}),
    });
    next[step] = { status, details };
  }
  return { chunks, shown: next };
}

/** The research card again, now listing the sources the email stands on (Slack shows them as links). */
/**
 * The cards still pending or in progress when the email is posted: complete, since the result says
 * the work is done (the last progress report may reach the thread after the result).
 */
export function finishedCards(shown: PlanShown): AnyChunk[] {
  return STEP_NAMES.flatMap((step) => {
    const card = shown[step];
    if (!card || card.status === 'complete' || card.status === 'error') return [];
    return [
      {
        type: 'task_update' as const,
        id: step,
        title: STEP_LABELS[step],
        status: 'complete' as const,
        ...(card.details ? { details: card.details } : {}),
      },
    ];
  });
}

export function researchSources(sources: readonly Source[], shown: PlanShown): AnyChunk[] {
  const list = sources
    .filter((s) => /^https?:\/\//.test(s.url))
    .slice(0, TASK_SOURCES_MAX)
    .map((s) => ({ type: 'url' as const, url: s.url, text: clip(`[${s.n}] ${s.title || s.url}`) }));
  if (list.length === 0) return [];
  const research = shown.research;
  return [
    {
      type: 'task_update',
      id: 'research',
      title: STEP_LABELS.research,
      status: research?.status ?? 'complete',
      ...(research?.details ? { details: research.details } : {}),
      sources: list,
    },
  ];
}

/** The thread status while Scribe works, and the loading messages Slack rotates under it. */
export function threadStatus(view: ProgressView): { status: string; loading_messages: string[] } | undefined {
  if (view.status !== 'running' && view.status !== 'retrying' && view.status !== 'queued') return undefined;
  const running = STEP_NAMES.find((s) => view.steps[s].state === 'running');
  return {
    status: running
      ? `is ${STEP_LABELS[running].charAt(0).toLowerCase()}${STEP_LABELS[running].slice(1)}…`
      : 'is working…',
    loading_messages: [`Writing to ${view.recipientName}…`, ...STEP_NAMES.map((s) => `${STEP_LABELS[s]}…`)],
  };
}
