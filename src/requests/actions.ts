/**
 * The actions a person can take on an email they (or someone else) asked for, as one table: what
 * each is bound to, what it does, what it costs, how its button looks and how its refusals are
 * worded. Adding an action on an existing effect is one entry here: the buttons (both platforms),
 * their ids and listeners, form routing, authorisation, the team and message checks, the quota and
 * budget checks and the dedupe rule all come from it (`checks.ts`, `act.ts`, the renderers). A new
 * effect is one commit function more in `act.ts`'s exhaustive switch.
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
  | { type: 'form'; form: 'email' | 'research' }
  /** 👍 / 👎 on this version, stored per person (src/requests/commit/feedback.ts). */
  | { type: 'feedback'; value: 'up' | 'down' }
  /** *Mark as sent* (`mark`) or *Not sent*: the outreach memory. See src/requests/outreach.ts. */
  | { type: 'outreach'; mark: boolean }
  /**
   * The answer to "Which Jun Li?" (issue 20): the button's option (a candidate's number, or
   * "none") is saved on the identity and the email is written. See src/requests/commit/steer.ts.
   */
  | { type: 'choose' }
  /**
   * The follow-up reminder (issue 22, item 4): *Remind me* (`scheduled`; marks the email sent too
   * when it was not), *Got a reply* (`replied`), *Cancel reminder* (`cancelled`). See
   * src/requests/commit/follow-up.ts.
   */
  | { type: 'follow-up'; to: 'scheduled' | 'replied' | 'cancelled' };

/**
 * Which of an email's messages an action may come from: a result message, the progress message,
 * or a message in the generation's own thread: the research review (`review`), "Which …?"
 * (`identity`).
 */
export type ActionMessage = 'result' | 'progress' | 'review' | 'identity';

/** Whether an action's button is bound to the generation's thread rather than to one message. */
export function boundToThread(on: ActionMessage): boolean {
  return on === 'review' || on === 'identity';
}

/**
 * What an action costs, checked before it runs: `quota` — a new email (the daily quota and the
 * budget); `budget` — a model call for the same email (the budget only); `free` — no model call.
 */
export type ActionCost = 'quota' | 'budget' | 'free';

export interface ActionButton {
  label: string;
  emoji: string;
  /** How the platforms colour it: `primary` (the expected next step), `danger`; plain otherwise. */
  emphasis?: 'primary' | 'danger';
}

export interface ActionSpec {
  /** Which of the parent's messages the action may come from (a button on it, a reaction to it). */
  on: ActionMessage;
  effect: ActionEffect;
  cost: ActionCost;
  /** The verb of "Only … can regenerate it." */
  verb: string;
  /** The noun of "Nothing to …" and "there is nothing to …". */
  nothingTo: string;
  button: ActionButton;
}

