/**
 * The actions a person can take on an email they (or someone else) asked for, as one table: what
 * each is bound to, what it does, and how long a repeat of it counts as the same request. Adding
 * an action is one entry here (plus a button in each renderer): authorisation, the team check,
 * the message check and the dedupe rule come with it from `checks.ts` and `act.ts`.
 *
 * `fresh` is a `new-version` with the research cache bypassed; `cancel` and `retry` act on the
 * generation itself, from its progress message, and make no new version (no quota, no dedupe
 * lookup: their conditional updates make a repeat a no-op). `edit` and `research` open a form; what
 * the form saves goes through src/requests/edit.ts with the same checks. `write` and `research`
 * come from the research review message, a reply in the generation's own thread.
 */

export const INSTRUCTIONS = {
  shorter: 'Make the email noticeably shorter (about half as long), keeping the template’s fixed sentences.',
} as const;

/** What an action does once it is allowed. */
export type ActionEffect =
  | {
      type: 'new-version';
      /** Passed to the composer ("Make it shorter"); null for the same email again. */
      instruction: string | null;
      /** How the new progress message says what was asked for: "asked for a shorter version". */
      asked: string;
      /** Research again, bypassing (and replacing) the research cache. */
      fresh?: boolean;
    }
  /** Stop the generation (queued: pg-boss cancel; running: the worker aborts). See src/requests/commit/steer.ts. */
  | { type: 'cancel' }
  /** A failed generation's job again, resuming after its last saved step. See src/requests/commit/steer.ts. */
  | { type: 'retry' }
  /** "Write the email" after the research review: step 4 only. See src/requests/commit/steer.ts. */
  | { type: 'resume' }
  /** Opens a form (the email, the research summary); saving it is src/requests/edit.ts. */
  | { type: 'form'; form: 'email' | 'research' };

/**
 * Which of an email's messages an action may come from: a result message, the progress message,
 * or (`review`) a message in the generation's own thread, where the research review is posted.
 */
export type ActionMessage = 'result' | 'progress' | 'review';

export interface ActionSpec {
  /** Which of the parent's messages the action may come from (a button on it, a reaction to it). */
  on: ActionMessage;
  effect: ActionEffect;
  /** The verb of "Only … can regenerate it." */
  verb: string;
}

export const ACTIONS = {
  regenerate: {
    on: 'result',
    verb: 'regenerate it',
    effect: { type: 'new-version', instruction: null, asked: 'a new version' },
  },
  shorter: {
    on: 'result',
    verb: 'regenerate it',
    effect: { type: 'new-version', instruction: INSTRUCTIONS.shorter, asked: 'a shorter version' },
  },
  fresh: {
    on: 'result',
    verb: 'regenerate it',
    effect: { type: 'new-version', instruction: null, asked: 'a version with fresh research', fresh: true },
  },
  cancel: { on: 'progress', verb: 'cancel it', effect: { type: 'cancel' } },
  retry: { on: 'progress', verb: 'retry it', effect: { type: 'retry' } },
  edit: { on: 'result', verb: 'edit it', effect: { type: 'form', form: 'email' } },
  write: { on: 'review', verb: 'have it written', effect: { type: 'resume' } },
  research: { on: 'review', verb: 'edit the research', effect: { type: 'form', form: 'research' } },
} as const satisfies Record<string, ActionSpec>;

/** The name of an action, as buttons and logs carry it. */
export type ActionKind = keyof typeof ACTIONS;
export const ACTION_KINDS = Object.keys(ACTIONS) as ActionKind[];

export function isActionKind(value: string): value is ActionKind {
  return Object.hasOwn(ACTIONS, value);
}

/** Requests for the same thing within this window are one request (a double click, 🔁 and 🔄 together). */
export const COLLAPSE_MS = 10_000;
/** The platform's clock (event time, snowflake time) against Postgres's (created_at). */
export const CLOCK_SKEW_MS = 5_000;

/**
 * The dedupe window for a request made at `requestedAt`: any version created since then (with
 * skew) answers it, and at least `COLLAPSE_MS`. A redelivery minutes later keeps its event time,
 * so it finds the version the first delivery started — without a table of seen event ids.
 */
export function collapseWindowMs(requestedAt: Date | undefined, now: number = Date.now()): number {
  const age = requestedAt && Number.isFinite(requestedAt.getTime()) ? now - requestedAt.getTime() : 0;
  return Math.max(COLLAPSE_MS, age + CLOCK_SKEW_MS);
}
