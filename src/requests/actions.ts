/**
 * The actions a person can take on an email they (or someone else) asked for, as one table: what
 * each is bound to, what it does, and how long a repeat of it counts as the same request. Adding
 * an action is one entry here (plus a button in each renderer): authorisation, the team check,
 * the message check and the dedupe rule come with it from `checks.ts` and `act.ts`.
 *
 * The next ones fit the same shape: `fresh` = a `new-version` effect with the research cache
 * bypassed, `edit` = a `new-version` whose email is given, `cancel` = `{ type: 'cancel' }` bound to
 * the progress message, `retry` = `{ type: 'retry' }` bound to the progress message of a failure,
 * `review` = `{ type: 'continue' }` on the research summary.
 */

export const INSTRUCTIONS = {
  shorter: 'Make the email noticeably shorter (about half as long), keeping the template’s fixed sentences.',
} as const;

/** What an action does once it is allowed. */
export type ActionEffect = {
  type: 'new-version';
  /** Passed to the composer ("Make it shorter"); null for the same email again. */
  instruction: string | null;
  /** How the new progress message says what was asked for: "asked for a shorter version". */
  asked: string;
};

export interface ActionSpec {
  /** Which of the parent's messages the action may come from (a button on it, a reaction to it). */
  on: 'result';
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
