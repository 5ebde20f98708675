/**
 * The request checks as pure functions, one table per check: each case changes one thing about a
 * request that would go ahead and names the refusal it must get. The end-to-end request cases
 * (test/bots/shared/request-cases.ts) prove the platforms wire these in; here every branch and the
 * order of the refusals are pinned without a database or a chat.
 */
import { describe, expect, it } from 'vitest';
import type { Generation } from '../../src/db/generations.ts';
import type { User } from '../../src/db/users.ts';
import {
  checkAction,
  checkSpend,
  checkStart,
  needsAdminCheck,
  type ActionContext,
  type Refusal,
  type SpendContext,
  type StartContext,
} from '../../src/requests/checks.ts';

const ada: User = {
  id: 'user-ada',
  platform: 'slack',
  teamId: 'T1',
  platformUserId: 'U0ADA',
  displayName: 'Ada',
  isAdmin: false,
  generationCount: 3,
  reviewResearch: false,
};
const grace: User = { ...ada, id: 'user-grace', platformUserId: 'U0GRACE', displayName: 'Grace' };

/** Ada's finished email: progress message p1 in thread t1, result messages r1 and r2. */
const email: Generation = {
  id: 'gen-1',
  userId: ada.id,
  parentId: null,
  batchId: null,
  version: 1,
  platform: 'slack',
  teamId: 'T1',
  channelId: 'C1',
  threadId: 't1',
  progressMessageId: 'p1',
  resultMessageIds: ['r1', 'r2'],
  resultPostingAt: null,
  template: 'Dear {{name}}, …',
  recipientName: 'Dr. Lovelace',
  recipientInterest: 'engines',
  instruction: null,
  identityHint: null,
  status: 'succeeded',
  currentStep: null,
  steps: {},
  invalidSteps: [],
  email: 'Dear Dr. Lovelace, …',
  sources: [],
  error: null,
  attempts: 1,
  action: null,
  freshResearch: false,
  reviewResearch: false,
  cancelledBy: null,
  failureRetryable: null,
  editedBy: null,
  usage: {},
  costUsd: 0,
  createdAt: new Date('2025-01-01T10:00:00Z'),
  startedAt: new Date('2025-01-01T10:00:01Z'),
  finishedAt: new Date('2025-01-01T10:00:09Z'),
};
const version2: Generation = { ...email, id: 'gen-2', parentId: email.id, version: 2 };
const paused = new Date('2025-01-01T12:00:00Z');
const spent: SpendContext = { todayUsd: 5, budgetUsd: 5, pausedUntil: undefined };

/** Ada presses Regenerate on her email's first result message, with quota and budget left: allowed. */
const regenerate: ActionContext = {
  parent: email,
  actor: ada,
  actorTeamId: 'T1',
  actorIsAdmin: undefined,
  requesterId: 'U0ADA',
  messageId: 'r1',
  on: 'result',
  threadId: 't1',
  charges: true,
  spends: true,
  recent: undefined,
  usedToday: 3,
  dailyQuota: 20,
  spend: { todayUsd: 1, budgetUsd: 5, pausedUntil: undefined },
};
/** Ada presses Cancel on the progress message: no new version, no model call. */
const cancel: ActionContext = { ...regenerate, messageId: 'p1', on: 'progress', charges: false, spends: false };
/** Ada presses Write the email on the review message in her thread. */
const write: ActionContext = { ...regenerate, messageId: 't1', on: 'review', charges: false };

interface Case<C, R> {
  name: string;
  context: C;
  refusal: R | undefined;
}

