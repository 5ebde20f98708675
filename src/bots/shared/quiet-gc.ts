/**
 * Major garbage collections while chat is quiet (issue 24, item 3), so that fewer land in a burst.
 *
 * A burst of 50 requests promotes much of its short-lived garbage to V8's old generation (each
 * request lives across several scavenges), and V8 starts a major collection when the old
 * generation reaches a limit set after the last one: every few bursts, a mark-compact of 12–40 ms
 * on the event loop, and the acks in flight wait for it. In the chat bench, the runs whose acks
 * missed 100 ms had one in the burst. V8 has no idle-time collection in Node (Chrome's comes from
 * its scheduler), so this does it: when no ack has started and no connection has been accepted for
 * `quietMs`, and the old generation has grown `minGrowthBytes` since the last major collection, it
 * collects (`gc`, from `--expose-gc`, which a process that answers chat runs with: boot.ts), once
 * per quiet spell: not again until chat has been active since. The next burst then starts with
 * the headroom V8 sets after a collection. Generations running while chat is quiet are left to
 * V8's own, incremental collections; memory only goes down.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';
import { lastChatActivity } from './ack-first.ts';

export interface QuietGcOptions {
  /** The collector (`globalThis.gc` in a process run with `--expose-gc`): a full, major collection. */
  gc: () => void;
  /** No chat activity for this long counts as quiet. Default 500 ms. */
  quietMs?: number;
  /** Growth of the old generation since the last major collection worth a collection. Default 4 MB. */
  minGrowthBytes?: number;
  /** How often to look. Default 1 s. */
  everyMs?: number;
  /** When chat was last active (`performance.now()` ms); default: ack-first's acks and connections. */
  lastActivity?: () => number;
  /** The old generation's size; default: V8's old space, used bytes. */
  oldBytes?: () => number;
  /** Told of each collection this makes: the old generation's size before and after, and its time. */
  onCollect?: (info: { beforeBytes: number; afterBytes: number; ms: number }) => void;
}

export interface QuietGc {
  /** Looks once: collects if chat is quiet and the old generation grew enough. Returns whether it did. */
  check(now?: number): boolean;
  /** Collections made so far. */
  collections(): number;
  stop(): void;
}

const MB = 1024 * 1024;

function oldSpaceBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;
}

/** Starts looking every `everyMs` (the timer does not keep the process alive). */
export function startQuietGc(options: QuietGcOptions): QuietGc {
  const quietMs = options.quietMs ?? 500;
  const minGrowth = options.minGrowthBytes ?? 4 * MB;
  const lastActivity = options.lastActivity ?? lastChatActivity;
  const oldBytes = options.oldBytes ?? oldSpaceBytes;
  let baseline = oldBytes();
  let made = 0;
  /** When this last collected: it collects again only after more chat activity. */
  let collectedAt = Number.NEGATIVE_INFINITY;
  // V8's own major collections move the baseline too: growth is counted from the last one.
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // A gc entry's detail says its kind (Node's NodeGCPerformanceDetail).
      const kind = (entry as { detail?: { kind?: number } | null }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) baseline = oldBytes();
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const check = (now = performance.now()): boolean => {
    const active = lastActivity();
    // Once per quiet spell: generations running with no chat would otherwise be collected every
    // second, each an atomic collection V8 would have made incrementally, and cheaper.
    if (active <= collectedAt || now - active < quietMs) return false;
    const before = oldBytes();
    if (before - baseline < minGrowth) return false;
    const started = performance.now();
    options.gc();
    baseline = oldBytes();
    collectedAt = now;
    made += 1;
    options.onCollect?.({ beforeBytes: before, afterBytes: baseline, ms: performance.now() - started });
    return true;
  };
  const timer = setInterval(() => check(), options.everyMs ?? 1_000);
  timer.unref();
  return {
    check,
    collections: () => made,
    stop() {
      clearInterval(timer);
      observer.disconnect();
    },
  };
}
