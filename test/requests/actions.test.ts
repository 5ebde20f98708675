/**
 * The dedupe window (docs/decisions.md, "One dedupe rule on both platforms"): a request made at T
 * collapses into any version asked for the same way since T, with clock skew, and at least 10 s.
 */
import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_MS, COLLAPSE_MS, collapseWindowMs } from '../../src/requests/actions.ts';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms);

describe('collapseWindowMs', () => {
  it.each([
    { name: 'no request time (a Discord reaction): the minimum', requestedAt: undefined, windowMs: COLLAPSE_MS },
    { name: 'made just now: the minimum', requestedAt: ago(0), windowMs: COLLAPSE_MS },
    { name: 'made 5 s ago: still the minimum (5 s + 5 s skew)', requestedAt: ago(5_000), windowMs: COLLAPSE_MS },
    { name: 'made 6 s ago: its age plus the skew', requestedAt: ago(6_000), windowMs: 11_000 },
    { name: 'a redelivery 3 minutes late: back to the request time', requestedAt: ago(180_000), windowMs: 185_000 },
    { name: 'a platform clock ahead of ours: the minimum', requestedAt: ago(-60_000), windowMs: COLLAPSE_MS },
    { name: 'an unreadable time: the minimum', requestedAt: new Date(Number.NaN), windowMs: COLLAPSE_MS },
  ])('$name', ({ requestedAt, windowMs }) => {
    expect(collapseWindowMs(requestedAt, NOW)).toBe(windowMs);
  });

  it('is 10 s, with 5 s of skew between the platform and Postgres', () => {
    expect([COLLAPSE_MS, CLOCK_SKEW_MS]).toEqual([10_000, 5_000]);
  });
});
