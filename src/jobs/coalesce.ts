/**
 * Coalesced progress edits: at most one edit per message per interval, and the last state always
 * delivered. Chat platforms rate-limit message edits (Slack's chat.update is about one per second
 * per channel), and the runner can emit several events within a second. `createCoalescer` is the
 * mechanism, per message; `coalesceProgress` applies it to each generation's progress message and
 * batch-updates.ts to each batch's table.
 */
import type { Logger } from '../log.ts';
import type { ProgressView, ThreadAddress, ThreadReporter } from '../thread/reporter.ts';

interface Slot<T> {
  lastSentAt: number;
  pending: T | undefined;
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void>;
}

export interface CoalesceOptions {
  intervalMs?: number;
  logger: Logger;
  now?: () => number;
}

export interface CoalescerOptions<T> {
  intervalMs: number;
  now?: () => number;
  /** Edits the message to `state`. */
  send(state: T): Promise<void>;
  /** A failed edit is reported here, never thrown: the next edit carries the state. */
  failed(err: unknown, state: T): void;
}

/**
 * Edits coalesced per key (one chat message): `offer` sends at once when the interval has passed,
 * else keeps only the latest state for a timer at the interval's end; edits to one key go out in
 * order, each after the one before it.
 */
export function createCoalescer<T>(options: CoalescerOptions<T>) {
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot<T>>();

  function send(slot: Slot<T>): Promise<void> {
    const next = slot.pending;
    slot.pending = undefined;
    slot.timer = undefined;
    if (next === undefined) return slot.inFlight;
    slot.lastSentAt = now();
    slot.inFlight = slot.inFlight.then(() => options.send(next)).catch((err: unknown) => options.failed(err, next));
    return slot.inFlight;
  }

  return {
    async offer(key: string, state: T): Promise<void> {
      let slot = slots.get(key);
      if (!slot) {
        slot = { lastSentAt: -Infinity, pending: undefined, timer: undefined, inFlight: Promise.resolve() };
        slots.set(key, slot);
      }
      slot.pending = state;
      const wait = slot.lastSentAt + options.intervalMs - now();
      if (wait <= 0 && !slot.timer) {
        await send(slot);
      } else if (!slot.timer) {
        const s = slot;
        s.timer = setTimeout(() => void send(s), Math.max(0, wait));
      }
    },
    /** Sends what is pending for `key` now; resolves when its edits so far are done. */
    async flush(key: string): Promise<void> {
      const slot = slots.get(key);
      if (!slot) return;
      clearTimeout(slot.timer);
      await send(slot);
    },
    /** Sends what is pending for every key (shutdown). */
    async flushAll(): Promise<void> {
      await Promise.all(
        [...slots.values()].map((slot) => {
          clearTimeout(slot.timer);
          return send(slot);
        }),
      );
    },
    /** Forgets a key whose message will not change again. */
    forget(key: string): void {
      slots.delete(key);
    },
  };
}

/** Wraps a reporter so that `progress` calls are coalesced per progress message. */
export function coalesceProgress(
  inner: ThreadReporter,
  options: CoalesceOptions,
): ThreadReporter & {
  flush(address: ThreadAddress): Promise<void>;
} {
  const edits = createCoalescer<{ address: ThreadAddress; view: ProgressView }>({
    intervalMs: options.intervalMs ?? 1_000,
    now: options.now,
    send: (next) => inner.progress(next.address, next.view),
    // A lost progress edit is not worth failing a generation: the next edit carries the state.
    failed: (err, next) =>
      options.logger.warn({ err, generationId: next.address.generationId }, 'progress edit failed'),
  });
  const keyOf = (a: ThreadAddress) => `${a.platform}:${a.channelId ?? ''}:${a.progressMessageId ?? a.generationId}`;
  const flush = (address: ThreadAddress) => edits.flush(keyOf(address));

  /** The generation is over: deliver what is pending and forget its slot. */
  async function finish(address: ThreadAddress): Promise<void> {
    await flush(address);
    edits.forget(keyOf(address));
  }

  return {
    progress: (address, view) => edits.offer(keyOf(address), { address, view }),
    async result(address, view, resultOptions) {
      await finish(address);
      return inner.result(address, view, resultOptions);
    },
    async failed(address, failure) {
      await finish(address);
      return inner.failed(address, failure);
    },
    // Only where the inner reporter can show a review: the worker pauses for one only then.
    ...(inner.review ? { review: inner.review.bind(inner) } : {}),
    // The question follows the progress edits before it, like a result.
    ...(inner.askIdentity
      ? {
          askIdentity: async (...args: Parameters<NonNullable<ThreadReporter['askIdentity']>>) => {
            await finish(args[0]);
            return inner.askIdentity!(...args);
          },
        }
      : {}),
    // Streamed text is not held back by the progress edits' interval: it is the point of streaming.
    ...(inner.emailText ? { emailText: inner.emailText.bind(inner) } : {}),
    flush,
  };
}
