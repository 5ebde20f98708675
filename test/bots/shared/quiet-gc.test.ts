import { PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ackStarted, connectionAccepted, lastChatActivity } from '../../../src/bots/shared/ack-first.ts';
import { startQuietGc, type QuietGc } from '../../../src/bots/shared/quiet-gc.ts';

const MB = 1024 * 1024;

describe('startQuietGc', () => {
  const started: QuietGc[] = [];
  afterEach(() => {
    for (const q of started.splice(0)) q.stop();
  });

  /** A quiet-gc over a made-up old generation, chat last active at `activity.at`, looked at by hand. */
  function quietGc(options: { quietMs?: number; minGrowthBytes?: number } = {}) {
    const heap = { old: 50 * MB };
    const activity = { at: 0 };
    const collections: { beforeBytes: number; afterBytes: number }[] = [];
    const q = startQuietGc({
      // The collection frees what grew back to 48 MB, as a mark-compact of a chat process does.
      gc: () => {
        heap.old = 48 * MB;
      },
      everyMs: 60_000,
      oldBytes: () => heap.old,
      lastActivity: () => activity.at,
      onCollect: (info) => collections.push(info),
      ...options,
    });
    started.push(q);
    return { q, heap, activity, collections };
  }

  it('collects once chat has been quiet for quietMs and the old generation grew', () => {
    const { q, heap, activity, collections } = quietGc({ quietMs: 500, minGrowthBytes: 4 * MB });
    heap.old = 70 * MB;
    activity.at = 1_000;
    expect(q.check(1_400)).toBe(false); // 400 ms after the last ack: a burst may still be arriving
    expect(q.collections()).toBe(0);
    expect(q.check(1_500)).toBe(true);
    expect(collections).toEqual([{ beforeBytes: 70 * MB, afterBytes: 48 * MB, ms: expect.any(Number) }]);
    expect(heap.old).toBe(48 * MB);
  });

  it('does not collect again until the old generation has grown by minGrowthBytes since the last collection', () => {
    const { q, heap, activity } = quietGc({ quietMs: 500, minGrowthBytes: 4 * MB });
    heap.old = 60 * MB;
    activity.at = 0;
    expect(q.check(10_000)).toBe(true); // down to 48 MB
    activity.at = 15_000; // another burst
    heap.old = 51 * MB;
    expect(q.check(20_000)).toBe(false); // 3 MB of growth: left alone
    heap.old = 53 * MB;
    expect(q.check(30_000)).toBe(true);
    expect(q.collections()).toBe(2);
  });

  it('collects once per quiet spell: growth with no chat since (generations running) is left to V8', () => {
    const { q, heap, activity } = quietGc({ quietMs: 500, minGrowthBytes: 4 * MB });
    heap.old = 60 * MB;
    activity.at = 1_000;
    expect(q.check(2_000)).toBe(true);
    heap.old = 70 * MB; // the worker's generations allocate; no chat
    expect(q.check(3_000)).toBe(false);
    expect(q.check(60_000)).toBe(false);
    activity.at = 61_000; // chat again
    expect(q.check(61_600)).toBe(true);
    expect(q.collections()).toBe(2);
  });

  it("counts growth from V8's own last major collection, not only from its own", async () => {
    // The real old space and V8's real collector (exposed for this test; a chat process gets it
    // from --expose-gc). A major collection V8 makes (here forced, as V8 would start one at its
    // limit) is seen through the gc PerformanceObserver and moves the baseline.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;
    /** Resolves once a major collection's gc entry has reached the observers. */
    const nextMajor = () =>
      new Promise<void>((resolve) => {
        const obs = new PerformanceObserver((list) => {
          const kinds = list.getEntries().map((e) => (e as { detail?: { kind?: number } }).detail?.kind);
          if (kinds.includes(constants.NODE_PERFORMANCE_GC_MAJOR)) {
            obs.disconnect();
            setImmediate(resolve); // after every observer has had the entry
          }
        });
        obs.observe({ entryTypes: ['gc'] });
      });
    // A clean old generation first, so that the baseline is what is live.
    let seen = nextMajor();
    gc();
    await seen;
    const q = startQuietGc({ gc, everyMs: 60_000, lastActivity: () => 0, minGrowthBytes: 4 * MB });
    started.push(q);
    const from = oldSpace();
    // 8 MB or more that stays reachable, promoted by V8's own major collection (forced here, as V8
    // would start one at its limit).
    const keep: string[] = [];
    for (let i = 0; i < 40_000; i++) keep.push(`${i}`.padEnd(200, 'x'));
    seen = nextMajor();
    gc();
    await seen;
    // The old generation did grow past minGrowthBytes since the quiet-gc started...
    expect(oldSpace() - from).toBeGreaterThan(4 * MB);
    // ...but not since the last major collection: nothing to do (chat quiet for 10 s).
    expect(q.check(performance.now() + 10_000)).toBe(false);
    expect(q.collections()).toBe(0);
    expect(keep).toHaveLength(40_000);
  });
});

describe('lastChatActivity', () => {
  it('moves when a connection is accepted, and reads as now while an ack is on its way', async () => {
    const before = lastChatActivity();
    await new Promise((r) => setTimeout(r, 5));
    connectionAccepted();
    const accepted = lastChatActivity();
    expect(accepted).toBeGreaterThan(before);
    const ended = ackStarted();
    await new Promise((r) => setTimeout(r, 5));
    // An ack that has not been sent yet: chat is active now, however long it has been.
    expect(lastChatActivity()).toBeGreaterThanOrEqual(performance.now() - 1);
    ended();
    const afterAck = lastChatActivity();
    await new Promise((r) => setTimeout(r, 5));
    expect(lastChatActivity()).toBe(afterAck);
    expect(afterAck).toBeGreaterThan(accepted);
  });
});
