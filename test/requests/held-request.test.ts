/**
 * A request held for its personal-line answer (Discord's form cannot reopen itself): taken once,
 * only by the person who typed it, and not after the interaction token's 15 minutes.
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { HOLD_MS, holdRequest, takeHeldRequest } from '../../src/requests/held-request.ts';

const ada = { platform: 'discord', teamId: 'G1', platformUserId: 'U1', displayName: 'Ada' } as const;
const typed = {
  identity: ada,
  channelId: 'C1',
  request: {
    template: 'Dear colleague,\n\nYou are invited.\n\nBest',
    recipientName: 'Dr. Ada',
    recipientInterest: 'x',
  },
  fresh: false,
  review: true,
};
// The template's save fails here (no database): logged, and the held request is unaffected.
const deps = {
  pool: { query: () => Promise.reject(new Error('no database')) } as unknown as pg.Pool,
  logger: silentLogger(),
};

describe('held requests', () => {
  it('are taken once, by the person who typed them, with everything they typed', async () => {
    const { key, saved } = holdRequest(deps, typed, 1_000);
    await saved;
    expect(takeHeldRequest(key, { ...ada, platformUserId: 'U2' }, 2_000)).toEqual({ kind: 'not-yours' });
    expect(takeHeldRequest(key, { ...ada, teamId: 'G2' }, 2_000)).toEqual({ kind: 'not-yours' });
    expect(takeHeldRequest(key, ada, 2_000)).toEqual({ kind: 'found', held: typed });
    expect(takeHeldRequest(key, ada, 2_000)).toEqual({ kind: 'expired' });
  });

  it('expire with the interaction token, after 15 minutes', () => {
    const { key } = holdRequest(deps, typed, 1_000);
    expect(HOLD_MS).toBe(15 * 60_000);
    expect(takeHeldRequest(key, ada, 1_000 + HOLD_MS)).toEqual({ kind: 'expired' });
  });
});
