/**
 * `checkPlace`: the rule every request on an existing email starts with (an action, a Copy) — the
 * email exists on this platform, in the actor's team, and the message is one of its own.
 */
import { describe, expect, it } from 'vitest';
import { checkPlace, type PlaceContext } from '../../src/requests/checks.ts';
import type { Generation } from '../../src/requests/types.ts';

// Only the fields the rule reads; the rest of a stored row does not matter here.
const email = {
  platform: 'slack',
  teamId: 'T1',
  threadId: '100.1',
  progressMessageId: '100.1',
  resultMessageIds: ['200.1', '200.2'],
  batchId: null,
} as Partial<Generation> as Generation;

const place = (over: Partial<PlaceContext>): PlaceContext => ({
  parent: email,
  platform: 'slack',
  actorTeamId: 'T1',
  messageId: '200.2',
  on: 'result',
  ...over,
});

describe('checkPlace', () => {
  it.each([
    ['a result message of the email', {}, undefined],
    ['no such email', { parent: undefined }, 'not-found'],
    ['the email on another platform', { platform: 'discord' as const }, 'not-found'],
    ['another workspace', { actorTeamId: 'T2' }, 'wrong-team'],
    ['a message that is not the email’s', { messageId: '300.1' }, 'wrong-message'],
    ['no message at all (the CLI)', { messageId: null }, undefined],
    ['the progress message, for a progress action', { on: 'progress' as const, messageId: '100.1' }, undefined],
    ['the thread, for a review action', { on: 'review' as const, messageId: '100.1' }, undefined],
  ])('%s', (_, over, kind) => {
    expect(checkPlace(place(over))?.kind).toBe(kind);
  });
});