const ACTION_CASES: Case<ActionContext, Refusal>[] = [
  { name: 'the requester, on a result message: allowed', context: regenerate, refusal: undefined },
  {
    name: "on the email's second result message: allowed",
    context: { ...regenerate, messageId: 'r2' },
    refusal: undefined,
  },
  {
    name: 'from no chat message (CLI, tests): allowed',
    context: { ...regenerate, messageId: null },
    refusal: undefined,
  },
  { name: 'no such email', context: { ...regenerate, parent: undefined }, refusal: { kind: 'not-found' } },
  {
    name: 'an email of the other platform',
    context: { ...regenerate, parent: { ...email, platform: 'discord' } },
    refusal: { kind: 'not-found' },
  },
  {
    name: "another workspace than the email's",
    context: { ...regenerate, actorTeamId: 'T2' },
    refusal: { kind: 'wrong-team' },
  },
  {
    name: 'another workspace, even for an admin there',
    context: { ...regenerate, actor: grace, actorTeamId: 'T2', actorIsAdmin: true },
    refusal: { kind: 'wrong-team' },
  },
  {
    name: "a message that is not the email's",
    context: { ...regenerate, messageId: 'x9' },
    refusal: { kind: 'wrong-message' },
  },
  {
    name: 'a result action on the progress message',
    context: { ...regenerate, messageId: 'p1' },
    refusal: { kind: 'wrong-message' },
  },
  { name: 'Cancel on the progress message: allowed', context: cancel, refusal: undefined },
  { name: 'Cancel on a result message', context: { ...cancel, messageId: 'r1' }, refusal: { kind: 'wrong-message' } },
  {
    name: "a batch row's Retry, from its batch's thread: allowed",
    context: { ...cancel, parent: { ...email, batchId: 'batch-1', progressMessageId: null }, messageId: 'f1' },
    refusal: undefined,
  },
  {
    name: "a batch row's Retry, from another thread",
    context: {
      ...cancel,
      parent: { ...email, batchId: 'batch-1', progressMessageId: null },
      messageId: 'f1',
      threadId: 't2',
    },
    refusal: { kind: 'wrong-message' },
  },
  {
    name: 'a progress action on a row with no progress message and no batch',
    context: { ...cancel, parent: { ...email, progressMessageId: null } },
    refusal: { kind: 'wrong-message' },
  },
  { name: 'Write the email, in the thread: allowed', context: write, refusal: undefined },
  {
    name: 'Write the email, in another thread',
    context: { ...write, messageId: 't2' },
    refusal: { kind: 'wrong-message' },
  },
  {
    name: 'Write the email on an email with no thread',
    context: { ...write, parent: { ...email, threadId: null } },
    refusal: { kind: 'wrong-message' },
  },
  {
    name: 'another person, not known to be an admin',
    context: { ...regenerate, actor: grace },
    refusal: { kind: 'not-allowed', requesterId: 'U0ADA' },
  },
  {
    name: 'another person, not an admin',
    context: { ...regenerate, actor: grace, actorIsAdmin: false },
    refusal: { kind: 'not-allowed', requesterId: 'U0ADA' },
  },
  { name: 'an admin: allowed', context: { ...regenerate, actor: grace, actorIsAdmin: true }, refusal: undefined },
  {
    name: 'asked for the same way within the window',
    context: { ...regenerate, recent: version2 },
    refusal: { kind: 'duplicate', existing: version2 },
  },
  {
    name: 'quota used up, for an action that makes a new version',
    context: { ...regenerate, usedToday: 20 },
    refusal: { kind: 'quota', quota: 20 },
  },
  { name: 'quota used up, for a Cancel: allowed', context: { ...cancel, usedToday: 20 }, refusal: undefined },
  { name: 'quota used up, for Write the email: allowed', context: { ...write, usedToday: 25 }, refusal: undefined },
  {
    name: "the workspace's budget spent",
    context: { ...regenerate, spend: spent },
    refusal: { kind: 'budget', budgetUsd: 5, pausedUntil: undefined },
  },
  {
    name: 'paused after a spend limit, for Write the email (it calls the model)',
    context: { ...write, spend: { todayUsd: 0, budgetUsd: undefined, pausedUntil: paused } },
    refusal: { kind: 'budget', budgetUsd: undefined, pausedUntil: paused },
  },
  { name: 'budget spent, for a Cancel: allowed', context: { ...cancel, spend: spent }, refusal: undefined },
  { name: 'no spend loaded: allowed', context: { ...regenerate, spend: undefined }, refusal: undefined },
  // The order a person would care about: the first reason wins.
  {
    name: 'wrong workspace and a foreign message: the workspace is said',
    context: { ...regenerate, actorTeamId: 'T2', messageId: 'x9' },
    refusal: { kind: 'wrong-team' },
  },
  {
    name: 'a foreign message by another person: the message is said',
    context: { ...regenerate, actor: grace, messageId: 'x9' },
    refusal: { kind: 'wrong-message' },
  },
  {
    name: 'another person pressing again within the window: not allowed, not a duplicate',
    context: { ...regenerate, actor: grace, recent: version2 },
    refusal: { kind: 'not-allowed', requesterId: 'U0ADA' },
  },
  {
    name: 'a duplicate with the quota used up: the duplicate is said (it was already made)',
    context: { ...regenerate, recent: version2, usedToday: 20 },
    refusal: { kind: 'duplicate', existing: version2 },
  },
  {
    name: 'quota and budget both used up: the quota is said',
    context: { ...regenerate, usedToday: 20, spend: spent },
    refusal: { kind: 'quota', quota: 20 },
  },
];