export const ACTIONS = {
  regenerate: {
    on: 'result',
    cost: 'quota',
    verb: 'regenerate it',
    nothingTo: 'regenerate',
    button: { label: 'Regenerate', emoji: '🔁', emphasis: 'primary' },
    effect: { type: 'new-version', instruction: null, asked: 'a new version' },
  },
  shorter: {
    on: 'result',
    cost: 'quota',
    verb: 'regenerate it',
    nothingTo: 'regenerate',
    button: { label: 'Shorter', emoji: '✂️' },
    effect: { type: 'new-version', instruction: INSTRUCTIONS.shorter, asked: 'a shorter version' },
  },
  fresh: {
    on: 'result',
    cost: 'quota',
    verb: 'regenerate it',
    nothingTo: 'regenerate',
    button: { label: 'Fresh research', emoji: '🔎' },
    effect: { type: 'new-version', instruction: null, asked: 'a version with fresh research', fresh: true },
  },
  edit: {
    on: 'result',
    cost: 'free',
    verb: 'edit it',
    nothingTo: 'edit',
    button: { label: 'Edit', emoji: '✏️' },
    effect: { type: 'form', form: 'email' },
  },
  cancel: {
    on: 'progress',
    cost: 'free',
    verb: 'cancel it',
    nothingTo: 'cancel',
    button: { label: 'Cancel', emoji: '✋', emphasis: 'danger' },
    effect: { type: 'cancel' },
  },
  retry: {
    on: 'progress',
    cost: 'budget',
    verb: 'retry it',
    nothingTo: 'retry',
    button: { label: 'Retry', emoji: '🔁', emphasis: 'primary' },
    effect: { type: 'retry' },
  },
  write: {
    on: 'review',
    cost: 'budget',
    verb: 'have it written',
    nothingTo: 'write',
    button: { label: 'Write the email', emoji: '✍️', emphasis: 'primary' },
    effect: { type: 'resume' },
  },
  sent: {
    on: 'result',
    cost: 'free',
    verb: 'mark it as sent',
    nothingTo: 'mark as sent',
    button: { label: 'Mark as sent', emoji: '📨' },
    effect: { type: 'outreach', mark: true },
  },
  unsent: {
    on: 'result',
    cost: 'free',
    verb: 'mark it as not sent',
    nothingTo: 'mark as not sent',
    button: { label: 'Not sent', emoji: '↩️' },
    effect: { type: 'outreach', mark: false },
  },
  remind: {
    on: 'result',
    cost: 'free',
    verb: 'set a reminder',
    nothingTo: 'remind you of',
    button: { label: 'Remind me', emoji: '⏰' },
    effect: { type: 'follow-up', to: 'scheduled' },
  },
  replied: {
    on: 'result',
    cost: 'free',
    verb: 'say it was answered',
    nothingTo: 'mark as answered',
    button: { label: 'Got a reply', emoji: '💬' },
    effect: { type: 'follow-up', to: 'replied' },
  },
  unremind: {
    on: 'result',
    cost: 'free',
    verb: 'cancel the reminder',
    nothingTo: 'cancel',
    button: { label: 'Cancel reminder', emoji: '🔕' },
    effect: { type: 'follow-up', to: 'cancelled' },
  },
  research: {
    on: 'review',
    cost: 'free',
    verb: 'edit the research',
    nothingTo: 'edit',
    button: { label: 'Edit research', emoji: '✏️' },
    effect: { type: 'form', form: 'research' },
  },
  // Feedback sits beside the result's buttons, not among them: Slack's `feedback_buttons` element
  // (one element, both values), Discord's row of its own (src/bots/*/render.ts).
  feedback_up: {
    on: 'result',
    cost: 'free',
    verb: 'rate it',
    nothingTo: 'rate',
    button: { label: 'Good version', emoji: '👍' },
    effect: { type: 'feedback', value: 'up' },
  },
  feedback_down: {
    on: 'result',
    cost: 'free',
    verb: 'rate it',
    nothingTo: 'rate',
    button: { label: 'Needs work', emoji: '👎' },
    effect: { type: 'feedback', value: 'down' },
  },
  // "Which Jun Li?" (issue 20): a button per candidate and "None of these", each with its option.
  choose: {
    on: 'identity',
    cost: 'budget',
    verb: 'say which person it is',
    nothingTo: 'choose',
    button: { label: 'This one', emoji: '👤' },
    effect: { type: 'choose' },
  },
} as const satisfies Record<string, ActionSpec>;

/** The name of an action, as buttons and logs carry it. */
export type ActionKind = keyof typeof ACTIONS;
export const ACTION_KINDS = Object.keys(ACTIONS) as ActionKind[];

export function isActionKind(value: string): value is ActionKind {
  return Object.hasOwn(ACTIONS, value);
}

/** What `kind` costs (widened: today's forms are all free, tomorrow's may not be). */
export function costOf(kind: ActionKind): ActionCost {
  return ACTIONS[kind].cost;
}

/** The actions whose button sits on `message`, in the table's order (the order the buttons show). */
export function actionsOn(message: ActionMessage): ActionKind[] {
  return ACTION_KINDS.filter((kind) => ACTIONS[kind].on === message);
}

/** The actions that open a form: their button opens it, saving it is src/requests/edit.ts. */
export type FormAction = {
  [K in ActionKind]: (typeof ACTIONS)[K]['effect'] extends { type: 'form' } ? K : never;
}[ActionKind];

export function isFormAction(kind: ActionKind): kind is FormAction {
  return ACTIONS[kind].effect.type === 'form';
}

export const FORM_ACTIONS = ACTION_KINDS.filter(isFormAction);

/** The feedback actions (👍, 👎): a value stored per person and version, no new version. */
export type FeedbackAction = {
  [K in ActionKind]: (typeof ACTIONS)[K]['effect'] extends { type: 'feedback' } ? K : never;
}[ActionKind];

export function isFeedbackAction(kind: ActionKind): kind is FeedbackAction {
  return ACTIONS[kind].effect.type === 'feedback';
}

/** 👍 then 👎, as both platforms show them. */
export const FEEDBACK_ACTIONS = ACTION_KINDS.filter(isFeedbackAction);

/** The actions shown as buttons of their own (everything but feedback). */
export type ButtonAction = Exclude<ActionKind, FeedbackAction>;

/** The actions whose own button sits on `message`, in the table's order (feedback apart). */
export function buttonsOn(message: ActionMessage): ButtonAction[] {
  return actionsOn(message).filter((kind): kind is ButtonAction => !isFeedbackAction(kind));
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