describe('checkAction', () => {
  it.each(ACTION_CASES)('$name', ({ context, refusal }) => {
    expect(checkAction(context)).toEqual(refusal);
  });
});

const start: StartContext = {
  user: ada,
  usedToday: 3,
  dailyQuota: 20,
  spend: { todayUsd: 1, budgetUsd: 5, pausedUntil: undefined },
};

const START_CASES: Case<StartContext, Refusal>[] = [
  { name: 'quota and budget left: allowed', context: start, refusal: undefined },
  { name: 'one email left: allowed', context: { ...start, usedToday: 19 }, refusal: undefined },
  { name: 'quota used up', context: { ...start, usedToday: 20 }, refusal: { kind: 'quota', quota: 20 } },
  {
    name: 'past the quota (it was lowered)',
    context: { ...start, usedToday: 30 },
    refusal: { kind: 'quota', quota: 20 },
  },
  {
    name: 'budget spent',
    context: { ...start, spend: spent },
    refusal: { kind: 'budget', budgetUsd: 5, pausedUntil: undefined },
  },
  {
    name: 'quota and budget both used up: the quota is said',
    context: { ...start, usedToday: 20, spend: spent },
    refusal: { kind: 'quota', quota: 20 },
  },
  { name: 'no spend loaded: allowed', context: { ...start, spend: undefined }, refusal: undefined },
];

describe('checkStart', () => {
  it.each(START_CASES)('$name', ({ context, refusal }) => {
    expect(checkStart(context)).toEqual(refusal);
  });
});

const SPEND_CASES: Case<SpendContext | undefined, Refusal>[] = [
  { name: 'not loaded: allowed', context: undefined, refusal: undefined },
  {
    name: 'no budget set: allowed',
    context: { todayUsd: 1_000, budgetUsd: undefined, pausedUntil: undefined },
    refusal: undefined,
  },
  {
    name: 'under the budget: allowed',
    context: { todayUsd: 4.99, budgetUsd: 5, pausedUntil: undefined },
    refusal: undefined,
  },
  { name: 'at the budget', context: spent, refusal: { kind: 'budget', budgetUsd: 5, pausedUntil: undefined } },
  {
    name: 'paused, even under the budget: the pause is said, not the budget',
    context: { todayUsd: 0, budgetUsd: 5, pausedUntil: paused },
    refusal: { kind: 'budget', budgetUsd: undefined, pausedUntil: paused },
  },
];

describe('checkSpend', () => {
  it.each(SPEND_CASES)('$name', ({ context, refusal }) => {
    expect(checkSpend(context)).toEqual(refusal);
  });
});

describe('needsAdminCheck', () => {
  it.each([
    { name: 'the requester: no', actor: ada, team: 'T1', needed: false },
    { name: 'another person in the workspace: yes', actor: grace, team: 'T1', needed: true },
    { name: 'another workspace (refused anyway): no', actor: grace, team: 'T2', needed: false },
  ])('$name', ({ actor, team, needed }) => {
    expect(needsAdminCheck(email, actor, team)).toBe(needed);
  });
});
